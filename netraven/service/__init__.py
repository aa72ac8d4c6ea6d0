"""The job service (``netraven serve``): FastAPI on uvicorn, jobs on the engine in-process.

See ``netraven.service.app`` for how routers, background tasks and ``submit`` plug in.
"""
