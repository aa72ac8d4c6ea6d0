"""``netraven run ... --server URL``: start the job on a service, follow it, exit as a local run.

The job is queued on the service (paths are the service's, relative to its playbook
directory); its events stream back over SSE and are printed by the same reporter as a
local run, then the recap comes from the job as recorded. The exit code is the job's:
what the same run would have exited with locally. Ctrl-C cancels the remote job (its
finished hosts are kept) and exits 99.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from netraven import exit_codes
from netraven.app.read_models import HostPlayView, JobDetail, TaskView
from netraven.domain import HostOutcome, JobOutcome, JobStatus, TaskOutcome

__all__ = ["remote_run"]


def remote_run(
    server: str,
    token: str | None,
    body: dict[str, Any],
    *,
    text_to_stdout: bool,
    json_output: bool,
    output_file: Path | None,
    verbose: int,
    diff: bool,
    detailed_exitcode: bool,
) -> int:
    from rich.console import Console

    from netraven.cli.output import TextReporter
    from netraven.cli.remote import RemoteService
    from netraven.secrets import Redactor

    started = time.perf_counter()
    remote = RemoteService(server, token)
    out = Console(highlight=False) if text_to_stdout else Console(stderr=True, highlight=False)
    err = Console(stderr=True, highlight=False)
    reporter = TextReporter(out, err, Redactor(), verbose=verbose, show_diff=diff, live=True)
    job = remote.start_job(body)
    err.print(f"job {job.id} queued on {remote.server}", highlight=False)
    cancelled = False
    last = 0
    while True:
        try:
            for event in remote.events(job.id, last):
                last = event.seq
                if event.kind == "play" and event.play_index is not None:
                    reporter.play_started(event.play_index, event.play or "", event.hosts or [])
                elif event.kind == "task" and event.task is not None and event.host:
                    reporter.task_finished(_task(event.host, event.task))
                elif event.kind == "host" and event.result is not None and event.host:
                    reporter.host_finished(_host(event.host, event.result))
                elif event.kind == "log" and event.level and event.message:
                    reporter.log(None, event.level, event.message)
            break
        except KeyboardInterrupt:
            if cancelled:
                raise
            cancelled = True
            err.print(f"cancelling job {job.id} on the service...", highlight=False)
            remote.cancel_job(job.id)
    detail = remote.show_job(str(job.id))
    outcome = _outcome(detail)
    if text_to_stdout:
        reporter.recap(outcome)
    reporter.closing_line(outcome, time.perf_counter() - started, f" --server {remote.server}")
    if detail.job.error:
        err.print(f"error: {detail.job.error}", highlight=False)
    if json_output:
        document = detail.model_dump_json(indent=2)
        if output_file is not None:
            output_file.write_text(document + "\n")
        else:
            print(document)
    remote.close()
    code = detail.job.exit_code if detail.job.exit_code is not None else exit_codes.INTERNAL
    if detailed_exitcode and code == exit_codes.OK and any(t.changed for t in outcome.tasks):
        code = exit_codes.CHANGES_PENDING
        err.print(f"changes pending (exit {code}, --detailed-exitcode)", highlight=False)
    return code


def _task(host: str, t: TaskView) -> TaskOutcome:
    return TaskOutcome(
        host, t.play_index, t.play, t.task_index, t.name, t.action, t.status, t.changed,
        t.failed, t.skipped, t.ignored, t.output, t.diff, t.error, t.attempts, t.started_at,
        t.duration_ms, t.rescued,
    )  # fmt: skip


def _host(host: str, h: HostPlayView) -> HostOutcome:
    return HostOutcome(
        host, h.play_index, h.play, h.status, h.changed, h.error, h.started_at, h.finished_at,
        h.duration_ms, h.credential,
    )  # fmt: skip


def _outcome(detail: JobDetail) -> JobOutcome:
    tasks = [_task(name, t) for name, host in detail.hosts.items() for t in host.tasks]
    hosts = [_host(name, p) for name, host in detail.hosts.items() for p in host.plays]
    job = detail.job
    return JobOutcome(
        job.id,
        JobStatus(job.status),
        job.exit_code if job.exit_code is not None else exit_codes.INTERNAL,
        tasks,
        hosts,
        detail.warnings,
        job.started_at,
        job.finished_at,
        job.aborted,
        job.error,
    )
