"""The batched writer on a real SQLite file: first error wins, nothing after it, back-pressure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from netraven.errors import StoreError
from netraven.secrets import Redactor
from netraven.store.engine import open_engine
from netraven.store.models import Job, LogEntry, TaskResult, now
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
