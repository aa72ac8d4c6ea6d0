"""Batched, redacting writes that stay off the runner's event loop.

Results are queued as they happen and written by one thread in transactions of up
to ``batch`` rows, so a thousand hosts finishing together cost a handful of commits.
Every text field is redacted here, at the door, whatever the caller already did.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from netraven.secrets import Redactor
from netraven.store.models import ConfigBackup, LogEntry, TaskResult

_TEXT_FIELDS: dict[type[SQLModel], tuple[str, ...]] = {
    TaskResult: ("output", "diff", "error", "name"),
    LogEntry: ("message",),
    ConfigBackup: ("text",),
}
_STOP = object()


class BatchWriter:
    def __init__(
        self, engine: Engine, redactor: Redactor, batch: int = 500, interval: float = 0.25
    ) -> None:
        self._engine = engine
        self._redactor = redactor
        self._batch = batch
        self._interval = interval
        self._queue: queue.Queue[Any] = queue.Queue()
        self._error: BaseException | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._loop, name="netraven-store", daemon=True)
        self._thread.start()

    def add(self, row: SQLModel) -> None:
        self._queue.put(row)

    def close(self) -> None:
        """Flush everything queued so far and stop; re-raise a write failure."""
        self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _redact(self, row: SQLModel) -> SQLModel:
        for name in _TEXT_FIELDS.get(type(row), ()):
            value = getattr(row, name)
            if isinstance(value, str):
                setattr(row, name, self._redactor.text(value))
        return row

    def _loop(self) -> None:
        stop = False
        while not stop:
            try:
                first = self._queue.get(timeout=self._interval)
            except queue.Empty:
                continue
            rows: list[SQLModel] = []
            item = first
            while True:
                if item is _STOP:
                    stop = True
                    break
                rows.append(self._redact(item))
                if len(rows) >= self._batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if rows:
                self._write(rows)

    def _write(self, rows: list[SQLModel]) -> None:
        try:
            with Session(self._engine) as session:
                session.add_all(rows)
                session.commit()
            self.written += len(rows)
        except Exception as exc:  # keep the run going; surface at close
            self._error = exc
