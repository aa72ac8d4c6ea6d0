"""Where a store's schema stands, and bringing it to this release's head with Alembic.

Three kinds of store exist: empty (nothing yet: migrating creates every table), legacy
(made by 0.1.0's ``create_all``: the tables but no ``alembic_version``; stamped at
0001, which is exactly that schema, then upgraded) and versioned. Migrating holds a
lock — SQLite's write lock through ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock —
so two runs starting together on a new store do not both create it, and all of one
upgrade commits or none of it does.

Alembic is imported only when a store actually needs migrating: importing it costs
every command start a noticeable fraction of a second, and a store at ``HEAD`` needs
one SELECT, not Alembic. ``HEAD`` is therefore written here too; a unit test keeps it
equal to the newest revision in ``migrations/versions``. A new SQLite store needs no
Alembic either: it is made from the snapshot of the head schema in ``sqlite_head``,
under the same lock, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from netraven.store import sqlite_head
from netraven.store.sqlite import sqlite_path, sqlite_pragmas

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HEAD = "0008"  # the newest revision in migrations/versions (checked by a unit test)
VERSION_TABLE = "alembic_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LEGACY_REVISION = "0001"  # the schema of release 0.1.0, which had no alembic_version
# pg_advisory_xact_lock key: the bytes of "netraven" read as a big-endian integer.
_PG_LOCK = int.from_bytes(b"netraven", "big") & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class SchemaStatus:
    """``current``: the stamped revision (None when there is no alembic_version)."""

    current: str | None
    legacy: bool
    empty: bool

    @property
    def head(self) -> str:
        return HEAD

    @property
    def known(self) -> bool:
        return self.current is None or self.current == HEAD or self.current in known_revisions()

    @property
    def usable(self) -> bool:
        """Readable by this release as it stands."""
        return self.current == self.head

    def describe(self) -> str:
        if self.empty:
            return "no job store tables yet"
        if self.legacy:
            return f"none: a 0.1.0 store (schema {LEGACY_REVISION}); head is {self.head}"
        if not self.known:
            return f"{self.current}, unknown to this release (head is {self.head})"
        if self.current == self.head:
            return f"{self.current} (head)"
        return f"{self.current}; head is {self.head}"

    def problem(self, where: str) -> str:
        """Why a reader cannot use this store, in one line that says what to do."""
        upgrade_hint = "run any writing command (e.g. netraven run) or `netraven db upgrade`"
        if self.empty:
            return f"no job store at {where}: it has no NetRaven tables ({upgrade_hint})"
        if not self.known:
            return (
                f"job store {where} has schema revision {self.current}, which this release "
                f"does not know (head is {self.head}): it was written by a newer NetRaven"
            )
        current = (
            f"schema revision {self.current}" if self.current else "the schema of release 0.1.0"
        )
        return f"job store {where} has {current} but this release needs {self.head}: {upgrade_hint}"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged migrations, run on ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


class MigrationFailed(Exception):
    """Alembic could not migrate the store; the message says why."""


@cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision as Alembic reads it from the package (``HEAD`` should equal it)."""
    head = _script().get_current_head()
    assert head is not None, "the package ships at least one revision"
    return head


def known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in _script().walk_revisions())


def read_status(connection: Connection) -> SchemaStatus:
    """Read-only: never creates ``alembic_version`` or anything else."""
    inspector = inspect(connection)
    if inspector.has_table(VERSION_TABLE):
        current = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        if current is not None:
            return SchemaStatus(current=str(current), legacy=False, empty=False)
    has_jobs = inspector.has_table("job")
    return SchemaStatus(current=None, legacy=has_jobs, empty=not has_jobs)


def upgrade(engine: Engine, url: str) -> None:
    """Bring the store to head; cheap (one read) when it already is."""
    with engine.connect() as connection:
        if read_status(connection).usable:
            return
    with _locked(engine, url) as connection:
        status = read_status(connection)  # again: another process may have migrated meanwhile
        if status.usable:
            return
        if not status.known:
            # Alembic would say "Can't locate revision"; say what it means instead.
            raise MigrationFailed(
                f"the store has schema revision {status.current}, which this release does not "
                f"know (head is {status.head}): it was written by a newer NetRaven"
            )
        snapshot = status.empty and engine.dialect.name == "sqlite"
        if snapshot and sqlite_head.REVISION == HEAD and _create_sqlite_head(connection):
            return  # made what migrating would make, without Alembic
        from alembic import command
        from alembic.util.exc import CommandError

        config = alembic_config(connection)
        try:
            if status.legacy:
                command.stamp(config, LEGACY_REVISION)
            command.upgrade(config, "head")
        except CommandError as exc:
            raise MigrationFailed(str(exc)) from exc


def _create_sqlite_head(connection: Connection) -> bool:
    """False, having done nothing, when the snapshot cannot be read (then: migrate)."""
    try:
        statements = sqlite_head.statements()
    except OSError:  # a package built without sqlite_head.sql
        return False
    for statement in statements:
        connection.exec_driver_sql(statement)
    connection.execute(
        text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:head)"), {"head": HEAD}
    )
    return True


@contextmanager
def _locked(engine: Engine, url: str) -> Iterator[Connection]:
    """One transaction, holding the lock that keeps other migrating processes out."""
    if engine.dialect.name == "sqlite" and sqlite_path(url) not in ("", ":memory:"):
        lock_engine = _sqlite_exclusive_engine(url)
        try:
            with lock_engine.begin() as connection:
                yield connection
        finally:
            lock_engine.dispose()
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        yield connection


def _sqlite_exclusive_engine(url: str) -> Engine:
    """pysqlite starts no transaction before DDL; take over so BEGIN IMMEDIATE covers it all."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
