"""Listing jobs with the API's filters, one page at a time (newest first)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from netraven.app.jobs import job_view
from netraven.app.read_models import JobView
from netraven.store.models import Job, JobRequest
from netraven.store.queries import Bind

__all__ = ["find_jobs", "stored_request"]


def find_jobs(
    bind: Bind,
    *,
    status: str | None = None,
    playbook: str | None = None,
    since: datetime | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[JobView]:
    """``playbook`` matches the recorded path or its end (``site.yml`` finds
    ``/srv/playbooks/site.yml``); ``before`` is the id cursor of the next page."""
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    if playbook is not None:
        query = query.where(
            (col(Job.playbook) == playbook) | col(Job.playbook).endswith("/" + playbook)
        )
    if since is not None:
        query = query.where(col(Job.created_at) >= since)
    if before is not None:
        query = query.where(col(Job.id) < before)
    with Session(bind) as session:
        rows = session.exec(query.order_by(col(Job.id).desc()).limit(limit)).all()
        return [job_view(j) for j in rows]


def stored_request(bind: Bind, job_id: int) -> dict[str, object] | None:
    """What a job started through the service was asked to do (None for CLI jobs)."""
    with Session(bind) as session:
        row = session.get(JobRequest, job_id)
        if row is None:
            return None
        body: dict[str, object] = json.loads(row.request)
        return body
