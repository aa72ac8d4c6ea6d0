"""The JSON every front door prints or serves: one pydantic model per thing a user reads.

``run --output json``, ``jobs show --json``, ``jobs list --json`` and (later) the HTTP API
all dump these models, and ``docs/schema/`` holds their JSON Schema, generated from them
(``python -m netraven.app.schema``). Timestamps are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from netraven.domain import (
    HostOutcome,
    HostStatus,
    JobStatus,
    TaskOutcome,
    TaskStatus,
    host_status_of,
    natural_key,
    stats_of,
)

__all__ = [
    "AuditView",
    "BackupRef",
    "BreakerView",
    "FlagSeen",
    "FlagView",
    "HostPlayView",
    "HostView",
    "JobDetail",
    "JobEvent",
    "JobView",
    "LogView",
    "NewTokenView",
    "StatsView",
    "TaskView",
    "TemplateUse",
    "TokenView",
    "host_play_view",
    "job_detail",
    "task_view",
]


def _iso_utc(value: datetime) -> str:
    # SQLite hands back naive datetimes that were written as UTC.
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JobView(_View):
    id: int
    status: JobStatus
    exit_code: int | None
    playbook: str
    playbook_sha256: str
    git_commit: str | None
    inventory: str | None
    user: str  # who started it: OS user, API token name or schedule
    options: dict[str, Any]
    check: bool
    created_at: Timestamp | None
    started_at: Timestamp | None
    finished_at: Timestamp | None
    duration_s: float | None
    aborted: str | None  # why a failure policy stopped the job
    error: str | None  # why the job failed outside any host (store, internal error)


class TaskView(_View):
    play_index: int
    play: str
    task_index: int
    name: str
    action: str
    status: TaskStatus
    changed: bool
    failed: bool
    skipped: bool
    ignored: bool
    rescued: bool
    output: str | None
    diff: str | None
    error: str | None
    attempts: int
    started_at: Timestamp | None
    duration_ms: int


class HostPlayView(_View):
    play_index: int
    play: str
    status: HostStatus
    changed: bool
    error: str | None
    started_at: Timestamp | None
    finished_at: Timestamp | None
    duration_ms: int
    credential: str | None  # the credential set that logged in: its name, never the secret


class HostView(_View):
    status: HostStatus  # the worst over its plays
    changed: bool
    error: str | None
    plays: list[HostPlayView]
    tasks: list[TaskView]


class StatsView(_View):
    ok: int
    changed: int
    failed: int
    skipped: int
    unreachable: int
    ignored: int
    rescued: int


class BackupRef(_View):
    id: int
    host: str
    sha256: str


class BreakerView(_View):
    scope_key: str
    state: str
    failures: int
    opened_at: Timestamp | None
    reset_after: float
    job_id: int | None


class FlagView(_View):
    """A declared feature flag and its current setting (``flags list --json``, the API)."""

    name: str
    description: str
    default: bool
    mode: Literal["default", "on", "off", "rollout"]
    percent: float | None
    tags: list[str]
    summary: str
    updated_by: str | None
    updated_at: str | None


class FlagSeen(_View):
    """A flag as a job saw it when it started, and the job's hosts it was on for."""

    mode: Literal["default", "on", "off", "rollout"]
    default: bool
    percent: float | None
    tags: list[str]
    on: list[str]


class LogView(_View):
    time: Timestamp | None
    host: str | None
    level: str
    message: str


class TemplateUse(_View):
    """A template repository version the job rendered (``repo:NAME@VERSION``)."""

    name: str
    version: int
    sha256: str


class JobDetail(_View):
    job: JobView
    hosts: dict[str, HostView]
    stats: dict[str, StatsView]
    warnings: list[str]
    backups: list[BackupRef]
    open_breakers: list[BreakerView]
    flags: dict[str, FlagSeen] = {}
    templates: list[TemplateUse] = []  # repository template versions rendered


def _task_view(t: TaskOutcome) -> TaskView:
    return TaskView(
        play_index=t.play_index,
        play=t.play,
        task_index=t.task_index,
        name=t.name,
        action=t.action,
        status=t.status,
        changed=t.changed,
        failed=t.failed,
        skipped=t.skipped,
        ignored=t.ignored,
        rescued=t.rescued,
        output=t.output,
        diff=t.diff,
        error=t.error,
        attempts=t.attempts,
        started_at=t.started_at,
        duration_ms=t.duration_ms,
    )


def job_detail(
    job: JobView,
    hosts: list[HostOutcome],
    tasks: list[TaskOutcome],
    warnings: list[str],
    backups: list[BackupRef],
    breakers: list[BreakerView],
    flags: dict[str, FlagSeen] | None = None,
    templates: list[TemplateUse] | None = None,
) -> JobDetail:
    """The one way a job's document is assembled, from memory or from the store alike."""
    worst = host_status_of(hosts)
    views: dict[str, HostView] = {}
    for name in sorted(worst, key=natural_key):
        status = worst[name]
        plays = [h for h in hosts if h.host == name]
        error = next((h.error for h in plays if h.status == status and h.error), None)
        views[name] = HostView(
            status=status,
            changed=any(h.changed for h in plays),
            error=error,
            plays=[host_play_view(h) for h in plays],
            tasks=[_task_view(t) for t in tasks if t.host == name],
        )
    counted = stats_of(hosts, tasks)
    stats = {h: StatsView(**counted[h].as_dict()) for h in sorted(counted, key=natural_key)}
    return JobDetail(
        job=job,
        hosts=views,
        stats=stats,
        warnings=warnings,
        backups=backups,
        open_breakers=breakers,
        flags=flags or {},
        templates=templates or [],
    )


# --- The job service (netraven serve): progress events, tokens, the audit log ---


def task_view(t: TaskOutcome) -> TaskView:
    return _task_view(t)


def host_play_view(h: HostOutcome) -> HostPlayView:
    return HostPlayView(
        play_index=h.play_index,
        play=h.play,
        status=h.status,
        changed=h.changed,
        error=h.error,
        started_at=h.started_at,
        finished_at=h.finished_at,
        duration_ms=h.duration_ms,
        credential=h.credential,
    )


class JobEvent(_View):
    """One server-sent event of a job's progress; ``seq`` is its SSE id (1, 2, 3...).

    ``kind``: ``job`` (started; ``job`` set), ``play`` (``play``/``hosts`` set), ``task``
    (``host`` and ``task`` set), ``host`` (a host finished a play: ``host`` and
    ``result``), ``log`` (a job warning or error: ``level``/``message``), ``end`` (the
    job finished: ``job`` set; the stream closes after it).
    """

    seq: int
    kind: str
    job_id: int
    host: str | None = None
    play_index: int | None = None
    play: str | None = None
    hosts: list[str] | None = None
    task: TaskView | None = None
    result: HostPlayView | None = None
    level: str | None = None
    message: str | None = None
    job: JobView | None = None


class TokenView(_View):
    name: str
    role: str  # viewer, operator or admin
    created_by: str
    created_at: Timestamp
    revoked_at: Timestamp | None


class NewTokenView(TokenView):
    token: str  # shown this once; the store keeps only its SHA-256


class AuditView(_View):
    id: int
    at: Timestamp
    who: str  # the token's name (cli:USER for token management on the CLI)
    role: str | None
    action: str
    target: str | None
    client: str | None  # the caller's address
    status_code: int
    detail: dict[str, Any] | None
