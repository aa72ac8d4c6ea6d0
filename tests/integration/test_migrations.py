"""Schema migrations: a 0.1.0 store keeps every row, new stores are made by migrating.

``tests/fixtures/store-0.1.0.db`` was written by release 0.1.0's real ``netraven run``
(see tests/fixtures/README.md); ``schema-0.1.0-postgresql.sql`` is the DDL that
release's ``create_all`` emitted on PostgreSQL.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from netraven.errors import StoreError
from netraven.secrets import Redactor
from netraven.store import queries, sqlite_head
from netraven.store.breakers import record_breaker_failure
from netraven.store.engine import open_engine, schema_status
from netraven.store.models import Job
from netraven.store.schema import HEAD, LEGACY_REVISION, alembic_config, head_revision
from tests.fixtures.postgres import temporary_schema

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TABLES = ("job", "host_result", "task_result", "config_backup", "log_entry", "breaker")
# What the fixture holds (tests/fixtures/README.md); checked so the fixture cannot shrink.
FIXTURE_COUNTS = {
    "job": 3,
    "host_result": 10,
    "task_result": 18,
    "config_backup": 4,
    "log_entry": 39,
    "breaker": 2,
}


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "netraven.db"
    shutil.copyfile(FIXTURES / "store-0.1.0.db", path)
    return path


# Columns later revisions added (0002: job.error/inventory; 0003: job.aborted,
# task_result.ignored; 0004: task_result.rescued; 0005: host_result.credential;
# 0008: job.flags).
ADDED_SINCE_0_1_0 = {
    "job": ("error", "inventory", "aborted", "flags"),
    "task_result": ("ignored", "rescued"),
    "host_result": ("credential",),
}


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every 0.1.0 table, in the 0.1.0 columns, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        rows = {}
        for table in TABLES:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            columns = [c for c in columns if c not in ADDED_SINCE_0_1_0.get(table, ())]
            rows[table] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"
            ).fetchall()
        return rows
    finally:
        conn.close()


def test_a_0_1_0_store_is_stamped_and_upgraded_without_losing_a_row(old_store: Path) -> None:
    before = dump(old_store)
    assert {t: len(rows) for t, rows in before.items()} == FIXTURE_COUNTS
    url = f"sqlite:///{old_store}"
    status = schema_status(url)
    assert status.legacy and status.current is None

    engine = open_engine(url)
    assert dump(old_store) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        job_columns = {c["name"]: c for c in inspect(conn).get_columns("job")}
        assert job_columns["error"]["nullable"] and job_columns["inventory"]["nullable"]
        assert conn.execute(text("SELECT error, inventory FROM job")).all() == [(None, None)] * 3
        # 0005: old host results name no credential set (they predate them).
        host_columns = {c["name"]: c for c in inspect(conn).get_columns("host_result")}
        assert host_columns["credential"]["nullable"]
        assert conn.execute(text("SELECT DISTINCT credential FROM host_result")).all() == [
            (None,)
        ]
    assert head_revision() == HEAD and schema_status(url).current == HEAD

    # The old rows read through the current models, and new writes land beside them.
    jobs = queries.list_jobs(engine)
    assert [(j.id, j.status, j.exit_code) for j in jobs] == [
        (3, "failed", 4),
        (2, "failed", 2),
        (1, "failed", 2),
    ]
    assert jobs[-1].options and '"forks": 2' in jobs[-1].options
    assert {b.scope_key: b.failures for b in queries.load_breakers(engine)} == {
        "host:sw-lab-2": 1,
        "host:sw-lab-3": 1,
    }
    assert queries.failed_hosts(engine, 1) == ["sw-lab-1", "sw-lab-3"]
    assert [b.host for b in queries.backups(engine, job_id=1)] == [
        "sw-lab-1",
        "sw-lab-2",
        "sw-lab-4",
    ]
    assert (
        queries.latest_backup_hashes(engine, ["sw-lab-1"])["sw-lab-1"]
        == before["config_backup"][3][3]
    )
    row = record_breaker_failure(
        engine,
        "host:sw-lab-3",
        threshold=1,
        reset_after=300,
        job_id=4,
        now=datetime.now(UTC),
        trial=False,
    )
    assert row.failures == 2 and row.state == "open"
    job = queries.create_job(
        engine,
        Job(playbook="p.yml", playbook_sha256="0" * 64, user="u", error="boom", inventory="inv"),
        Redactor(),
    )
    assert job.id == 4
    stored = queries.get_job(engine, 4)
    assert stored is not None and (stored.error, stored.inventory) == ("boom", "inv")
    engine.dispose()
    # Opening again is a no-op: still head, nothing re-run.
    again = open_engine(url)
    assert len(queries.list_jobs(again)) == 4
    again.dispose()


def reflected(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    if "alembic_version" in metadata.tables:
        metadata.remove(metadata.tables["alembic_version"])
    return metadata


def test_0001_is_exactly_the_schema_0_1_0_made_on_sqlite(old_store: Path, tmp_path: Path) -> None:
    legacy = reflected(create_engine(f"sqlite:///{old_store}"))
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), LEGACY_REVISION)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), legacy) == []
        ours = reflected(engine)
    assert sorted(ours.tables) == sorted(legacy.tables)
    for name, table in legacy.tables.items():
        assert [str(c.type) for c in ours.tables[name].columns] == [
            str(c.type) for c in table.columns
        ], name
        assert sorted(i.name or "" for i in ours.tables[name].indexes) == sorted(
            i.name or "" for i in table.indexes
        )


def test_a_new_sqlite_store_is_created_by_migrating_and_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'dir' / 'netraven.db'}"
    engine = open_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_a_new_sqlite_store_from_the_snapshot_is_what_migrating_makes(tmp_path: Path) -> None:
    """``sqlite_head.sql`` must stay the migrations' schema; regenerate it as its module says."""
    migrated = tmp_path / "migrated.db"
    engine = create_engine(f"sqlite:///{migrated}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()
    assert sqlite_head.REVISION == HEAD, "a new revision: regenerate store/sqlite_head.sql"
    assert sqlite_head.script_of(str(migrated)) == (
        Path(sqlite_head.__file__).with_name("sqlite_head.sql").read_text()
    )
    # Made in a fresh interpreter, to see what a run on a new store loads: no Alembic
    # (the point of the snapshot), nor the PostgreSQL dialect (store/breakers.py).
    new = tmp_path / "new.db"
    script = (
        "import sys, netraven.engine.job; from netraven.store.engine import open_engine; "
        f"open_engine({f'sqlite:///{new}'!r}).dispose(); "
        "print([m for m in ('alembic', 'sqlalchemy.dialects.postgresql') if m in sys.modules])"
    )
    made = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert made.stdout.strip() == "[]"
    snapshot, reference = sqlite3.connect(new), sqlite3.connect(migrated)
    try:
        assert sqlite_head.schema_of(snapshot) == sqlite_head.schema_of(reference)
        assert snapshot.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert snapshot.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        snapshot.close()
        reference.close()
    engine = open_engine(f"sqlite:///{new}")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    engine.dispose()


def test_stores_opened_together_for_the_first_time_are_migrated_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'netraven.db'}"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_it() -> None:
        try:
            start.wait()
            open_engine(url).dispose()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    conn = sqlite3.connect(tmp_path / "netraven.db")
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    conn.close()


