"""The service's two handles on one store: async for requests, sync for the engine.

Requests run on the event loop that also runs jobs, so they never block it: they use an
``AsyncEngine`` (aiosqlite for SQLite files, psycopg 3's async mode for PostgreSQL — the
same ``postgresql+psycopg`` dialect the CLI uses, so no second PostgreSQL driver). The
app layer's queries (``netraven.app``) are written once against a sync ``Connection``;
``Database.read`` runs them through ``AsyncConnection.run_sync``, which drives them on the
async driver inside a greenlet — no thread, no second copy of each query.

The engine (``netraven.engine.execute``) records through its batched writer on a sync
``Engine`` in worker threads, as in the CLI; that engine is also the one that migrates the
store at start-up and marks jobs of dead processes ``interrupted``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from netraven.errors import StoreError
from netraven.store.engine import safe_url
from netraven.store.schema import HEAD, VERSION_TABLE

T = TypeVar("T")

__all__ = ["Database", "async_url"]


def async_url(url: str) -> str:
    """The async driver's URL for a store URL the CLI accepts."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"cannot open job store {safe_url(url)}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2", "psycopg_async", ""):
            raise StoreError(
                f"job store {safe_url(url)}: the service speaks to PostgreSQL through "
                "psycopg 3 (postgresql+psycopg://...)"
            )
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise StoreError(f"job store {safe_url(url)}: the service supports SQLite and PostgreSQL")


class Database:
    """The async engine requests use; ``read``/``write`` run app-layer functions on it."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        target = async_url(url)
        if target.startswith("sqlite"):
            self.engine: AsyncEngine = create_async_engine(
                target, connect_args={"timeout": 30}, pool_size=pool_size
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(
                target, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size
            )

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args)`` on a connection of the async pool; nothing committed."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(_call, fn, args, kwargs)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args)`` in one transaction, committed when it returns."""
        async with self.engine.begin() as conn:
            return await conn.run_sync(_call, fn, args, kwargs)

    async def at_head(self) -> bool:
        """Reachable and migrated to this release's head (``/ready``)."""
        try:
            async with self.engine.connect() as conn:
                current = await conn.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        except SQLAlchemyError:
            return False
        return bool(current == HEAD)

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The writers' pragmas; WAL is a property of the file, set when the store was opened
    (``open_engine``) before this engine exists."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _call(conn: Connection, fn: Callable[..., T], args: tuple[Any, ...], kw: dict[str, Any]) -> T:
    return fn(conn, *args, **kw)
