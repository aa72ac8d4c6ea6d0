"""``netraven run`` and ``netraven validate``."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from netraven.cli.common import handle_errors
from netraven.cli.extra_vars import parse_extra_vars, split_tags
from netraven.cli.limits import resolve_limit, write_last_failed
from netraven.cli.output import TextReporter, to_json, to_junit
from netraven.inventory import load_inventory
from netraven.playbook.loader import load_playbook
from netraven.runner.job import RunOptions, build_redactor, plan, run_job
from netraven.store.engine import open_engine


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"


InventoryOpt = Annotated[Path, typer.Option("-i", "--inventory", help="Inventory directory.")]


@handle_errors
def run(
    playbook: Annotated[Path, typer.Argument(help="Playbook YAML file.")],
    inventory: InventoryOpt,
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
    forks: Annotated[int, typer.Option("-f", "--forks", min=1, max=10000)] = 100,
    output: Annotated[OutputFormat, typer.Option("--output")] = OutputFormat.text,
    output_file: Annotated[Path | None, typer.Option("--output-file")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Job store URL.")] = None,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
) -> None:
    """Run a playbook against an inventory and record the job."""
    started = time.perf_counter()
    inv, secrets = load_inventory(inventory)
    book = load_playbook(playbook)
    variables = parse_extra_vars(extra_vars or [])
    engine = open_engine(db)
    err = Console(stderr=True, highlight=False)
    limit, notes = resolve_limit(inv, limit, retry_failed, engine)
    for note in notes:
        err.print(f"[yellow][WARNING][/yellow]: {escape(note)}", highlight=False)
    if limit == "":
        raise typer.Exit(0)
    options = RunOptions(
        limit=limit,
        extra_vars=variables,
        tags=split_tags(tags or []),
        skip_tags=split_tags(skip_tags or []),
        check=check,
        diff=diff,
        forks=forks,
    )
    redactor = build_redactor(book, secrets, options)
    text_to_stdout = output is OutputFormat.text or output_file is not None
    out = Console(highlight=False) if text_to_stdout else Console(stderr=True, highlight=False)
    reporter = TextReporter(
        out, err, redactor, verbose=verbose, show_diff=diff, live=text_to_stdout
    )
    summary = run_job(book, inv, redactor, options, engine, reporter)
    if text_to_stdout:
        reporter.recap(summary)
    reporter.closing_line(summary, time.perf_counter() - started)
    last_failed = write_last_failed(summary)
    if last_failed is not None:
        err.print(
            f"hint: run again on the failed hosts only with --limit @{last_failed} "
            f"(or --retry-failed {summary.job_id})",
            highlight=False,
        )
    document = None
    if output is OutputFormat.json:
        document = to_json(summary, redactor, str(playbook), check)
    elif output is OutputFormat.junit:
        document = to_junit(summary, redactor, str(playbook))
    if document is not None:
        if output_file is not None:
            output_file.write_text(document + "\n")
        else:
            print(document)
    raise typer.Exit(summary.exit_code)


@handle_errors
def validate(
    playbook: Annotated[Path, typer.Argument(help="Playbook YAML file.")],
    inventory: InventoryOpt,
    limit: Annotated[str | None, typer.Option("-l", "--limit")] = None,
) -> None:
    """Check schema, host patterns and template syntax without contacting any device."""
    inv, _ = load_inventory(inventory)
    book = load_playbook(playbook)
    items, warnings = plan(book, inv, limit)
    err = Console(stderr=True, highlight=False)
    for warning in warnings:
        err.print(f"[yellow][WARNING][/yellow]: {escape(warning)}")
    for item in items:
        play = book.plays[item.index]
        print(
            f"play {item.index + 1} '{play.title}': {len(play.tasks)} task(s), "
            f"{len(item.hosts)} host(s)"
        )
    print(f"{playbook}: OK")
