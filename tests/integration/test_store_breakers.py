"""Breaker rows under concurrent jobs: no failure lost, a threshold crossed exactly once.

Every test runs against a real SQLite file and the PostgreSQL at 127.0.0.1:5432.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from netraven.store.breakers import (
    BreakerRow,
    record_breaker_failure,
    record_breaker_success,
    record_breaker_trial,
)
from netraven.store.engine import open_engine
from netraven.store.models import Breaker
from tests.conftest import ROOT
from tests.fixtures.postgres import temporary_schema

T0 = datetime(2030, 1, 1, tzinfo=UTC)
HUGE = 10**9


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
        yield engine
        engine.dispose()
        return
    with temporary_schema() as (url, _schema):
        engine = open_engine(url)
        yield engine
        engine.dispose()


def stored(engine: Engine, key: str) -> Breaker:
    with engine.connect() as conn:
        row = conn.execute(select(Breaker.__table__).where(Breaker.__table__.c.scope_key == key))  # type: ignore[attr-defined]
        return Breaker.model_validate(row.one()._asdict())


def in_threads(count: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[0]


def test_concurrent_failures_are_all_counted(store: Engine) -> None:
    def work(index: int) -> None:
        for n in range(200):
            record_breaker_failure(
                store,
                "group:ams",
                threshold=HUGE,
                reset_after=60,
                job_id=index + 1,
                now=T0 + timedelta(seconds=n),
                trial=False,
            )

    in_threads(8, work)
    row = stored(store, "group:ams")
    assert row.failures == 8 * 200
    assert row.state == "closed" and row.opened_at is None


def test_threshold_is_crossed_exactly_once(store: Engine) -> None:
    results: list[BreakerRow] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for n in range(50):
            row = record_breaker_failure(
                store,
                "group:lon",
                threshold=100,
                reset_after=60,
                job_id=index + 1,
                now=T0 + timedelta(seconds=index * 1000 + n),  # every call its own instant
                trial=False,
            )
            with lock:
                results.append(row)

    in_threads(8, work)
    # Each call saw its own increment: the counts returned are exactly 1..400.
    assert sorted(r.failures for r in results) == list(range(1, 401))
    assert all(r.state == "closed" and r.opened_at is None for r in results if r.failures < 100)
    opened = [r for r in results if r.failures >= 100]
    assert len(opened) == 301 and all(r.state == "open" for r in opened)
    assert len({r.opened_at for r in opened}) == 1  # the period began once, at the crossing
    final = stored(store, "group:lon")
    assert final.failures == 400 and final.state == "open"


def test_trial_success_closes_and_trial_failure_reopens(store: Engine) -> None:
    key = "host:sw1"
    first = record_breaker_failure(
        store, key, threshold=1, reset_after=30, job_id=1, now=T0, trial=False
    )
    assert (first.state, first.failures, first.opened_at) == ("open", 1, T0)
    # A success while open (a host admitted before it opened) changes nothing.
    kept = record_breaker_success(store, key, reset_after=30, job_id=2, now=T0, trial=False)
    assert (kept.state, kept.failures, kept.opened_at) == ("open", 1, T0)
    trial = record_breaker_trial(
        store, key, reset_after=30, job_id=3, now=T0 + timedelta(seconds=60)
    )
    assert (trial.state, trial.failures, trial.job_id) == ("half_open", 1, 3)
    later = T0 + timedelta(seconds=90)
    failed = record_breaker_failure(
        store, key, threshold=HUGE, reset_after=30, job_id=3, now=later, trial=True
    )
    assert (failed.state, failed.failures, failed.opened_at) == ("open", 2, later)
    record_breaker_trial(store, key, reset_after=30, job_id=4, now=later)
    closed = record_breaker_success(store, key, reset_after=45, job_id=4, now=later, trial=True)
    assert closed == BreakerRow(key, "closed", 0, None, 45.0, 4)
    assert stored(store, key).state == "closed"


def test_success_resets_a_closed_breakers_count(store: Engine) -> None:
    key = "play:deploy"
    for _ in range(2):
        record_breaker_failure(
            store, key, threshold=3, reset_after=30, job_id=1, now=T0, trial=False
        )
    assert stored(store, key).failures == 2
    row = record_breaker_success(store, key, reset_after=30, job_id=1, now=T0, trial=False)
    assert (row.state, row.failures) == ("closed", 0)
    fresh = record_breaker_success(store, "play:new", reset_after=30, job_id=1, now=T0, trial=False)
    assert (fresh.state, fresh.failures, fresh.opened_at) == ("closed", 0, None)


def test_operations_join_the_callers_transaction(store: Engine) -> None:
    """On a Connection, nothing is kept unless the caller commits."""
    with store.connect() as conn:
        row = record_breaker_failure(
            conn, "group:x", threshold=5, reset_after=30, job_id=1, now=T0, trial=False
        )
        assert row.failures == 1
        conn.rollback()
    with store.connect() as conn:
        rows = conn.execute(select(Breaker.__table__)).all()  # type: ignore[attr-defined]
    assert rows == []


PROCESS = """
import sys
from datetime import UTC, datetime
from netraven.store.breakers import record_breaker_failure
from netraven.store.engine import open_engine
engine = open_engine(sys.argv[1])
sys.stdin.readline()  # start together
for _ in range(200):
    record_breaker_failure(engine, "group:ams", threshold=10**9, reset_after=60, job_id=1,
                           now=datetime.now(UTC), trial=False)
"""


def test_two_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_engine(url).dispose()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, url], stdin=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    engine = open_engine(url)
    assert stored(engine, "group:ams").failures == 400
    engine.dispose()