def test_a_store_from_a_newer_release_is_refused_cleanly(old_store: Path) -> None:
    url = f"sqlite:///{old_store}"
    open_engine(url).dispose()
    conn = sqlite3.connect(old_store)
    conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.commit()
    conn.close()
    before = old_store.read_bytes()
    for write in (True, False):
        with pytest.raises(StoreError, match="0999.*newer NetRaven") as raised:
            open_engine(url, write=write)
        assert "\n" not in str(raised.value)
    assert old_store.read_bytes() == before


# PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def pg_schema() -> Iterator[str]:
    with temporary_schema() as (url, _schema):
        yield url


def create_0_1_0_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql((FIXTURES / "schema-0.1.0-postgresql.sql").read_text())
        conn.execute(
            text(
                'INSERT INTO job (playbook, playbook_sha256, "user", options, status, exit_code,'
                " pid, machine, created_at) VALUES ('site.yml', :sha, 'ops', '{}', 'failed', 2,"
                " 4242, 'ci-1', '2025-01-02T03:04:05+00')"
            ),
            {"sha": "a" * 64},
        )
        conn.execute(
            text(
                "INSERT INTO host_result (job_id, host, play_index, play, status, changed, error)"
                " VALUES (1, 'sw1', 0, 'p', 'failed', false, 'boom')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO breaker (scope_key, state, failures, opened_at, reset_after, job_id)"
                " VALUES ('group:ams', 'open', 3, '2025-01-02T03:04:06+00', 300, 1)"
            )
        )
    engine.dispose()


@pytest.mark.postgres
def test_postgres_0_1_0_store_is_stamped_and_upgraded(pg_schema: str) -> None:
    create_0_1_0_schema(pg_schema)
    with pytest.raises(StoreError, match="schema of release 0.1.0.*netraven db upgrade"):
        open_engine(pg_schema, write=False)
    engine = open_engine(pg_schema)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    job = queries.get_job(engine, 1)
    assert job is not None and (job.playbook, job.status, job.machine) == (
        "site.yml",
        "failed",
        "ci-1",
    )
    assert job.created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert job.error is None and job.inventory is None
    assert queries.failed_hosts(engine, 1) == ["sw1"]
    row = record_breaker_failure(
        engine,
        "group:ams",
        threshold=3,
        reset_after=300,
        job_id=2,
        now=datetime.now(UTC),
        trial=False,
    )
    assert (row.failures, row.state, row.opened_at) == (
        4,
        "open",
        datetime(2025, 1, 2, 3, 4, 6, tzinfo=UTC),
    )
    engine.dispose()
    reader = open_engine(pg_schema, write=False)
    assert [j.id for j in queries.list_jobs(reader)] == [1]
    reader.dispose()


@pytest.mark.postgres
def test_postgres_0001_is_exactly_the_0_1_0_schema(pg_schema: str) -> None:
    with temporary_schema() as (legacy_url, _):
        create_0_1_0_schema(legacy_url)
        legacy = reflected(create_engine(legacy_url))
    engine = create_engine(pg_schema)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), LEGACY_REVISION)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), legacy) == []
    engine.dispose()


@pytest.mark.postgres
def test_postgres_new_store_opened_by_many_at_once(pg_schema: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait()
            open_engine(pg_schema).dispose()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert schema_status(pg_schema).current == HEAD


def test_without_the_snapshot_a_new_sqlite_store_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package built without sqlite_head.sql still makes stores, the slower way."""
    sqlite_head.statements.cache_clear()
    monkeypatch.setattr(sqlite_head, "_SCRIPT", tmp_path / "missing.sql")
    try:
        with pytest.raises(OSError):
            sqlite_head.statements()
        engine = open_engine(f"sqlite:///{tmp_path / 'new.db'}")
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        engine.dispose()
    finally:
        sqlite_head.statements.cache_clear()
