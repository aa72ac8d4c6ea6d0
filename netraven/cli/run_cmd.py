"""``netraven run`` and ``netraven validate``."""

from __future__ import annotations

import functools
import getpass
import os
import signal
import socket
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netraven import exit_codes
from netraven.cli.common import handle_errors
from netraven.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from netraven.cli.listing import ListRequest
    from netraven.domain import JobOutcome
    from netraven.engine.events import RunListener
    from netraven.engine.spec import JobSpec


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"


InventoryOpt = Annotated[Path, typer.Option("-i", "--inventory", help="Inventory directory.")]
VaultOpt = Annotated[
    Path | None,
    typer.Option(
        "--vault-password-file",
        help="Ansible Vault password file (or executable script) for vaulted files and !vault "
        "values; also NETRAVEN_VAULT_PASSWORD_FILE or vault_password_file in netraven.toml.",
    ),
]


RunInventoryOpt = Annotated[
    Path | None,
    typer.Option(
        "-i", "--inventory", help="Inventory directory (required except with --syntax-check)."
    ),
]


def _vault_password(path: Path | None) -> bytes | None:
    if path is None:
        return None
    from netraven.vault import load_vault_password

    return load_vault_password(path)


async def _execute_until_signalled(
    spec: JobSpec, store: Engine, listener: RunListener, broker_url: str | None = None
) -> JobOutcome:
    """The engine knows no signals: here Ctrl-C and SIGTERM become its cancellation."""
    import asyncio

    from netraven.engine import execute

    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, cancel.set)
    remote = None
    if broker_url is not None:  # --executor celery: the hosts run on `netraven worker`s
        from netraven.executor.coordinator import CeleryExecutor

        remote = CeleryExecutor(spec, broker_url, store)
        await remote.announce(await remote.workers())  # none running: say so now
    try:
        return await execute(
            spec, store=store, listeners=[listener], cancel=cancel, remote=remote
        )
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


class Executor(StrEnum):
    local = "local"
    celery = "celery"


