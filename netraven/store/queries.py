"""Small, named queries over the job store, shared by the runner and the CLI."""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import LargeBinary, cast, func
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from netraven.secrets import Redactor
from netraven.store.models import (
    FAILED_STATUSES,
    Breaker,
    ConfigBackup,
    HostResult,
    Job,
    LogEntry,
    TaskResult,
    now,
)

# Readers accept a Connection too: the job service runs these same queries on its async
# engine through ``AsyncConnection.run_sync``, so the CLI and the API share one query each.
Bind = Engine | Connection


def create_job(engine: Engine, job: Job, redactor: Redactor) -> Job:
    job.options = json.dumps(redactor.obj(json.loads(job.options)))
    with Session(engine) as session:
        session.add(job)
        session.commit()
        session.refresh(job)
    return job


def start_queued_job(engine: Engine, job_id: int, row: Job, redactor: Redactor) -> Job:
    """A queued row becomes this run: its fields from ``row``, its id and created_at kept."""
    row.options = json.dumps(redactor.obj(json.loads(row.options)))
    with Session(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise LookupError(f"no queued job {job_id}")
        for name in (
            *("playbook", "playbook_sha256", "git_commit", "inventory", "user", "options"),
            *("status", "pid", "machine", "started_at", "flags"),
        ):
            setattr(job, name, getattr(row, name))
        session.add(job)
        session.commit()
        session.refresh(job)
    return job


def finish_job(
    engine: Engine,
    job_id: int,
    status: str,
    exit_code: int,
    error: str | None = None,
    aborted: str | None = None,
) -> None:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        job.status = status
        job.exit_code = exit_code
        job.error = error
        job.aborted = aborted
        job.finished_at = now()
        session.add(job)
        session.commit()


def latest_backup_hashes(engine: Bind, hosts: list[str]) -> dict[str, str]:
    """The sha256 of each host's newest backup, so identical backups are not stored twice."""
    with Session(engine) as session:
        newest = (
            select(ConfigBackup.host, func.max(ConfigBackup.id).label("id"))
            .group_by(ConfigBackup.host)
            .subquery()
        )
        rows = session.exec(
            select(ConfigBackup.host, ConfigBackup.sha256).join(
                newest, col(ConfigBackup.id) == newest.c.id
            )
        ).all()
    wanted = set(hosts)
    return {host: sha for host, sha in rows if host in wanted}


def list_jobs(engine: Bind, limit: int = 50) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(col(Job.id).desc()).limit(limit)).all())


def get_job(engine: Bind, job_id: int) -> Job | None:
    with Session(engine) as session:
        return session.get(Job, job_id)


def host_results(engine: Bind, job_id: int) -> list[HostResult]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(HostResult).where(HostResult.job_id == job_id).order_by(col(HostResult.id))
            ).all()
        )


def task_results(engine: Bind, job_id: int, host: str | None = None) -> list[TaskResult]:
    with Session(engine) as session:
        query = select(TaskResult).where(TaskResult.job_id == job_id)
        if host:
            query = query.where(TaskResult.host == host)
        return list(session.exec(query.order_by(col(TaskResult.id))).all())


def logs(engine: Bind, job_id: int, host: str | None = None) -> list[LogEntry]:
    with Session(engine) as session:
        query = select(LogEntry).where(LogEntry.job_id == job_id)
        if host:
            query = query.where(LogEntry.host == host)
        return list(session.exec(query.order_by(col(LogEntry.id))).all())


def job_warnings(engine: Bind, job_id: int) -> list[str]:
    """The warnings about the job as a whole (not about one host), in order."""
    with Session(engine) as session:
        query = (
            select(LogEntry.message)
            .where(LogEntry.job_id == job_id)
            .where(col(LogEntry.host).is_(None))
            .where(LogEntry.level == "warning")
            .order_by(col(LogEntry.id))
        )
        return list(session.exec(query).all())


def backups(
    engine: Bind, host: str | None = None, job_id: int | None = None
) -> list[ConfigBackup]:
    with Session(engine) as session:
        query = select(ConfigBackup)
        if host:
            query = query.where(ConfigBackup.host == host)
        if job_id is not None:
            query = query.where(ConfigBackup.job_id == job_id)
        return list(session.exec(query.order_by(col(ConfigBackup.id))).all())


class BackupMeta(NamedTuple):
    """One stored backup without its text; ``size`` is the stored text's length in bytes."""

    id: int
    job_id: int
    host: str
    sha256: str
    size: int
    created_at: datetime


def backup_history(engine: Bind, host: str | None = None) -> list[BackupMeta]:
    """Backups oldest first (by host, then storage order), without loading their text.

    Listing a thousand hosts' histories must not pull every config into memory, so the
    size is computed by the database: bytes, on SQLite via a cast to BLOB.
    """
    text = col(ConfigBackup.text)
    size = (
        func.length(cast(text, LargeBinary))
        if engine.dialect.name == "sqlite"
        else func.octet_length(text)
    )
    query = core_select(
        col(ConfigBackup.id),
        col(ConfigBackup.job_id),
        col(ConfigBackup.host),
        col(ConfigBackup.sha256),
        size,
        col(ConfigBackup.created_at),
    )
    if host is not None:
        query = query.where(col(ConfigBackup.host) == host)
    ordered = query.order_by(col(ConfigBackup.host), col(ConfigBackup.id))
    if isinstance(engine, Connection):
        rows = engine.execute(ordered).all()
    else:
        with engine.connect() as connection:
            rows = connection.execute(ordered).all()
    return [BackupMeta(*row) for row in rows]


def backup_text(engine: Bind, backup_id: int) -> str | None:
    """The stored (redacted) text of one backup."""
    with Session(engine) as session:
        row = session.get(ConfigBackup, backup_id)
        return row.text if row is not None else None


def load_breakers(engine: Bind) -> list[Breaker]:
    with Session(engine) as session:
        return list(session.exec(select(Breaker).order_by(col(Breaker.scope_key))).all())


def reset_breakers(engine: Bind, scope_key: str | None = None) -> int:
    with Session(engine) as session:
        query = select(Breaker)
        if scope_key:
            query = query.where(Breaker.scope_key == scope_key)
        rows = list(session.exec(query).all())
        for row in rows:
            session.delete(row)
        session.commit()
    return len(rows)


def failed_hosts(engine: Bind, job_id: int) -> list[str]:
    """Hosts that failed, were unreachable or were rolled back in a job (any play)."""
    with Session(engine) as session:
        rows = session.exec(
            select(HostResult.host)
            .where(HostResult.job_id == job_id)
            .where(col(HostResult.status).in_(FAILED_STATUSES))
            .distinct()
        ).all()
    return sorted(rows)
