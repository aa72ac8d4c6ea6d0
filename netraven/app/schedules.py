"""Schedules as the CLI and the API see them: add, list, show, enable/disable, run now, remove.

Everything is checked when a schedule is added — the handler's inputs (the playbook
loads, the inventory exists), the timing, the zone, the missed-run policy — so a mistake
is a one-line error now rather than a failed run at 02:30. Paths are stored absolute:
the service that runs the schedule does not share the shell's working directory.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

from netraven.app.read_models import Timestamp
from netraven.errors import InputError
from netraven.scheduler.fire import FireResult, holder, run_claimed
from netraven.scheduler.handlers import HANDLERS, HandlerRegistry, Launch, Target
from netraven.scheduler.loop import upcoming
from netraven.scheduler.policy import MISSED_POLICIES
from netraven.scheduler.timing import parse_timing, zone
from netraven.secrets import secret_values
from netraven.store import schedules as rows
from netraven.store.schedule_models import Schedule

__all__ = [
    "ScheduleRequest",
    "ScheduleView",
    "add_schedule",
    "get_schedule",
    "list_schedules",
    "remove_schedule",
    "run_now",
    "schedule_view",
    "set_enabled",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ScheduleRequest(BaseModel):
    """What a user asks for (CLI flags or the API's JSON body)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    handler: str
    inventory: str
    timing: str  # every 15m | daily 02:30 | weekly sun 02:30 | cron 0 2 * * *
    playbook: str | None = None
    limit: str | None = None
    extra_vars: dict[str, Any] = {}
    timezone: str = "UTC"
    missed: str = "run_once"
    enabled: bool = True


class ScheduleView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: int
    name: str
    handler: str
    playbook: str | None
    inventory: str
    limit: str | None
    extra_vars: dict[str, Any]
    timing: str
    timezone: str
    enabled: bool
    missed: str
    created_by: str
    created_at: Timestamp | None
    next_run_at: Timestamp | None
    last_run_at: Timestamp | None
    last_job_id: int | None
    last_status: str | None
    last_note: str | None
    running: bool  # a live process holds the schedule right now


def schedule_view(row: Schedule) -> ScheduleView:
    assert row.id is not None
    return ScheduleView(
        id=row.id,
        name=row.name,
        handler=row.handler,
        playbook=row.playbook,
        inventory=row.inventory,
        limit=row.limit,
        extra_vars=json.loads(row.extra_vars or "{}"),
        timing=row.timing,
        timezone=row.timezone,
        enabled=row.enabled,
        missed=row.missed,
        created_by=row.created_by,
        created_at=row.created_at,
        next_run_at=row.next_run_at if row.enabled else None,
        last_run_at=row.last_run_at,
        last_job_id=row.last_job_id,
        last_status=row.last_status,
        last_note=row.last_note,
        running=rows.holder_alive(row.claimed_by),
    )


def _absolute(path: str | None, base: Path | None) -> Path | None:
    if path is None:
        return None
    value = Path(path).expanduser()
    if not value.is_absolute():
        value = (base or Path.cwd()) / value
    return value.resolve()


def add_schedule(
    store: Engine,
    request: ScheduleRequest,
    *,
    created_by: str,
    base: Path | None = None,
    vault_password: bytes | None = None,
    handlers: HandlerRegistry = HANDLERS,
    now: datetime | None = None,
) -> ScheduleView:
    """Check everything, then store; ``base`` resolves relative paths (the service's dir)."""
    if not _NAME.match(request.name):
        raise InputError(
            f"name: '{request.name}' must be letters, digits, '.', '_' or '-' (at most 100)"
        )
    if request.missed not in MISSED_POLICIES:
        raise InputError(f"missed: must be one of {', '.join(MISSED_POLICIES)}")
    timing = parse_timing(request.timing)
    zone(request.timezone)
    secret = [k for k in request.extra_vars if secret_values({k: request.extra_vars[k]})]
    if secret:
        raise InputError(
            f"extra vars {', '.join(sorted(secret))}: secret-looking values are never stored "
            "in the job store; keep them in the inventory (vaulted)"
        )
    inventory = _absolute(request.inventory, base)
    assert inventory is not None
    playbook = _absolute(request.playbook, base)
    target = Target(
        request.name, request.handler, inventory, playbook, request.limit, request.extra_vars
    )
    handlers.get(request.handler).check(target, vault_password)
    if rows.get_schedule(store, request.name) is not None:
        raise InputError(f"name: a schedule named '{request.name}' exists already")
    created = (now or datetime.now(UTC)).replace(microsecond=0)
    row = Schedule(
        name=request.name,
        handler=request.handler,
        playbook=str(playbook) if playbook else None,
        inventory=str(inventory),
        limit=request.limit,
        extra_vars=json.dumps(request.extra_vars, sort_keys=True),
        timing=timing.text,
        timezone=request.timezone,
        enabled=request.enabled,
        missed=request.missed,
        created_by=created_by,
        created_at=created,
    )
    row.next_run_at = upcoming(row, created)
    return schedule_view(rows.add_schedule(store, row))


def _row(store: Engine, name: str) -> Schedule:
    row = rows.get_schedule(store, name)
    if row is None:
        raise InputError(f"no schedule named '{name}'")
    return row


def get_schedule(store: Engine, name: str) -> ScheduleView:
    return schedule_view(_row(store, name))


def list_schedules(store: Engine) -> list[ScheduleView]:
    return [schedule_view(r) for r in rows.list_schedules(store)]


def set_enabled(
    store: Engine, name: str, enabled: bool, *, now: datetime | None = None
) -> ScheduleView:
    """Enabling plans the next run from now: runs missed while disabled are not "missed"."""
    row = _row(store, name)
    assert row.id is not None
    values: dict[str, Any] = {"enabled": enabled}
    if enabled and not row.enabled:
        values["next_run_at"] = upcoming(row, now or datetime.now(UTC))
    rows.update_schedule(store, row.id, **values)
    return get_schedule(store, name)


def remove_schedule(store: Engine, name: str) -> None:
    row = _row(store, name)
    assert row.id is not None
    if rows.holder_alive(row.claimed_by):
        raise InputError(f"schedule '{name}' is running now ({row.claimed_by}); remove it after")
    rows.delete_schedule(store, row.id)


async def run_now(
    store: Engine,
    name: str,
    launch: Launch,
    *,
    vault_password: bytes | None = None,
    handlers: HandlerRegistry = HANDLERS,
) -> FireResult:
    """Run it once, now, to its end; refused while the schedule is running elsewhere."""
    import asyncio

    row = await asyncio.to_thread(_row, store, name)
    assert row.id is not None
    who = holder()
    started = datetime.now(UTC)
    if not await asyncio.to_thread(rows.claim, store, row.id, who, started):
        current = (await asyncio.to_thread(_row, store, name)).claimed_by or "another process"
        raise InputError(f"schedule '{name}' is running now ({current}); not started twice")
    return await run_claimed(
        store,
        row,
        launch,
        who=who,
        started=started,
        handlers=handlers,
        vault_password=vault_password,
    )
