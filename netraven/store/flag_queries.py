"""Reading and writing feature flag overrides (the ``feature_flag`` table)."""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from netraven.flags.model import FlagOverride
from netraven.store.models import FeatureFlag, iso_utc, now

__all__ = ["clear_override", "load_overrides", "save_override"]


def _override(row: FeatureFlag) -> FlagOverride:
    return FlagOverride(
        name=row.name,
        enabled=row.enabled,
        percent=row.percent,
        tags=tuple(json.loads(row.tags or "[]")),
        updated_by=row.updated_by,
        updated_at=iso_utc(row.updated_at),
    )


def load_overrides(engine: Engine) -> dict[str, FlagOverride]:
    with Session(engine) as session:
        rows = session.exec(select(FeatureFlag).order_by(col(FeatureFlag.name))).all()
        return {row.name: _override(row) for row in rows}


def save_override(engine: Engine, override: FlagOverride, by: str) -> FlagOverride:
    """Insert or replace one flag's override; returns it as stored."""
    with Session(engine) as session:
        row = session.get(FeatureFlag, override.name) or FeatureFlag(name=override.name)
        row.enabled = override.enabled
        row.percent = override.percent
        row.tags = json.dumps(list(override.tags))
        row.updated_by = by
        row.updated_at = now()
        session.add(row)
        session.commit()
        session.refresh(row)
        return _override(row)


def clear_override(engine: Engine, name: str) -> bool:
    """Back to the declared default; False when there was no override."""
    with Session(engine) as session:
        row = session.get(FeatureFlag, name)
        if row is None:
            return False
        session.delete(row)
        session.commit()
        return True
