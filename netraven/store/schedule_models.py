"""The ``schedule`` table: what to run, when, and the claim that keeps runs from overlapping.

``timing`` keeps the user's own words (``every 15m``, ``daily 02:30``, ``weekly sun 02:30``,
``cron 0 2 * * 1-5``) so ``schedules list`` shows what was typed; ``netraven.scheduler.timing``
parses it. ``claimed_by`` is ``pid@machine`` of the process running the schedule right now:
set with a conditional UPDATE, so two processes (the service and a ``run-now``) never run one
schedule at once. Revision 0007.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kwargs))


class Schedule(SQLModel, table=True):
    __tablename__ = "schedule"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    handler: str  # a name in netraven.scheduler.handlers: playbook, backup, reachability
    playbook: str | None = Field(default=None, sa_column=Column(Text))
    inventory: str = Field(sa_column=Column(Text, nullable=False))
    limit: str | None = Field(default=None, sa_column=Column(Text))
    extra_vars: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    timing: str
    timezone: str = "UTC"
    enabled: bool = True
    missed: str = "run_once"  # run_once | skip: what a run missed while nothing ran does
    created_by: str
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    next_run_at: datetime | None = _when()
    last_run_at: datetime | None = _when()
    last_job_id: int | None = None
    last_status: str | None = None
    last_note: str | None = Field(default=None, sa_column=Column(Text))  # skipped because…
    claimed_by: str | None = None
    claimed_at: datetime | None = _when()
