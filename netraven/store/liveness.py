"""Is a job's process still alive? Readers report, writers record.

A job left ``running`` by a process that was killed (SIGKILL, power loss) is
``interrupted``. Writers record that (``mark_dead_jobs``); readers must not write,
so they show it with ``effective_status`` and leave the row alone.
"""

from __future__ import annotations

import socket

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from netraven.store.models import Job, now
from netraven.system import pid_alive

UNFINISHED = ("running", "queued")


def is_orphaned(job: Job, machine: str | None = None) -> bool:
    """Unfinished, started on this machine, and its process is gone.

    A job from another machine cannot be checked from here and is taken at its word.
    """
    return (
        job.status in UNFINISHED
        and job.machine == (machine or socket.gethostname())
        and job.pid is not None
        and not pid_alive(job.pid)
    )


def effective_status(job: Job) -> str:
    """The status to show: ``interrupted`` for an orphaned job, else the stored one."""
    return "interrupted" if is_orphaned(job) else job.status


def mark_dead_jobs(engine: Engine) -> int:
    """A job left running by a killed process on this machine becomes ``interrupted``."""
    machine = socket.gethostname()
    count = 0
    with Session(engine) as session:
        jobs = session.exec(select(Job).where(col(Job.status).in_(UNFINISHED))).all()
        for job in jobs:
            if is_orphaned(job, machine):
                job.status = "interrupted"
                job.finished_at = job.finished_at or now()
                session.add(job)
                count += 1
        session.commit()
    return count
