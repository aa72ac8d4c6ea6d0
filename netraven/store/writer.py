"""Batched, redacting writes that stay off the runner's event loop.

Rows are queued as plain dicts as results happen and written by one thread with one
multi-row INSERT per table per batch (SQLAlchemy Core, no ORM unit of work), so a
thousand hosts finishing together cost a handful of statements. Every text column
is redacted here, at the door, whatever the caller already did.
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from netraven.secrets import Redactor
from netraven.store.models import ConfigBackup, HostResult, LogEntry, TaskResult

_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    TaskResult.__tablename__: ("output", "diff", "error", "name"),
    HostResult.__tablename__: ("error",),
    LogEntry.__tablename__: ("message",),
    ConfigBackup.__tablename__: ("text",),
}
_STOP = object()


class BatchWriter:
    def __init__(
        self, engine: Engine, redactor: Redactor, batch: int = 1000, interval: float = 0.25
    ) -> None:
        self._engine = engine
        self._redactor = redactor
        self._batch = batch
        self._interval = interval
        self._queue: queue.Queue[Any] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="netraven-store", daemon=True)
        self._thread.start()

    def add(self, model: type[SQLModel], row: dict[str, Any]) -> None:
        self._queue.put((model.__table__, row))  # type: ignore[attr-defined]

    @property
    def error(self) -> BaseException | None:
        """The write failure, if any; the job cannot be fully recorded once this is set."""
        return self._error

    def call(self, statement: Callable[[Connection], None]) -> None:
        """Run ``statement`` in the writer's transaction order (e.g. an upsert)."""
        self._queue.put((None, statement))

    def close(self) -> None:
        """Flush everything queued so far and stop; re-raise a write failure."""
        self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise self._error

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
            count = 0
            while True:
                if item is _STOP:
                    stop = True
                    break
                table, row = item
                if table is None:
                    calls.append(row)
                else:
                    batch[table].append(self._redact(table, row))
                count += 1
                if count >= self._batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch or calls:
                self._write(batch, calls, count)

    def _write(
        self,
        batch: dict[Table, list[dict[str, Any]]],
        calls: list[Callable[[Connection], None]],
        count: int,
    ) -> None:
        try:
            with self._engine.begin() as connection:
                for table in sorted(batch, key=lambda t: t.name):
                    connection.execute(table.insert(), batch[table])
                for statement in calls:
                    statement(connection)
        except Exception as exc:  # keep the run going; surface at close
            self._error = exc
