"""The backup use cases (``netraven.app.backups``) over real stores: SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from netraven.app import backups
from netraven.errors import InputError
from netraven.store.engine import open_engine
from netraven.store.models import ConfigBackup, Job

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        store = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
        yield store
        store.dispose()
        return
    admin = create_engine(PG_ADMIN)
    schema = f"netraven_bk_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    store = open_engine(f"{PG_ADMIN}?options=-csearch_path%3D{schema}")
    yield store
    store.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def add_backups(engine: Engine, *entries: tuple[str, str]) -> list[int]:
    """One job per entry (host, text), one minute apart; returns the job ids."""
    ids: list[int] = []
    with Session(engine) as session:
        for minute, (host, config) in enumerate(entries):
            job = Job(playbook="b.yml", playbook_sha256="0" * 64, user="t", status="succeeded")
            session.add(job)
            session.flush()
            assert job.id is not None
            session.add(
                ConfigBackup(
                    job_id=job.id,
                    host=host,
                    sha256=f"{minute:064x}",
                    text=config,
                    created_at=T0 + timedelta(minutes=minute),
                )
            )
            ids.append(job.id)
        session.commit()
    return ids


V1 = "hostname r2\nntp server 192.0.2.1\n"
V2 = "hostname r2\nntp server 192.0.2.1\nntp server 192.0.2.2\n"
V3 = "hostname r2\nntp server 192.0.2.2\nbanner é\n"


def test_versions_are_numbered_per_host_oldest_first_listed_newest_first(engine: Engine) -> None:
    jobs = add_backups(engine, ("r10", "a\n"), ("r2", V1), ("r2", V2), ("r10", "b\n"), ("r2", V3))
    listed = backups.list_versions(engine)
    assert [(v.host, v.version, v.job_id) for v in listed] == [
        ("r2", 3, jobs[4]),  # natural order: r2 before r10
        ("r2", 2, jobs[2]),
        ("r2", 1, jobs[1]),
        ("r10", 2, jobs[3]),
        ("r10", 1, jobs[0]),
    ]
    newest = listed[0]
    assert newest.size == len(V3.encode()) == len(V3) + 1  # bytes, not characters
    assert newest.sha256 == f"{4:064x}"
    assert newest.created_at == T0 + timedelta(minutes=4)
    assert newest.created_at.tzinfo is not None
    dumped = newest.model_dump(mode="json")
    assert dumped == {
        "host": "r2",
        "version": 3,
        "job_id": jobs[4],
        "sha256": f"{4:064x}",
        "size": len(V3.encode()),
        "created_at": "2024-05-01T12:04:00Z",
    }
    assert [v.version for v in backups.list_versions(engine, "r10")] == [2, 1]
    assert backups.list_versions(engine, "r10")[0].host == "r10"


def test_show_by_number_latest_and_from_the_newest(engine: Engine) -> None:
    add_backups(engine, ("r2", V1), ("r2", V2), ("r2", V3))
    assert backups.show_version(engine, "r2").text == V3
    assert backups.show_version(engine, "r2", 1).text == V1
    assert backups.show_version(engine, "r2", -2).text == V2
    assert backups.show_version(engine, "r2", -3).version == 1
    shown = backups.show_version(engine, "r2", 2)
    assert (shown.version, shown.size, shown.text) == (2, len(V2), V2)
    for bad in (0, 4, -4):
        with pytest.raises(InputError, match="version|start at 1"):
            backups.show_version(engine, "r2", bad)
    with pytest.raises(InputError, match="no stored backups for host 'nope'"):
        backups.show_version(engine, "nope")
    with pytest.raises(InputError, match="no stored backups for host 'nope'"):
        backups.list_versions(engine, "nope")
    assert backups.list_versions(engine, None)  # the whole store
    assert backups.show_version(engine, "r2", 3) == backups.show_version(engine, "r2", -1)


def test_diff_defaults_to_the_newest_two(engine: Engine) -> None:
    jobs = add_backups(engine, ("r2", V1), ("r2", V2), ("r2", V3), ("solo", "x\n"))
    newest = backups.diff_versions(engine, "r2")
    assert (newest.old.version, newest.new.version, newest.identical) == (2, 3, False)
    body = newest.diff.splitlines()
    assert body[:2] == [f"--- r2 v2 (job {jobs[1]})", f"+++ r2 v3 (job {jobs[2]})"]
    changes = [line for line in body[2:] if line.startswith(("+", "-"))]
    assert changes == ["-ntp server 192.0.2.1", "+banner é"]
    older = backups.diff_versions(engine, "r2", 1, 2)
    assert [line for line in older.diff.splitlines()[2:] if line.startswith(("+", "-"))] == [
        "+ntp server 192.0.2.2"
    ]
    reverse = backups.diff_versions(engine, "r2", -1, 1)
    assert reverse.old.version == 3 and reverse.new.version == 1
    same = backups.diff_versions(engine, "r2", 2, -2)
    assert same.identical and same.diff == ""
    with pytest.raises(InputError, match="only 1 stored backup; a diff needs two"):
        backups.diff_versions(engine, "solo")
    with pytest.raises(InputError, match="no backup version 9"):
        backups.diff_versions(engine, "r2", 1, 9)


def test_empty_store_lists_nothing(engine: Engine) -> None:
    assert backups.list_versions(engine) == []
