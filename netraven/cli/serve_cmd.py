"""``netraven serve``: the job service (FastAPI on uvicorn), jobs run in this process."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from netraven.cli.common import handle_errors
from netraven.errors import InputError


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
    db: Annotated[str | None, typer.Option("--db", help="Job store URL.")] = None,
    playbook_dir: Annotated[
        Path | None,
        typer.Option(
            "--playbook-dir",
            help="Where API callers' playbook and inventory paths are resolved (and confined); "
            "default: the project root (service_playbook_dir).",
        ),
    ] = None,
    max_jobs: Annotated[
        int | None,
        typer.Option("--max-jobs", min=1, max=1000, help="Jobs running at once (default 2)."),
    ] = None,
    log_level: Annotated[
        LogLevel, typer.Option("--log-level", help="uvicorn's log level (access log at info).")
    ] = LogLevel.info,
) -> None:
    """Run the job service: HTTP API, queued jobs, live progress (docs/service.md)."""
    from netraven.cli.collector import freeze_loaded, tune_for_run

    # The service owns its process like `netraven run` does, and its jobs allocate the same
    # way: collect less often, and never re-walk what start-up loaded (cli/collector.py).
    tune_for_run()
    import uvicorn

    from netraven.service.app import create_app
    from netraven.settings import load_settings
    from netraven.system import raise_fd_limit

    settings = load_settings(
        db_url=db, service_playbook_dir=playbook_dir, service_max_jobs=max_jobs
    )
    root = settings.service_playbook_dir
    if root is not None and not root.is_dir():
        raise InputError(f"--playbook-dir: {root} is not a directory")
    raise_fd_limit()
    app = create_app(settings)

    class Server(uvicorn.Server):
        """Interrupts running jobs as soon as shutdown starts, not after the graceful wait:
        their event streams stay open until they end, and uvicorn waits for open
        connections before it runs the app's shutdown."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            state = getattr(app.state, "service", None)
            if state is not None:
                state.runner.interrupt_all_threadsafe()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level.value, timeout_graceful_shutdown=30
    )
    freeze_loaded()
    Server(config).run()
