"""Queries over the ``schedule`` table, including the claim that stops a run overlapping itself."""

from __future__ import annotations

import socket
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from netraven.store.queries import Bind
from netraven.store.schedule_models import Schedule
from netraven.system import pid_alive

__all__ = [
    "add_schedule",
    "claim",
    "delete_schedule",
    "get_schedule",
    "holder_alive",
    "list_schedules",
    "release",
    "update_schedule",
]


def add_schedule(engine: Bind, schedule: Schedule) -> Schedule:
    with Session(engine) as session:
        session.add(schedule)
        session.commit()
        session.refresh(schedule)
    return schedule


def get_schedule(engine: Bind, name: str) -> Schedule | None:
    with Session(engine) as session:
        return session.exec(select(Schedule).where(Schedule.name == name)).first()


def list_schedules(engine: Bind, *, enabled_only: bool = False) -> list[Schedule]:
    with Session(engine) as session:
        query = select(Schedule).order_by(col(Schedule.name))
        if enabled_only:
            query = query.where(col(Schedule.enabled).is_(True))
        return list(session.exec(query).all())


def update_schedule(engine: Bind, schedule_id: int, **values: Any) -> None:
    with Session(engine) as session:
        session.execute(update(Schedule).where(col(Schedule.id) == schedule_id).values(**values))
        session.commit()


def delete_schedule(engine: Bind, schedule_id: int) -> None:
    with Session(engine) as session:
        row = session.get(Schedule, schedule_id)
        if row is not None:
            session.delete(row)
            session.commit()


def holder_alive(holder: str | None) -> bool:
    """A claim held by a process on this machine that is gone is stale; others are trusted."""
    if not holder:
        return False
    pid, _, machine = holder.partition("@")
    if machine != socket.gethostname() or not pid.isdigit():
        return True
    return pid_alive(int(pid))


def claim(engine: Bind, schedule_id: int, holder: str, when: datetime, **values: Any) -> bool:
    """Take the schedule for one run; False if a live process holds it already.

    A conditional UPDATE, so of two processes claiming at once exactly one succeeds;
    ``values`` (the next run) are written by the same statement.
    """
    with Session(engine) as session:
        row = session.get(Schedule, schedule_id)
        if row is None:
            return False
        current = row.claimed_by
        if current is not None and holder_alive(current):
            return False
        result = session.execute(
            update(Schedule)
            .where(col(Schedule.id) == schedule_id)
            .where(
                col(Schedule.claimed_by).is_(None)
                if current is None
                else col(Schedule.claimed_by) == current
            )
            .values(claimed_by=holder, claimed_at=when, **values)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)


def release(engine: Bind, schedule_id: int, holder: str, **values: Any) -> None:
    """Let go of a claim this holder has, recording how the run went."""
    with Session(engine) as session:
        session.execute(
            update(Schedule)
            .where(col(Schedule.id) == schedule_id)
            .where(col(Schedule.claimed_by) == holder)
            .values(claimed_by=None, claimed_at=None, **values)
        )
        session.commit()
