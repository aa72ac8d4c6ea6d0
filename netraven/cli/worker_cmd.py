"""``netraven worker``: a Celery worker that runs lanes of hosts for ``--executor celery``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netraven.cli.common import handle_errors
from netraven.errors import ExecutorError, InputError


@handle_errors
def worker(
    name: Annotated[
        str,
        typer.Option(
            "--name",
            help="This worker's node name (unique per broker); %h is the host name.",
        ),
    ] = "netraven@%h",
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            min=1,
            max=64,
            help="Lanes at once (jobs side by side); hosts within a lane run up to --forks.",
        ),
    ] = 4,
    broker: Annotated[
        str | None,
        typer.Option("--broker", help="Redis URL (default NETRAVEN_BROKER_URL / settings)."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Job store URL: the coordinator's store.")
    ] = None,
    vault_password_file: Annotated[
        Path | None,
        typer.Option(
            "--vault-password-file",
            help="This worker's vault password (secrets never travel through the broker).",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 0 if the worker --name answers a Celery ping within 5 s, else 1 "
            "(container health checks).",
        ),
    ] = False,
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery's log level.")] = "INFO",
) -> None:
    """Run a worker for `netraven run --executor celery` (docs/workers.md)."""
    from celery.utils.nodenames import host_format

    from netraven.executor.app import QUEUE, make_app
    from netraven.settings import load_settings

    settings = load_settings(db_url=db, broker_url=broker, vault_password_file=vault_password_file)
    node = host_format(name)
    if "@" not in node:
        raise InputError(f"--name: {name!r} must look like NAME@HOST (e.g. w1@%h)")
    app = make_app(settings.broker_url)
    if check:
        replies = app.control.ping(destination=[node], timeout=5.0)
        raise typer.Exit(0 if replies else 1)
    from netraven.cli.collector import tune_for_run
    from netraven.executor.worker import Heartbeat, WorkerRuntime, install
    from netraven.store.engine import open_engine
    from netraven.system import raise_fd_limit
    from netraven.vault import load_vault_password

    tune_for_run()
    raise_fd_limit()
    _quiet_device_libraries(loglevel)
    password = (
        load_vault_password(settings.vault_password_file)
        if settings.vault_password_file is not None
        else None
    )
    store = open_engine(settings.db_url)
    runtime = WorkerRuntime(node, settings.broker_url, store, password)
    install(runtime)
    heartbeat = Heartbeat(settings.broker_url, node)
    try:
        heartbeat.start()
    except Exception as exc:  # noqa: BLE001 - a one-line reason, not a traceback
        raise ExecutorError(f"broker unreachable: {type(exc).__name__}: {exc}") from None
    try:
        app.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={concurrency}",
                f"--hostname={node}",
                f"--loglevel={loglevel}",
                f"--queues={QUEUE}",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        heartbeat.stop()
        runtime.stop()
        store.dispose()


# Celery's --loglevel applies to the root logger, where the device libraries log every
# login and command at INFO: at 1,000 devices that is thousands of lines and measurable CPU
# on the worker. The job log in the store already says what each host did.
DEVICE_LOGGERS = ("asyncssh", "scrapli", "netmiko", "paramiko", "httpx", "httpcore")


def _quiet_device_libraries(loglevel: str) -> None:
    import logging

    if loglevel.upper() != "DEBUG":
        for name in DEVICE_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
