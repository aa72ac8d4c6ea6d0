"""A new SQLite store's schema at ``HEAD``, made in one transaction without Alembic.

Creating a store by running every migration costs a fresh ``netraven run`` about 0.15 s
of CPU (importing Alembic and Mako, then eight revisions of batch operations) before
the first device is contacted, and the bench, CI and every new checkout start with an
empty store. So an empty SQLite store is created from ``sqlite_head.sql`` instead: the
statements the migrations leave in ``sqlite_master``, in their order, then stamped at
``HEAD``. ``tests/integration/test_migrations.py`` checks that both ways give the same
``sqlite_master``. A new revision without a new snapshot is still safe: ``REVISION``
differs from ``HEAD`` and the store is migrated as before. To regenerate::

    netraven db upgrade --db sqlite:///new.db   # a store made by migrating
    python -m netraven.store.sqlite_head new.db > netraven/store/sqlite_head.sql

(and set ``REVISION``). PostgreSQL stores are always migrated.
"""

from __future__ import annotations

import sqlite3
import sys
from functools import cache
from pathlib import Path

REVISION = "0008"  # the migration head sqlite_head.sql is a snapshot of
_SCRIPT = Path(__file__).with_name("sqlite_head.sql")
_SEPARATOR = ";\n\n"


@cache
def statements() -> tuple[str, ...]:
    """The snapshot's statements, in the order they are run."""
    text = _SCRIPT.read_text(encoding="utf-8")
    return tuple(s for s in text.split(_SEPARATOR) if s.strip())


def schema_of(connection: sqlite3.Connection) -> list[str]:
    """The statements that made a store's tables and indexes, in the order they ran."""
    rows = connection.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    return [str(row[0]) for row in rows]


def script_of(path: str) -> str:
    """``sqlite_head.sql`` as it should read for the (migrated) store at ``path``."""
    connection = sqlite3.connect(path)
    try:
        return "".join(f"{statement}{_SEPARATOR}" for statement in schema_of(connection))
    finally:
        connection.close()


if __name__ == "__main__":
    sys.stdout.write(script_of(sys.argv[1]))
