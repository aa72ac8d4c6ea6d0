"""Readers never write: not the database file, not its -wal, not a new file, not a row."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from netraven.errors import StoreError
from netraven.secrets import Redactor
from netraven.store import queries
from netraven.store.engine import open_engine
from netraven.store.liveness import effective_status
from netraven.store.models import Job, LogEntry
from netraven.store.schema import HEAD
from tests.conftest import netraven
from tests.fixtures.postgres import temporary_schema

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the directory with its bytes and modification time."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """A current store with one job left 'running' by a process that died."""
    path = tmp_path / "store" / "netraven.db"
    engine = open_engine(f"sqlite:///{path}")
    queries.create_job(
        engine,
        Job(
            playbook="site.yml",
            playbook_sha256="0" * 64,
            user="u",
            status="running",
            pid=dead_pid(),
            machine=socket.gethostname(),
        ),
        Redactor(),
    )
    engine.dispose()
    assert not Path(f"{path}-wal").exists()  # the last connection closed cleanly
    return path


def test_listing_jobs_leaves_every_file_untouched(store: Path) -> None:
    before = snapshot(store.parent)
    reader = open_engine(f"sqlite:///{store}", write=False)
    jobs = queries.list_jobs(reader)
    assert queries.host_results(reader, 1) == [] and queries.load_breakers(reader) == []
    reader.dispose()
    assert snapshot(store.parent) == before  # no -wal, no -shm, same bytes, same mtime
    # The dead job is reported interrupted but stays 'running' in the store...
    assert [j.status for j in jobs] == ["running"]
    assert effective_status(jobs[0]) == "interrupted"
    # ...until a writer opens the store and records it.
    writer = open_engine(f"sqlite:///{store}")
    assert [j.status for j in queries.list_jobs(writer)] == ["interrupted"]
    writer.dispose()


def test_reading_beside_an_active_writer_sees_its_rows_and_leaves_the_wal_alone(
    store: Path,
) -> None:
    writer = open_engine(f"sqlite:///{store}")
    with writer.begin() as conn:
        conn.execute(
            LogEntry.__table__.insert(),  # type: ignore[attr-defined]
            {"job_id": 1, "level": "info", "message": "in the wal", "created_at": Job().created_at},
        )
    with writer.connect() as held:  # keeps the -wal in place, as a running job does
        held.execute(text("SELECT 1"))
        wal = Path(f"{store}-wal")
        assert wal.stat().st_size > 0
        before = {
            name: value for name, value in snapshot(store.parent).items() if "shm" not in name
        }
        reader = open_engine(f"sqlite:///{store}", write=False)
        assert [e.message for e in queries.logs(reader, 1)] == ["in the wal"]
        with pytest.raises(OperationalError, match="readonly"), reader.begin() as conn:
            conn.execute(text("DELETE FROM log_entry"))
        reader.dispose()
        after = {name: value for name, value in snapshot(store.parent).items() if "shm" not in name}
        assert after == before
    writer.dispose()


def test_a_missing_store_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "netraven.db"
    with pytest.raises(StoreError, match=f"^no job store at {missing}$"):
        open_engine(f"sqlite:///{missing}", write=False)
    assert not missing.parent.exists()


def test_a_store_behind_head_is_a_one_line_error_and_stays_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "store-0.1.0.db", path)
    before = snapshot(tmp_path)
    with pytest.raises(StoreError) as raised:
        open_engine(f"sqlite:///{path}", write=False)
    message = str(raised.value)
    assert "\n" not in message and "schema of release 0.1.0" in message
    assert "netraven db upgrade" in message and HEAD in message
    assert snapshot(tmp_path) == before


def test_db_commands(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "store-0.1.0.db", path)
    url = f"sqlite:///{path}"
    before = snapshot(tmp_path)
    current = netraven("db", "current", "--db", url, cwd=tmp_path)
    assert current.returncode == 0, current.stderr
    assert "0.1.0" in current.stdout and f"head is {HEAD}" in current.stdout
    assert snapshot(tmp_path) == before
    upgraded = netraven("db", "upgrade", "--db", url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"from 0.1.0 to {HEAD}" in upgraded.stdout
    assert f"{HEAD} (head)" in netraven("db", "current", "--db", url, cwd=tmp_path).stdout
    assert "nothing to do" in netraven("db", "upgrade", "--db", url, cwd=tmp_path).stdout
    created = netraven("db", "upgrade", cwd=tmp_path)  # the default store
    assert created.returncode == 0 and "created job store" in created.stdout
    assert (tmp_path / ".netraven" / "netraven.db").is_file()
    missing = netraven("db", "current", "--db", f"sqlite:///{tmp_path / 'none.db'}", cwd=tmp_path)
    assert missing.returncode == 1 and "no job store at" in missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "none.db").exists()
    secret = netraven(
        "db", "current", "--db", "postgresql+psycopg://u:hunter2@127.0.0.1:1/x", cwd=tmp_path
    )
    assert secret.returncode == 1 and "cannot open job store" in secret.stderr
    assert "hunter2" not in secret.stderr + secret.stdout and "u:***@" in secret.stderr


@pytest.mark.postgres
def test_postgres_readers_cannot_write(tmp_path: Path) -> None:
    with temporary_schema() as (url, _):
        open_engine(url).dispose()
        reader = open_engine(url, write=False)
        assert queries.list_jobs(reader) == []
        with pytest.raises(DBAPIError, match="read-only transaction"), reader.begin() as conn:
            conn.execute(text("DELETE FROM breaker"))
        reader.dispose()