def _shown(path: Path) -> Path:
    """A path as short as it can be said from here, for hints people copy."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@handle_errors
def run(
    playbook: Annotated[Path, typer.Argument(help="Playbook YAML file.")],
    inventory: RunInventoryOpt = None,
    limit: Annotated[
        str | None, typer.Option("-l", "--limit", help="Host pattern, or @FILE of host names.")
    ] = None,
    retry_failed: Annotated[
        int | None,
        typer.Option(
            "--retry-failed",
            metavar="JOB_ID",
            help="Run only on hosts that failed or were unreachable in that job.",
        ),
    ] = None,
    extra_vars: Annotated[
        list[str] | None,
        typer.Option("-e", "--extra-vars", help="k=v, YAML/JSON, or @file; highest precedence."),
    ] = None,
    tags: Annotated[list[str] | None, typer.Option("-t", "--tags")] = None,
    skip_tags: Annotated[list[str] | None, typer.Option("--skip-tags")] = None,
    check: Annotated[bool, typer.Option("-C", "--check", help="Send no configuration.")] = False,
    diff: Annotated[bool, typer.Option("-D", "--diff", help="Show config diffs.")] = False,
    forks: Annotated[
        int | None,
        typer.Option("-f", "--forks", min=1, max=10000, help="Hosts at once (default 100)."),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--output")] = OutputFormat.text,
    output_file: Annotated[Path | None, typer.Option("--output-file")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Job store URL.")] = None,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
    vault_password_file: VaultOpt = None,
    list_hosts: Annotated[
        bool, typer.Option("--list-hosts", help="List each play's hosts; run nothing.")
    ] = False,
    list_tasks: Annotated[
        bool,
        typer.Option("--list-tasks", help="List each play's tasks (-t/--skip-tags apply)."),
    ] = False,
    list_tags: Annotated[
        bool, typer.Option("--list-tags", help="List each play's task tags; run nothing.")
    ] = False,
    syntax_check: Annotated[
        bool,
        typer.Option(
            "--syntax-check", help="Check the playbook and its templates only (-i optional)."
        ),
    ] = False,
    start_at_task: Annotated[
        str | None,
        typer.Option(
            "--start-at-task",
            metavar="NAME",
            help="Start at the first task with this name (or 'role : name', or a glob).",
        ),
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help=f"With --check: exit {exit_codes.CHANGES_PENDING} when a change is pending, "
            "0 when every device already matches.",
        ),
    ] = False,
    executor: Annotated[
        Executor | None,
        typer.Option(
            "--executor",
            help="Where the hosts run: this process (local, the default) or the Celery "
            "workers of the broker (celery; docs/workers.md). Also NETRAVEN_EXECUTOR.",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Run it on a job service (netraven serve); paths are the service's, relative "
            "to its playbook directory. Not read from NETRAVEN_SERVER: a local run stays local.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="NETRAVEN_TOKEN", help="API token for --server."),
    ] = None,
) -> None:
    """Run a playbook against an inventory and record the job."""
    started = time.perf_counter()  # the closing line's time includes loading what a run needs
    if detailed_exitcode and not check:
        raise InputError("--detailed-exitcode needs --check (it reports pending changes)")
    if server:
        _run_remote(
            server, token, str(playbook), inventory, limit, retry_failed, extra_vars,
            tags, skip_tags, check, diff, forks, output, output_file, verbose,
            start_at_task, detailed_exitcode,
            local_only=syntax_check or list_hosts or list_tasks or list_tags
            or db is not None or vault_password_file is not None,
        )  # fmt: skip
    if syntax_check or list_hosts or list_tasks or list_tags:
        from netraven.cli.extra_vars import split_tags
        from netraven.cli.listing import ListRequest

        only, skip = split_tags(tags or []), split_tags(skip_tags or [])
        if list_tags and not (only or skip):  # as Ansible: --list-tags shows `never` ones too
            only = frozenset({"all", "never"})
        request = ListRequest(list_hosts, list_tasks, list_tags, only, skip)
        _dry(playbook, inventory, limit, retry_failed, db, vault_password_file, request)
        raise typer.Exit(0)
    if inventory is None:
        raise InputError("-i/--inventory is required (except with --syntax-check)")
    from netraven.cli.collector import freeze_loaded, tune_for_run

    tune_for_run()
    import asyncio

    from rich.console import Console
    from rich.markup import escape

    from netraven.app.jobs import run_document
    from netraven.app.runs import prepare_run
    from netraven.cli.extra_vars import parse_extra_vars, split_tags
    from netraven.cli.limits import forget_last_failed, write_last_failed
    from netraven.cli.output import TextReporter, to_junit
    from netraven.engine import Owner, build_redactor
    from netraven.settings import load_settings, mask_url
    from netraven.store.engine import open_engine
    from netraven.system import raise_fd_limit

    settings = load_settings(
        db_url=db,
        forks=forks,
        vault_password_file=vault_password_file,
        executor=executor.value if executor is not None else None,
    )
    vault_password = _vault_password(settings.vault_password_file)
    vaulted: list[str] = []
    variables = parse_extra_vars(extra_vars or [], vault_password, vaulted)
    if settings.executor == "celery":
        from netraven.secrets import secret_values

        if vaulted or secret_values(variables):
            raise InputError(
                "--executor celery: secret extra vars (vaulted, or secret-looking names) would "
                "travel through the broker; give them to the workers (vault, inventory, "
                "environment) instead"
            )
    err = Console(stderr=True, highlight=False)
    open_store = functools.cache(lambda: open_engine(settings.db_url))
    prepared = prepare_run(
        playbook,
        inventory,
        owner=Owner(getpass.getuser(), os.getpid(), socket.gethostname()),
        store=open_store,
        limit=limit,
        retry_failed=retry_failed,
        extra_vars=variables,
        tags=split_tags(tags or []),
        skip_tags=split_tags(skip_tags or []),
        check=check,
        diff=diff,
        forks=settings.forks,
        log_level=settings.log_level,
        verbosity=verbose,
        vault_password=vault_password,
        extra_secrets=tuple(vaulted),
        start_at_task=start_at_task,
        flags=settings.flags,
    )
    if prepared.spec is None:
        for note in prepared.notes:
            err.print(f"[yellow][WARNING][/yellow]: {escape(note)}", highlight=False)
        raise typer.Exit(0)
    spec = prepared.spec
    store = open_store()
    redactor = build_redactor(spec)
    text_to_stdout = output is OutputFormat.text or output_file is not None
    out = Console(highlight=False) if text_to_stdout else Console(stderr=True, highlight=False)
    reporter = TextReporter(
        out, err, redactor, verbose=verbose, show_diff=diff, live=text_to_stdout
    )
    raise_fd_limit()
    freeze_loaded()
    broker = settings.broker_url if settings.executor == "celery" else None
    outcome = asyncio.run(_execute_until_signalled(spec, store, reporter, broker))
    if text_to_stdout:
        reporter.recap(outcome)
    store_flag = f" --db '{mask_url(db)}'" if db else ""
    reporter.closing_line(outcome, time.perf_counter() - started, store_flag)
    if outcome.error:
        err.print(f"error: {escape(outcome.error)}", highlight=False)
    last_failed = write_last_failed(outcome, settings.last_failed_path)
    if last_failed is not None:
        err.print(
            f"hint: run again on the failed hosts only with --limit @{_shown(last_failed)} "
            f"(or --retry-failed {outcome.job_id}{store_flag})",
            highlight=False,
        )
    elif outcome.status == "succeeded":
        forget_last_failed(settings.last_failed_path)
    document = None
    if output is OutputFormat.json:
        document = run_document(store, outcome, spec).model_dump_json(indent=2)
    elif output is OutputFormat.junit:
        document = to_junit(outcome, redactor, str(playbook))
    if document is not None:
        if output_file is not None:
            output_file.write_text(document + "\n")
        else:
            print(document)
    store.dispose()  # close (and checkpoint) the store now: the process exits without teardown
    code = outcome.exit_code
    if detailed_exitcode and code == exit_codes.OK and any(t.changed for t in outcome.tasks):
        code = exit_codes.CHANGES_PENDING  # the job stays recorded as it ran: exit code 0
        err.print(f"changes pending (exit {code}, --detailed-exitcode)", highlight=False)
    raise typer.Exit(code)


def _run_remote(
    server: str,
    token: str | None,
    playbook: str,
    inventory: Path | None,
    limit: str | None,
    retry_failed: int | None,
    extra_vars: list[str] | None,
    tags: list[str] | None,
    skip_tags: list[str] | None,
    check: bool,
    diff: bool,
    forks: int | None,
    output: OutputFormat,
    output_file: Path | None,
    verbose: int,
    start_at_task: str | None,
    detailed_exitcode: bool,
    *,
    local_only: bool,
) -> None:
    from netraven.cli.extra_vars import parse_extra_vars, split_tags
    from netraven.cli.remote_run import remote_run

    if local_only:
        raise InputError(
            "--server: --syntax-check, --list-*, --db and --vault-password-file are local only"
        )
    if output is OutputFormat.junit:
        raise InputError("--server: --output junit is local only (use --output json)")
    if inventory is None:
        raise InputError("-i/--inventory is required (a path in the service's playbook dir)")
    if limit and limit.startswith("@"):
        from netraven.app.runs import read_host_file

        limit = ",".join(read_host_file(Path(limit[1:])))
    body = {
        "playbook": playbook,
        "inventory": str(inventory),
        "limit": limit,
        "extra_vars": parse_extra_vars(extra_vars or [], None, []),
        "tags": sorted(split_tags(tags or [])),
        "skip_tags": sorted(split_tags(skip_tags or [])),
        "check": check,
        "diff": diff,
        "forks": forks,
        "start_at_task": start_at_task,
        "retry_failed": retry_failed,
    }
    code = remote_run(
        server,
        token,
        body,
        text_to_stdout=output is OutputFormat.text or output_file is not None,
        json_output=output is OutputFormat.json,
        output_file=output_file,
        verbose=verbose,
        diff=diff,
        detailed_exitcode=detailed_exitcode,
    )
    raise typer.Exit(code)


def _dry(
    playbook: Path,
    inventory: Path | None,
    limit: str | None,
    retry_failed: int | None,
    db: str | None,
    vault_password_file: Path | None,
    request: ListRequest,
) -> None:
    """--syntax-check and --list-*: load and plan as a run would, print, contact nothing.

    No job is recorded; the store is only read, and only for --retry-failed.
    """
    import sys

    from netraven.app.runs import read_host_file, retry_limit
    from netraven.cli.listing import render_listing
    from netraven.connections.base import default_registry
    from netraven.engine.plan import PlanItem, plan_job
    from netraven.inventory import load_inventory
    from netraven.playbook.loader import load_playbook
    from netraven.settings import load_settings

    settings = load_settings(db_url=db, vault_password_file=vault_password_file)
    vault_password = _vault_password(settings.vault_password_file)
    if inventory is None and (request.hosts or request.tasks or request.tags):
        raise InputError("-i/--inventory is required with --list-hosts/--list-tasks/--list-tags")
    inv = load_inventory(inventory, vault_password)[0] if inventory is not None else None
    book = load_playbook(playbook, vault_password)
    if inv is None or not (request.hosts or request.tasks or request.tags):
        print(f"\nplaybook: {playbook}")  # --syntax-check: what ansible-playbook prints
        return
    if limit and limit.startswith("@"):
        limit = ",".join(read_host_file(Path(limit[1:])))
    if retry_failed is not None:
        from netraven.store.engine import open_engine

        store = open_engine(settings.db_url, write=False)
        try:
            limit, notes = retry_limit(inv, limit, retry_failed, store)
        finally:
            store.dispose()
        for note in notes:
            sys.stderr.write(f"[WARNING]: {note}\n")
    items, warnings = plan_job(book, inv, limit, default_registry())
    if retry_failed is not None and not limit:
        items = [PlanItem(item.index, []) for item in items]  # no failed hosts: none
    for warning in warnings:
        sys.stderr.write(f"[WARNING]: {warning}\n")
    sys.stdout.write(render_listing(book, str(playbook), [i.hosts for i in items], request))


@handle_errors
def validate(
    playbook: Annotated[Path, typer.Argument(help="Playbook YAML file.")],
    inventory: InventoryOpt,
    limit: Annotated[str | None, typer.Option("-l", "--limit")] = None,
    vault_password_file: VaultOpt = None,
) -> None:
    """Check schema, host patterns, template syntax and connections without contacting a device."""
    import sys

    from netraven.connections.base import default_registry
    from netraven.engine.plan import plan_job
    from netraven.inventory import load_inventory
    from netraven.playbook.loader import load_playbook
    from netraven.settings import load_settings

    settings = load_settings(vault_password_file=vault_password_file)
    vault_password = _vault_password(settings.vault_password_file)
    inv, _ = load_inventory(inventory, vault_password)
    book = load_playbook(playbook, vault_password)
    from netraven.vardirs import apply_var_dirs

    # group_vars/host_vars may choose a host's connection kind: check what the run will use.
    apply_var_dirs(inv, [Path(playbook).parent], vault_password)
    items, warnings = plan_job(
        book, inv, limit, book.plugins.register_connections(default_registry())
    )
    for warning in warnings:
        sys.stderr.write(f"[WARNING]: {warning}\n")
    for item in items:
        play = book.compiled[item.index]
        tasks = sum(1 for _ in play.task_nodes())
        print(
            f"play {item.index + 1} '{play.title}': {tasks} task(s), "
            f"{len(item.hosts)} host(s)"
        )
    print(f"{playbook}: OK")
