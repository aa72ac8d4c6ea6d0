"""One run of one schedule: claim it, run its handler, record how it went, let go.

Shared by the scheduler's loop and by ``run-now`` (CLI and API), so a schedule started by
hand and one started by the clock can never overlap: both need the claim.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from netraven.engine.spec import Owner
from netraven.errors import NetRavenError
from netraven.scheduler.handlers import HANDLERS, HandlerEnv, HandlerRegistry, Launch, Target
from netraven.store import queries
from netraven.store import schedules as rows
from netraven.store.schedule_models import Schedule

__all__ = ["FireResult", "holder", "run_claimed", "target_of"]

log = logging.getLogger("netraven.scheduler")


def holder() -> str:
    """Who holds a claim: this process, in a form liveness checks can test."""
    return f"{os.getpid()}@{socket.gethostname()}"


def target_of(row: Schedule) -> Target:
    return Target(
        name=row.name,
        handler=row.handler,
        inventory=Path(row.inventory),
        playbook=Path(row.playbook) if row.playbook else None,
        limit=row.limit,
        extra_vars=json.loads(row.extra_vars or "{}"),
    )


@dataclass(frozen=True)
class FireResult:
    job_id: int | None
    status: str  # the job's status, or "error" when no job could start
    note: str | None = None


async def run_claimed(
    store: Engine,
    row: Schedule,
    launch: Launch,
    *,
    who: str,
    started: datetime,
    handlers: HandlerRegistry = HANDLERS,
    vault_password: bytes | None = None,
    probe_timeout: float = 5.0,
    note: str | None = None,
) -> FireResult:
    """Run a schedule this process has claimed (``who``), then release the claim.

    ``note`` (why it runs now, e.g. a missed run caught up) is kept as ``last_note``.

    A handler that fails before its job exists (the playbook was deleted, the inventory no
    longer loads) leaves no job: its reason is the schedule's ``last_note``, never an ok.
    """
    assert row.id is not None
    env = HandlerEnv(
        store=store,
        owner=Owner(f"schedule:{row.name}", os.getpid(), socket.gethostname()),
        launch=launch,
        vault_password=vault_password,
        probe_timeout=probe_timeout,
    )
    result = FireResult(None, "error", "the run did not finish")
    try:
        job_id = await handlers.get(row.handler).run(target_of(row), env)
        job = await asyncio.to_thread(queries.get_job, store, job_id)
        result = FireResult(job_id, job.status if job is not None else "unknown", note)
        log.info("schedule %s: job %s %s", row.name, job_id, result.status)
    except asyncio.CancelledError:
        result = FireResult(None, "interrupted", "the scheduler stopped during the run")
        raise
    except NetRavenError as exc:
        result = FireResult(None, "error", str(exc).splitlines()[0])
        log.error("schedule %s: %s", row.name, result.note)
    except Exception as exc:  # a bug must show as a failed run, never as ok
        result = FireResult(None, "error", f"internal error: {type(exc).__name__}: {exc}")
        log.exception("schedule %s failed", row.name)
    finally:
        await asyncio.shield(
            asyncio.to_thread(
                rows.release,
                store,
                row.id,
                who,
                last_run_at=started,
                last_job_id=result.job_id,
                last_status=result.status,
                last_note=result.note,
            )
        )
    return result


def now_utc() -> datetime:
    return datetime.now(UTC)
