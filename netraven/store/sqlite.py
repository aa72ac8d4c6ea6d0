"""SQLite specifics: the pragmas writers use, and opening a store without touching it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer; foreign keys are off by default."""
    cursor = dbapi_connection.cursor()
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _use_wal(cursor: Any, attempts: int = 100) -> None:
    """Switch a store to WAL (a setting kept in the file), waiting out other openers.

    Switching needs an exclusive lock, and SQLite refuses it at once — without its busy
    timeout — while another connection is escalating its own lock, which is exactly what
    several processes opening a brand-new store together do. Once one has switched, the
    others find the file in WAL mode already and need no lock at all.
    """
    for attempt in range(attempts):
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL ('' for in-memory), None for other databases."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    return parsed.database or ""


def read_only_connection(path: Path) -> sqlite3.Connection:
    """Open without creating anything next to the file.

    A WAL store with no ``-wal`` file has no open connection and everything committed
    is in the main file; a plain read-only open would still create ``-wal``/``-shm``,
    so it is opened immutable instead. Callers decide per connection (no pooling), so
    a long-lived reader sees later writes. With a ``-wal`` present a writer may be
    active, and the normal read-only mode reads its committed transactions.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if is_wal(path) and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)


def is_wal(path: Path) -> bool:
    """Bytes 18-19 of an SQLite header are 2 for a database in WAL mode."""
    with path.open("rb") as handle:
        header = handle.read(20)
    return len(header) == 20 and header[18] == 2 and header[19] == 2
