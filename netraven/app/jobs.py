"""Reading recorded jobs: list, show, logs — the same read models for the CLI and the API."""

from __future__ import annotations

import json

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from netraven.app.breakers import breaker_view
from netraven.app.read_models import (
    BackupRef,
    FlagSeen,
    HostView,
    JobDetail,
    JobView,
    LogView,
    TemplateUse,
    job_detail,
)
from netraven.domain import (
    JobOutcome,
    JobStatus,
)
from netraven.engine.spec import JobSpec
from netraven.errors import InputError, StoreError
from netraven.store import queries
from netraven.store.liveness import effective_status
from netraven.store.models import HostResult, Job
from netraven.store.outcomes import host_outcome, task_outcome
from netraven.store.queries import Bind
from netraven.store.templates import job_templates

__all__ = [
    "run_document",
    "job_logs",
    "job_view",
    "list_jobs",
    "resolve_job",
    "show_job",
]


def job_view(job: Job) -> JobView:
    assert job.id is not None
    options = json.loads(job.options or "{}")
    duration = None
    if job.started_at and job.finished_at:
        duration = round((job.finished_at - job.started_at).total_seconds(), 3)
    return JobView(
        id=job.id,
        status=JobStatus(effective_status(job)),  # a dead holder's job shows interrupted
        exit_code=job.exit_code,
        playbook=job.playbook,
        playbook_sha256=job.playbook_sha256,
        git_commit=job.git_commit,
        inventory=job.inventory,
        user=job.user,
        options=options,
        check=bool(options.get("check", False)),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_s=duration,
        aborted=job.aborted,
        error=job.error,
    )


def resolve_job(engine: Bind, ref: str | int) -> Job:
    """A job by id, or the newest one for ``last``; an unknown one is an input error."""
    text = str(ref)
    if text in ("last", "latest"):
        newest = queries.list_jobs(engine, 1)
        job = newest[0] if newest else None
    elif text.isdigit():
        job = queries.get_job(engine, int(text))
    else:
        raise InputError(f"job id must be a number or 'last', got '{text}'")
    if job is None:
        raise InputError("no jobs recorded yet" if text in ("last", "latest") else f"no job {text}")
    return job


def list_jobs(engine: Bind, limit: int = 50) -> list[JobView]:
    return [job_view(j) for j in queries.list_jobs(engine, limit)]


def show_job(engine: Bind, ref: str | int) -> JobDetail:
    job = resolve_job(engine, ref)
    assert job.id is not None
    warnings = queries.job_warnings(engine, job.id)
    return job_detail(
        job_view(job),
        [host_outcome(h) for h in queries.host_results(engine, job.id)],
        [task_outcome(t) for t in queries.task_results(engine, job.id)],
        warnings,
        [
            BackupRef(id=b.id or 0, host=b.host, sha256=b.sha256)
            for b in queries.backups(engine, job_id=job.id)
        ],
        [
            breaker_view(b)
            for b in queries.load_breakers(engine)
            if b.job_id == job.id and b.state != "closed"
        ],
        {name: FlagSeen.model_validate(v) for name, v in json.loads(job.flags or "{}").items()},
        [
            TemplateUse(name=t.name, version=t.version, sha256=t.sha256)
            for t in job_templates(engine, job.id)
        ],
    )


def job_logs(engine: Bind, ref: str | int, host: str | None = None) -> list[LogView]:
    job = resolve_job(engine, ref)
    assert job.id is not None
    return [
        LogView(time=e.created_at, host=e.host, level=e.level, message=e.message)
        for e in queries.logs(engine, job.id, host)
    ]


def run_document(store: Bind, outcome: JobOutcome, spec: JobSpec) -> JobDetail:
    """A finished run's JSON: what the store recorded, so it equals ``jobs show --json``.

    Only if the store cannot be read back is it assembled from the run's memory — by the
    same builder, so the shape is the same either way.
    """
    try:
        return show_job(store, outcome.job_id)
    except (SQLAlchemyError, StoreError):
        pass
    job = JobView(
        id=outcome.job_id,
        status=outcome.status,
        exit_code=outcome.exit_code,
        playbook=str(spec.playbook.path),
        playbook_sha256=spec.playbook.sha256,
        git_commit=spec.git_commit,
        inventory=spec.inventory_path,
        user=spec.owner.started_by,
        options=spec.options.as_record(),
        check=spec.options.check,
        created_at=outcome.started_at,
        started_at=outcome.started_at,
        finished_at=outcome.finished_at,
        duration_s=None,
        aborted=outcome.aborted,
        error=outcome.error,
    )
    return job_detail(job, outcome.hosts, outcome.tasks, outcome.warnings, [], [])


def show_host(engine: Bind, ref: str | int, host: str) -> tuple[JobView, HostView | None]:
    """One host of a job, reading only that host's rows (a big job's per-host page)."""
    job = resolve_job(engine, ref)
    assert job.id is not None
    with Session(engine) as session:
        rows = session.exec(
            select(HostResult).where(HostResult.job_id == job.id, HostResult.host == host)
        ).all()
        hosts = [host_outcome(h) for h in rows]
    tasks = [task_outcome(t) for t in queries.task_results(engine, job.id, host)]
    detail = job_detail(job_view(job), hosts, tasks, [], [], [])
    return detail.job, detail.hosts.get(host)
