"""Circuit-breaker rows changed by one atomic statement each.

Jobs running at the same time share breakers, so a change is never "write what this
job remembers": each operation is a single ``INSERT ... ON CONFLICT (scope_key) DO
UPDATE`` whose new values are SQL expressions over the stored row (``failures + 1``),
``RETURNING`` the row as it now is. The database serialises concurrent updates of a
key, so no failure is lost and a threshold is crossed exactly once (``opened_at`` is
set when a breaker *becomes* open, and later failures while open do not move it).

Each function takes a ``Connection`` (the caller's transaction) or an ``Engine`` (a
transaction of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, case, literal, or_
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql.elements import ColumnElement

from netraven.store.models import Breaker

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
_TABLE: Table = Breaker.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BreakerRow:
    """A breaker as stored; ``opened_at`` is always timezone-aware UTC."""

    scope_key: str
    state: str
    failures: int
    opened_at: datetime | None
    reset_after: float
    job_id: int | None


def record_breaker_failure(
    bind: Connection | Engine,
    key: str,
    *,
    threshold: int,
    reset_after: float,
    job_id: int,
    now: datetime,
    trial: bool,
) -> BreakerRow:
    """One more failure; the breaker opens at ``threshold`` failures or when a trial failed."""
    t, now = _TABLE, _utc(now)
    opens: ColumnElement[bool] = or_(literal(trial), t.c.failures + 1 >= threshold)
    # A trial's failure starts a new open period; otherwise only the transition does.
    starts_period = or_(literal(trial), and_(opens, t.c.state != OPEN))
    opening = trial or threshold <= 1
    return _upsert(
        bind,
        key,
        insert={
            "state": OPEN if opening else CLOSED,
            "failures": 1,
            "opened_at": now if opening else None,
        },
        update={
            "failures": t.c.failures + 1,
            "state": case((opens, OPEN), else_=t.c.state),
            "opened_at": case(
                (starts_period, literal(now, t.c.opened_at.type)), else_=t.c.opened_at
            ),
        },
        reset_after=reset_after,
        job_id=job_id,
        now=now,
    )


def record_breaker_success(
    bind: Connection | Engine,
    key: str,
    *,
    reset_after: float,
    job_id: int,
    now: datetime,
    trial: bool,
) -> BreakerRow:
    """A trial's success closes the breaker; any success resets a closed one's count."""
    t = _TABLE
    update: dict[str, Any]
    if trial:
        update = {"state": CLOSED, "opened_at": None, "failures": 0}
    else:
        # An open breaker keeps its count: hosts admitted before it opened say nothing.
        update = {"failures": case((t.c.state == CLOSED, 0), else_=t.c.failures)}
    return _upsert(
        bind,
        key,
        insert={"state": CLOSED, "failures": 0, "opened_at": None},
        update=update,
        reset_after=reset_after,
        job_id=job_id,
        now=now,
    )


def record_breaker_trial(
    bind: Connection | Engine, key: str, *, reset_after: float, job_id: int, now: datetime
) -> BreakerRow:
    """One host is being let through to test the scope (half-open)."""
    return _upsert(
        bind,
        key,
        insert={"state": HALF_OPEN, "failures": 0, "opened_at": None},
        update={"state": HALF_OPEN},
        reset_after=reset_after,
        job_id=job_id,
        now=now,
    )


def _upsert(
    bind: Connection | Engine,
    key: str,
    *,
    insert: dict[str, Any],
    update: dict[str, Any],
    reset_after: float,
    job_id: int,
    now: datetime,
) -> BreakerRow:
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            return _upsert(
                connection,
                key,
                insert=insert,
                update=update,
                reset_after=reset_after,
                job_id=job_id,
                now=now,
            )
    now = _utc(now)
    common = {"reset_after": reset_after, "job_id": job_id, "updated_at": now}
    dialect = bind.dialect.name
    # Imported here: every run loads this module, and SQLAlchemy's PostgreSQL dialect
    # costs a SQLite store's run ~0.05 s of start-up for nothing.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt: Any = postgresql.insert(_TABLE)
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(_TABLE)
    else:  # pragma: no cover - the store supports SQLite and PostgreSQL
        raise NotImplementedError(f"atomic breaker updates need SQLite or PostgreSQL: {dialect}")
    stmt = (
        stmt.values(scope_key=key, **insert, **common)
        .on_conflict_do_update(index_elements=[_TABLE.c.scope_key], set_={**update, **common})
        .returning(*_COLUMNS)
    )
    row = bind.execute(stmt).one()
    return _row(row)


_COLUMNS = (
    _TABLE.c.scope_key,
    _TABLE.c.state,
    _TABLE.c.failures,
    _TABLE.c.opened_at,
    _TABLE.c.reset_after,
    _TABLE.c.job_id,
)


def _utc(value: datetime) -> datetime:
    """Stored as UTC: SQLite keeps no offset, so an aware local time would be misread."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row(row: Row[Any]) -> BreakerRow:
    return BreakerRow(
        scope_key=row.scope_key,
        state=row.state,
        failures=row.failures,
        opened_at=_utc(row.opened_at) if row.opened_at is not None else None,
        reset_after=row.reset_after,
        job_id=row.job_id,
    )
