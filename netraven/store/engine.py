"""Opening the store: SQLite (WAL) by default, any SQLAlchemy URL via --db/NETRAVEN_DB_URL.

Writers (``open_engine(url)``) bring the schema up to date first; readers
(``open_engine(url, write=False)``) never change anything: no migration, no table or
file creation, no clean-up of dead jobs, and a store whose schema is behind is a
one-line error instead of a silent upgrade from a command that only looks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from netraven.errors import StoreError
from netraven.store.liveness import mark_dead_jobs
from netraven.store.schema import MigrationFailed, SchemaStatus, read_status, upgrade
from netraven.store.sqlite import read_only_connection, sqlite_path, sqlite_pragmas

DEFAULT_DB = ".netraven/netraven.db"

__all__ = [
    "DEFAULT_DB",
    "mark_dead_jobs",
    "open_engine",
    "resolve_url",
    "safe_url",
    "schema_status",
    "upgrade_store",
]

# Query parameters that carry credentials (libpq's sslpassword, cloud drivers' tokens...).
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|credential|api_?key|private", re.IGNORECASE)
_MASK = "***"


def resolve_url(url: str | None) -> str:
    url = url or os.environ.get("NETRAVEN_DB_URL")
    if url:
        return url
    return f"sqlite:///{DEFAULT_DB}"


def safe_url(url: str) -> str:
    """The URL as it may be shown: no password in the userinfo or in secret-looking parameters."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        masked = _mask_unparsed(url)
        # Nothing recognisable was masked, yet it may hold credentials: show none of it.
        return "***" if masked == url and "@" in url else masked
    query = {
        key: (_MASK if _SECRET_PARAM.search(key) else value) for key, value in parsed.query.items()
    }
    shown = parsed.set(query=query).render_as_string(hide_password=True)
    return shown.replace(quote(_MASK, safe=""), _MASK)


def _mask_unparsed(url: str) -> str:
    """Best effort for strings SQLAlchemy cannot parse: still never echo a password."""
    masked = re.sub(r"(://[^/@:]*:)[^@]*@", rf"\1{_MASK}@", url)
    return re.sub(
        r"([?&][^=&]*(?:pass|pwd|secret|token|credential|api_?key|private)[^=&]*=)[^&]*",
        rf"\1{_MASK}",
        masked,
        flags=re.IGNORECASE,
    )


def open_engine(url: str | None = None, *, write: bool = True) -> Engine:
    """An engine on the job store.

    ``write=True``: create or migrate the schema to head and mark jobs whose process
    died as ``interrupted``. ``write=False``: touch nothing; fail with a one-line
    ``StoreError`` if there is no store or its schema is not this release's.
    """
    url = resolve_url(url)
    if not write:
        engine = _read_engine(url)
        try:
            status = _status(engine, url)
        except BaseException:
            engine.dispose()
            raise
        if not status.usable:
            engine.dispose()
            raise StoreError(status.problem(safe_url(url)))
        return engine
    engine = _write_engine(url)
    try:
        upgrade(engine, url)
        mark_dead_jobs(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open job store {safe_url(url)}: {_describe(exc, url)}") from None
    except MigrationFailed as exc:
        engine.dispose()
        raise StoreError(f"cannot migrate job store {safe_url(url)}: {exc}") from None
    return engine


def schema_status(url: str | None = None) -> SchemaStatus:
    """Where the store's schema stands, read without writing (``netraven db current``)."""
    url = resolve_url(url)
    engine = _read_engine(url)
    try:
        return _status(engine, url)
    finally:
        engine.dispose()


def upgrade_store(url: str | None = None) -> tuple[SchemaStatus, SchemaStatus]:
    """Migrate to head (``netraven db upgrade``); the status before and after."""
    url = resolve_url(url)
    before = _status_if_present(url)
    engine = open_engine(url)
    try:
        return before, _status(engine, url)
    finally:
        engine.dispose()


def _status_if_present(url: str) -> SchemaStatus:
    try:
        return schema_status(url)
    except StoreError:  # no store yet: upgrading creates it
        return SchemaStatus(current=None, legacy=False, empty=True)


def _status(engine: Engine, url: str) -> SchemaStatus:
    try:
        with engine.connect() as connection:
            return read_status(connection)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"cannot open job store {safe_url(url)}: {_describe(exc, url)}") from None


def _write_engine(url: str) -> Engine:
    try:
        path = sqlite_path(url)
        if path is not None:
            if path not in ("", ":memory:"):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", sqlite_pragmas)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"cannot open job store {safe_url(url)}: {_describe(exc, url)}") from None


def _read_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened read-only, PostgreSQL sessions read-only."""
    path = sqlite_path(url)
    if path is not None:
        if path in ("", ":memory:") or not Path(path).is_file():
            raise StoreError(f"no job store at {path or safe_url(url)}")
        return create_engine(
            "sqlite://", creator=lambda: read_only_connection(Path(path)), poolclass=NullPool
        )
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open job store {safe_url(url)}: {_describe(exc, url)}") from None
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_read_only)
    return engine


def _describe(exc: BaseException, url: str) -> str:
    """First line of a driver error, with the URL's password scrubbed just in case."""
    lines = str(exc).splitlines()
    text = f"{exc.__class__.__name__}: {lines[0] if lines else ''}"
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    if password:
        text = text.replace(str(password), _MASK)
    return text


def _postgres_read_only(dbapi_connection: Any, _record: Any) -> None:
    """The server refuses any write from a reader's session, whatever code runs on it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()
