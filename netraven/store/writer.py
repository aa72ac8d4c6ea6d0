"""Batched, redacting writes that stay off the runner's event loop.

Rows are queued as plain dicts as results happen and written by one thread, in batches
of what arrived within ``interval`` (0.25 s) of a batch's first row, with one
executemany per table per batch (no ORM unit of work; on SQLite the values go to the
driver as tuples, see ``_insert``): a thousand hosts cost a few dozen transactions, not
one per finished task; ``flush`` and ``close`` write what is gathered at once.

Every text column is redacted here, at the door — unless the producer passes
``redacted=True`` because it already ran the same redactor over the row (the engine
does, for task and host outcomes and backups, so a thousand running configs are not
scanned twice).

Failures are reported honestly: the first failed batch stops all writing (a record
with holes in the middle would look complete), ``error`` shows it while the run goes
on, and ``close`` raises it. The queue is bounded so a slow database slows producers
down instead of growing memory without limit; after a failure the thread keeps
draining and dropping, so a producer never blocks forever.
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlmodel import SQLModel

from netraven.errors import StoreError
from netraven.secrets import Redactor
from netraven.store.models import ConfigBackup, HostResult, LogEntry, TaskResult

_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    TaskResult.__tablename__: ("output", "diff", "error", "name"),
    HostResult.__tablename__: ("error",),
    LogEntry.__tablename__: ("message",),
    ConfigBackup.__tablename__: ("text",),
}
_STOP = object()
_FLUSH = object()
MAXSIZE = 10_000


class BatchWriter:
    def __init__(
        self,
        engine: Engine,
        redactor: Redactor,
        batch: int = 1000,
        interval: float = 0.25,
        maxsize: int = MAXSIZE,
    ) -> None:
        self._engine = engine
        self._redactor = redactor
        self._batch = batch
        self._interval = interval
        self._queue: queue.Queue[Any] = queue.Queue(maxsize)
        self._error: BaseException | None = None
        self._dropped = 0
        self._count_lock = threading.Lock()  # producers and the thread both count drops
        self._closed = False
        self._hurry = threading.Event()  # cut the gathering short (flush, close, full batch)
        self._thread = threading.Thread(target=self._loop, name="netraven-store", daemon=True)
        self._thread.start()

    @property
    def error(self) -> BaseException | None:
        """The first write failure, as soon as it happens; nothing is written after it."""
        return self._error

    @property
    def dropped(self) -> int:
        """Rows and statements not written: the failed batch's and everything after it."""
        return self._dropped

    def add(self, model: type[SQLModel], row: dict[str, Any], *, redacted: bool = False) -> None:
        """Queue a row; blocks while the queue is full (the database is behind)."""
        self._put((model.__table__, row, redacted))  # type: ignore[attr-defined]

    def call(self, statement: Callable[[Connection], None]) -> None:
        """Run ``statement`` in the writer's transaction order (e.g. an upsert)."""
        self._put((None, statement, True))

    def flush(self) -> None:
        """Wait until everything queued so far has been written (or dropped)."""
        if not self._closed:
            self._queue.put(_FLUSH)  # write what is gathered now, do not wait out the interval
            self._hurry.set()
        self._queue.join()

    def close(self) -> None:
        """Flush everything queued so far and stop; raise ``StoreError`` for a write failure."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._hurry.set()
            self._thread.join()
        if self._error is not None:
            error = self._error
            lines = str(error).splitlines()
            lost = f" ({self._dropped} row(s) not written)" if self._dropped else ""
            raise StoreError(
                f"job store write failed: {type(error).__name__}: {lines[0] if lines else ''}{lost}"
            ) from error

    def _put(self, item: tuple[Table | None, Any, bool]) -> None:
        if self._closed:
            raise StoreError("job store writer is closed: nothing more can be recorded")
        if self._error is not None:  # already failed: do not even queue
            self._drop(1)
            return
        self._queue.put(item)
        if self._queue.qsize() >= self._batch:
            self._hurry.set()  # a full batch is waiting: no reason to gather longer

    def _redact(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        for name in _TEXT_COLUMNS.get(table.name, ()):
            value = row.get(name)
            if isinstance(value, str):
                row[name] = self._redactor.text(value)
        return row

    def _loop(self) -> None:
        stop = False
        while not stop:
            try:
                item = self._queue.get(timeout=self._interval)
            except queue.Empty:
                continue
            batch: dict[Table, list[dict[str, Any]]] = defaultdict(list)
            calls: list[Callable[[Connection], None]] = []
            taken = 0
            if item is not _STOP and item is not _FLUSH and self._batch > 1:
                # Let rows gather for ``interval`` after the first: they arrive a few at a
                # time, and a transaction per handful (~1,000 of them at 1,000 hosts) cost
                # this thread more than the rows themselves. Asleep on an event, it is not
                # woken (and given the GIL) by each row queued meanwhile, only by
                # ``flush``/``close`` or a batch's worth of rows waiting.
                self._hurry.wait(self._interval)
            self._hurry.clear()
            try:
                while True:
                    taken += 1
                    if item is _STOP:
                        stop = True
                        break
                    if item is _FLUSH:
                        break  # someone waits for what is queued: write it now
                    if self._error is not None:
                        self._drop(1)
                    else:
                        table, row, redacted = item
                        if table is None:
                            calls.append(row)
                        else:
                            batch[table].append(row if redacted else self._redact(table, row))
                    if taken >= self._batch:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch or calls:
                    self._write(batch, calls)
            except BaseException as exc:  # noqa: BLE001 - a dead thread would block producers
                self._fail(exc, len(calls) + sum(len(rows) for rows in batch.values()))
            finally:
                for _ in range(taken):
                    self._queue.task_done()

    def _write(
        self, batch: dict[Table, list[dict[str, Any]]], calls: list[Callable[[Connection], None]]
    ) -> None:
        with self._engine.begin() as connection:
            for table in sorted(batch, key=lambda t: t.name):
                _insert(connection, table, batch[table])
            for statement in calls:
                statement(connection)

    def _fail(self, exc: BaseException, lost: int) -> None:
        if self._error is None:
            self._error = exc
        self._drop(lost)

    def _drop(self, count: int) -> None:
        with self._count_lock:
            self._dropped += count


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany per set of columns, the values handed to the driver as tuples.

    This thread runs beside the event loop and takes the GIL from it: SQLAlchemy's
    per-row, per-value work for a multi-row ``insert()`` was a quarter to a third of its
    CPU (of ~0.12 s for a 1,000-host run's 9,000 rows). Here the statement is compiled
    once per table and column set, and only the columns whose type converts values (the
    datetimes and booleans, on SQLite) run a function per row; the rest is C (``itemgetter``
    and the driver's ``executemany``). Whatever this does not cover — a driver with named
    parameters, or a column the statement fills from a Python-side default — goes through
    ``insert()`` as before, so what is stored never depends on the path taken.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for keys, group in groups.items():
        plan = _plan(connection.dialect, table, keys)
        if plan is None:
            connection.execute(table.insert(), group)
            continue
        sql, order, processors = plan
        take = itemgetter(*order) if len(order) > 1 else (lambda row, key=order[0]: (row[key],))
        if not processors:
            params: list[Any] = [take(row) for row in group]
        else:
            params = []
            for row in group:
                values = list(take(row))
                for index, process in processors:
                    values[index] = process(values[index])
                params.append(tuple(values))
        connection.exec_driver_sql(sql, params)


_Plan = tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]


@lru_cache(maxsize=256)  # (dialect, table, columns): a handful per store
def _plan(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Plan | None:
    """The positional INSERT for exactly these columns, the order its parameters take them
    in, and their value converters; None when the driver's parameters are not positional
    or the statement has parameters the row has not (a column's Python-side default)."""
    if not keys or not dialect.positional:
        return None
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ())
    if len(order) != len(keys) or set(order) != set(keys):
        return None
    processors = []
    for index, key in enumerate(order):
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((index, process))
    return compiled.string, order, tuple(processors)
