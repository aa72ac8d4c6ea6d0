"""The batched writer on a real SQLite file: first error wins, nothing after it, back-pressure."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from netraven.domain import HostStatus, TaskStatus
from netraven.errors import StoreError
from netraven.secrets import Redactor
from netraven.store.engine import open_engine
from netraven.store.models import HostResult, Job, LogEntry, TaskResult, now
from netraven.store.queries import create_job
from netraven.store.writer import BatchWriter


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def job_id(engine: Engine) -> int:
    job = create_job(engine, Job(playbook="p.yml", playbook_sha256="0" * 64, user="u"), Redactor())
    assert job.id is not None
    return job.id


def log(job_id: int, message: str, level: str | None = "info") -> dict[str, Any]:
    return {"job_id": job_id, "host": None, "level": level, "message": message, "created_at": now()}


def messages(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(LogEntry.message).order_by(LogEntry.id)))  # type: ignore[arg-type]


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model.__table__)) or 0)


class Gate:
    """Holds the writer inside its next INSERT INTO ``table`` until opened (or told to fail)."""

    def __init__(self, engine: Engine, table: str = "log_entry") -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_with: BaseException | None = None
        self._armed = True
        self._table = table
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._armed and f"INSERT INTO {self._table}" in statement:
            self._armed = False
            self.entered.set()
            assert self.release.wait(30), "test never opened the gate"
            if self.fail_with is not None:
                raise self.fail_with


def test_first_error_is_reported_and_nothing_is_written_after_it(
    engine: Engine, job_id: int
) -> None:
    writer = BatchWriter(engine, Redactor(), batch=2)
    gate = Gate(engine)
    writer.add(LogEntry, log(job_id, "kept 0"))
    assert gate.entered.wait(10)  # batch 0 is being written; queue batches of 2 behind it
    writer.add(LogEntry, log(job_id, "kept 1"))
    writer.add(LogEntry, log(job_id, "kept 2"))
    writer.add(TaskResult, {"job_id": job_id, "host": "h"})  # NOT NULL columns missing
    writer.add(LogEntry, log(job_id, "same batch as the bad row"))
    writer.add(LogEntry, log(job_id, "after", level=None))  # would fail differently
    writer.add(LogEntry, log(job_id, "after the failed batch"))
    gate.release.set()
    writer.flush()
    first = writer.error
    assert isinstance(first, IntegrityError) and "task_result" in str(first)
    writer.add(LogEntry, log(job_id, "added once the error was known"))
    with pytest.raises(StoreError) as raised:
        writer.close()
    assert raised.value.__cause__ is first
    message = str(raised.value)
    assert message.startswith("job store write failed: IntegrityError:")
    assert "task_result" in message and "log_entry" not in message
    assert "\n" not in message
    assert messages(engine) == ["kept 0", "kept 1", "kept 2"]
    assert count(engine, TaskResult) == 0
    assert writer.dropped == 5  # the failed batch (2), the batch after it (2), the late add (1)


def test_connection_failing_on_the_second_batch(engine: Engine, job_id: int) -> None:
    writer = BatchWriter(engine, Redactor())
    writer.add(LogEntry, log(job_id, "first batch"))
    writer.flush()
    gate = Gate(engine)
    gate.fail_with = OperationalError("INSERT", {}, Exception("disk I/O error"))
    gate.release.set()
    writer.add(LogEntry, log(job_id, "second batch"))
    writer.flush()
    assert isinstance(writer.error, OperationalError)
    for n in range(50):
        writer.add(LogEntry, log(job_id, f"later {n}"))
    writer.call(lambda conn: conn.execute(LogEntry.__table__.insert(), [log(job_id, "call")]))  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match=r"OperationalError: .*disk I/O error.*52 row\(s\)"):
        writer.close()
    assert messages(engine) == ["first batch"]


def test_a_slow_database_makes_add_block_once_the_queue_is_full(
    engine: Engine, job_id: int
) -> None:
    writer = BatchWriter(engine, Redactor(), batch=1, maxsize=5)
    gate = Gate(engine)
    added = 0

    def produce() -> None:
        nonlocal added
        for n in range(20):
            writer.add(LogEntry, log(job_id, f"row {n}"))
            added += 1

    producer = threading.Thread(target=produce)
    producer.start()
    assert gate.entered.wait(10)
    deadline = time.monotonic() + 10
    while added < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    # One row in the stalled INSERT, five in the queue, and the producer waits.
    assert added == 6 and producer.is_alive()
    gate.release.set()
    producer.join(10)
    assert not producer.is_alive() and added == 20
    writer.close()
    assert messages(engine) == [f"row {n}" for n in range(20)]


def test_a_failure_unblocks_producers_waiting_on_a_full_queue(engine: Engine, job_id: int) -> None:
    writer = BatchWriter(engine, Redactor(), batch=1, maxsize=3)
    gate = Gate(engine)
    producer = threading.Thread(
        target=lambda: [writer.add(LogEntry, log(job_id, f"r{n}")) for n in range(100)]
    )
    producer.start()
    assert gate.entered.wait(10)
    time.sleep(0.2)
    assert producer.is_alive()  # blocked on the full queue
    gate.fail_with = OperationalError("INSERT", {}, Exception("database is locked"))
    gate.release.set()
    producer.join(10)
    assert not producer.is_alive()
    with pytest.raises(StoreError, match="database is locked"):
        writer.close()
    assert writer.dropped == 100 and messages(engine) == []


def test_text_is_redacted_and_close_is_idempotent(engine: Engine, job_id: int) -> None:
    writer = BatchWriter(engine, Redactor(["hunter2"]))
    writer.add(LogEntry, log(job_id, "login with hunter2"))
    writer.close()
    writer.close()
    assert messages(engine) == ["login with ********"]
    assert writer.error is None
    with pytest.raises(StoreError, match="closed"):
        writer.add(LogEntry, log(job_id, "too late"))


def _task_row(job_id: int, host: str, index: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "job_id": job_id,
        "host": host,
        "play_index": 0,
        "play": "p",
        "task_index": index,
        "name": f"task {index}",
        "action": "command",
        "status": TaskStatus.CHANGED if index % 2 else TaskStatus.OK,
        "changed": bool(index % 2),
        "failed": False,
        "skipped": index == 3,
        "output": None if index == 2 else f"output {index}\nline two",
        "diff": None,
        "error": None,
        "attempts": index + 1,
        "started_at": datetime(2026, 11, 28, 2, 30, index, 123456 * index % 1_000_000, UTC),
        "duration_ms": None if index == 1 else 10 * index,
    }
    row.update(extra)
    return row


def _stored(path: Path, table: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def test_rows_are_stored_exactly_as_sqlalchemy_inserts_store_them(tmp_path: Path) -> None:
    """The writer hands SQLite tuples itself (writer._insert); what lands must be what
    SQLAlchemy's own multi-row insert() stores — datetimes, booleans, enums, NULLs, column
    order — and rows missing a column with a Python-side default still get the default."""
    paths = [tmp_path / "writer.db", tmp_path / "reference.db"]
    engines = [open_engine(f"sqlite:///{p}") for p in paths]
    ids = [
        create_job(e, Job(playbook="p.yml", playbook_sha256="0" * 64, user="u"), Redactor()).id
        for e in engines
    ]
    assert ids[0] == ids[1] is not None
    job_id = ids[0]
    full = [
        _task_row(job_id, f"sw{h}", i, ignored=i == 2, rescued=False)
        for h in (1, 2)
        for i in range(4)
    ]
    # No ignored/rescued: the models' defaults (False) fill them in.
    defaulted = [_task_row(job_id, "sw3", i) for i in range(2)]
    hosts = [
        {
            "job_id": job_id,
            "host": "sw1",
            "play_index": 0,
            "play": "p",
            "status": HostStatus.OK,
            "changed": True,
            "error": None,
            "started_at": datetime(2026, 11, 28, 2, 30, 0, tzinfo=UTC),
            "finished_at": datetime(2026, 11, 28, 2, 30, 1, 5, tzinfo=UTC),
            "duration_ms": 1000,
            "credential": "primary",
        }
    ]
    writer = BatchWriter(engines[0], Redactor())
    for row in [*full, *defaulted]:
        writer.add(TaskResult, dict(row), redacted=True)
    for row in hosts:
        writer.add(HostResult, dict(row), redacted=True)
    writer.close()
    with engines[1].begin() as conn:
        conn.execute(TaskResult.__table__.insert(), [dict(r) for r in full])  # type: ignore[attr-defined]
        conn.execute(TaskResult.__table__.insert(), [dict(r) for r in defaulted])  # type: ignore[attr-defined]
        conn.execute(HostResult.__table__.insert(), [dict(r) for r in hosts])  # type: ignore[attr-defined]
    for engine in engines:
        engine.dispose()
    for table in ("task_result", "host_result"):
        written, reference = (_stored(p, table) for p in paths)
        assert len(written) == {"task_result": 10, "host_result": 1}[table]
        assert written == reference, table
    assert {row[-2:] for row in _stored(paths[0], "task_result")[-2:]} == {(0, 0)}


def test_rows_arriving_one_by_one_are_gathered_into_one_transaction(
    engine: Engine, job_id: int
) -> None:
    """A thousand hosts finish a few at a time; a transaction per handful cost the writer
    thread (and the event loop, whose GIL it takes) more than the rows themselves."""
    inserts: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: inserts.append(statement)
        if statement.startswith("INSERT INTO log_entry")
        else None,
    )
    writer = BatchWriter(engine, Redactor(), interval=30)
    started = time.monotonic()
    for n in range(20):
        writer.add(LogEntry, log(job_id, f"row {n}"))
        time.sleep(0.005)  # each row on its own, as results come in
    writer.flush()  # cuts the 30 s of gathering short
    assert time.monotonic() - started < 10
    assert len(inserts) == 1 and messages(engine) == [f"row {n}" for n in range(20)]
    writer.add(LogEntry, log(job_id, "last"))
    writer.close()  # does not wait out the interval either
    assert time.monotonic() - started < 20
    assert len(inserts) == 2 and messages(engine)[-1] == "last"


def test_a_full_batch_is_written_without_waiting_out_the_interval(
    engine: Engine, job_id: int
) -> None:
    writer = BatchWriter(engine, Redactor(), batch=10, interval=30)
    for n in range(10):
        writer.add(LogEntry, log(job_id, f"row {n}"))
    deadline = time.monotonic() + 10
    while len(messages(engine)) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(messages(engine)) == 10
    writer.close()
