"""The scheduler inside ``netraven serve``: a background task, and how its jobs are queued.

Schedules' playbook and backup jobs go through the service's job runner (``enqueue``), so
they wait for a slot under ``service_max_jobs`` like jobs started over the API, and a
schedule stays claimed — not overlapping itself — while its job is queued and while it
runs. Reachability checks log in nowhere and run directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from netraven.domain import JobStatus
from netraven.engine.spec import JobSpec
from netraven.scheduler.handlers import Launch
from netraven.scheduler.loop import Scheduler
from netraven.service.state import ServiceState
from netraven.store import queries

__all__ = ["SCHEDULER_POLL", "queue_launch", "run_scheduler", "vault_password", "wake"]

SCHEDULER_POLL = 30.0  # seconds between ticks at most (sooner when a run is due)
_UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def vault_password(state: ServiceState) -> bytes | None:
    if state.settings.vault_password_file is None:
        return None
    from netraven.vault import load_vault_password

    return load_vault_password(state.settings.vault_password_file)


def queue_launch(
    state: ServiceState, *, on_queued: Callable[[int], None] | None = None, poll: float = 0.5
) -> Launch:
    """Queue the spec in the runner and wait until the job has finished; its id."""

    async def launch(spec: JobSpec) -> int:
        name = spec.owner.started_by.removeprefix("schedule:")
        job_id = await state.runner.enqueue(spec, schedule=name)
        if on_queued is not None:
            on_queued(job_id)
        while True:
            job = await asyncio.to_thread(queries.get_job, state.store, job_id)
            if job is None or job.status not in _UNFINISHED:
                return job_id
            await asyncio.sleep(poll)

    return launch


async def run_scheduler(state: ServiceState) -> None:
    """The background task (``BACKGROUND_TASKS``): tick until the service stops."""
    scheduler = Scheduler(
        state.store,
        queue_launch(state),
        vault_password=vault_password(state),
        poll=SCHEDULER_POLL,
    )
    RUNNING[id(state)] = scheduler
    try:
        await scheduler.run()
    finally:
        RUNNING.pop(id(state), None)


# The scheduler each running service holds, so its routes can wake it.
RUNNING: dict[int, Scheduler] = {}


def wake(state: ServiceState) -> None:
    """A schedule changed over the API: look at the store now, not at the next poll."""
    scheduler = RUNNING.get(id(state))
    if scheduler is not None:
        scheduler.wake()
