"""Tables of the job store. Text columns hold redacted text only (see ``writer``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from netraven.domain import FAILED_HOST_STATUSES

FAILED_STATUSES = tuple(sorted(FAILED_HOST_STATUSES))


def now() -> datetime:
    return datetime.now(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC; SQLite hands back naive datetimes that were written as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def epoch(value: datetime | None) -> float | None:
    """Seconds since the epoch; naive values from SQLite were written as UTC."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kwargs))


class Job(SQLModel, table=True):
    """status: queued, running, succeeded, failed, cancelled or interrupted.

    ``error``: why the job failed outside any host (a store write error, an internal
    bug); ``inventory``: the inventory it ran on. Both arrived in schema revision 0002.
    """

    __tablename__ = "job"
    id: int | None = Field(default=None, primary_key=True)
    playbook: str
    playbook_sha256: str
    git_commit: str | None = None
    inventory: str | None = None
    user: str  # who started the job: OS user, API token name or schedule
    options: str = Field(default="{}", sa_column=Column(Text))
    status: str = Field(default="queued", index=True)
    exit_code: int | None = None
    pid: int | None = None
    machine: str | None = None
    created_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True))
    started_at: datetime | None = _when()
    finished_at: datetime | None = _when()
    error: str | None = Field(default=None, sa_column=Column(Text))
    aborted: str | None = Field(default=None, sa_column=Column(Text))
    # The feature flags the job saw (JSON: name → state and the hosts it was on for); 0008.
    flags: str | None = Field(default=None, sa_column=Column(Text))


class HostResult(SQLModel, table=True):
    __tablename__ = "host_result"
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    host: str = Field(index=True)
    play_index: int = 0
    play: str = ""
    status: str
    changed: bool = False
    error: str | None = Field(default=None, sa_column=Column(Text))
    started_at: datetime | None = _when()
    finished_at: datetime | None = _when()
    duration_ms: int | None = None
    # The name of the credential set that logged in (never its secret); revision 0005.
    credential: str | None = Field(default=None, sa_column=Column(Text))


class TaskResult(SQLModel, table=True):
    __tablename__ = "task_result"
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    host: str = Field(index=True)
    play_index: int
    play: str
    task_index: int
    name: str
    action: str
    status: str
    changed: bool = False
    failed: bool = False
    skipped: bool = False
    ignored: bool = False
    rescued: bool = False
    output: str | None = Field(default=None, sa_column=Column(Text))
    diff: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 1
    started_at: datetime | None = _when()
    duration_ms: int | None = None


class ConfigBackup(SQLModel, table=True):
    __tablename__ = "config_backup"
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    host: str = Field(index=True)
    sha256: str
    text: str = Field(sa_column=Column(Text))
    created_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True))


class LogEntry(SQLModel, table=True):
    __tablename__ = "log_entry"
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    host: str | None = Field(default=None, index=True)
    level: str
    message: str = Field(sa_column=Column(Text))
    created_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True))


class Breaker(SQLModel, table=True):
    """A circuit breaker's state, kept between runs so back-to-back jobs respect it."""

    __tablename__ = "breaker"
    id: int | None = Field(default=None, primary_key=True)
    scope_key: str = Field(index=True, unique=True)
    state: str = "closed"
    failures: int = 0
    opened_at: datetime | None = _when()
    reset_after: float = 300.0
    job_id: int | None = None
    updated_at: datetime | None = _when()


class FeatureFlag(SQLModel, table=True):
    """A flag's override, set through ``netraven flags`` or the API (revision 0008).

    No row: the flag has the default ``netraven.toml`` declares. ``enabled`` true/false:
    on/off for every host; NULL with ``percent`` and/or ``tags`` (JSON list): a rollout.
    """

    __tablename__ = "feature_flag"
    name: str = Field(primary_key=True)
    enabled: bool | None = None
    percent: float | None = None
    tags: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    updated_by: str | None = None
    updated_at: datetime | None = _when()
# --- The job service (revision 0006): API tokens, audit log, queued job requests ---


class ApiToken(SQLModel, table=True):
    """An API token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    role: str  # viewer, operator or admin
    token_sha256: str = Field(index=True, unique=True)
    created_by: str
    created_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = _when()


class AuditEntry(SQLModel, table=True):
    """One write through the service (or token management): who, what, when, from where."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True), index=True)
    who: str
    role: str | None = None
    action: str
    target: str | None = None
    client: str | None = None
    status_code: int
    detail: str | None = Field(default=None, sa_column=Column(Text))


class JobRequest(SQLModel, table=True):
    """What a queued job was asked to do, so that a restarted service still starts it."""

    __tablename__ = "job_request"
    job_id: int = Field(foreign_key="job.id", primary_key=True)
    request: str = Field(sa_column=Column(Text, nullable=False))


# Tables kept in modules of their own, imported here so that ``SQLModel.metadata`` (the
# migrations' autogenerate target and the schema tests) always holds every table.
from netraven.store import schedule_models, template_models  # noqa: E402, F401
