"""Opening the store: SQLite (WAL) by default, any SQLAlchemy URL via --db/NETRAVEN_DB_URL."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine, select

from netraven.errors import StoreError
from netraven.store.models import Job, now

DEFAULT_DB = ".netraven/netraven.db"


def resolve_url(url: str | None) -> str:
    url = url or os.environ.get("NETRAVEN_DB_URL")
    if url:
        return url
    return f"sqlite:///{DEFAULT_DB}"


def open_engine(url: str | None = None) -> Engine:
    """Create the engine and tables, and close out jobs whose process died."""
    url = resolve_url(url)
    try:
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        SQLModel.metadata.create_all(engine)
        mark_dead_jobs(engine)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot open job store {safe_url(url)}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    return engine


def safe_url(url: str) -> str:
    """The URL without any password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_dead_jobs(engine: Engine) -> int:
    """A job left running by a killed process on this machine becomes ``interrupted``."""
    machine = socket.gethostname()
    count = 0
    with Session(engine) as session:
        jobs = session.exec(select(Job).where(Job.status.in_(("running", "queued")))).all()  # type: ignore[attr-defined]
        for job in jobs:
            if job.machine == machine and job.pid is not None and not _alive(job.pid):
                job.status = "interrupted"
                job.finished_at = job.finished_at or now()
                session.add(job)
                count += 1
        session.commit()
    return count
