"""The web UI of ``netraven serve``: server-rendered pages over the same use cases as the API."""
