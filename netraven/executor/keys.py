"""Every Redis key the Celery executor uses, in one place.

A job run gets a fresh ``run`` id from its coordinator, so two stores sharing one Redis,
or a job id reused after a store was recreated, never read each other's keys. Keys of a run
expire a day after their last write: Redis is coordination here, not the record (the store is).
"""

from __future__ import annotations

__all__ = ["RUN_TTL", "WORKER_TTL", "RunKeys", "worker_key", "WORKER_PATTERN"]

RUN_TTL = 86_400
WORKER_TTL = 10  # seconds without a heartbeat before a worker counts as lost
WORKER_PATTERN = "netraven:worker:*"


def worker_key(name: str) -> str:
    """Refreshed every couple of seconds by a live worker process (``worker.Heartbeat``)."""
    return f"netraven:worker:{name}"


class RunKeys:
    def __init__(self, run: str) -> None:
        self.prefix = f"netraven:run:{run}"

    def results(self) -> str:
        """A list the workers push each finished lane's report onto."""
        return f"{self.prefix}:results"

    def claim(self, dispatch: str) -> str:
        """Which worker took a lane (``SET NX``); ``lost:…`` once the coordinator gave up on it."""
        return f"{self.prefix}:claim:{dispatch}"

    def started(self, dispatch: str) -> str:
        """The lane's hosts that began work (a set), for deciding what a lost worker did."""
        return f"{self.prefix}:started:{dispatch}"

    def failed(self, play: int, batch: int) -> str:
        """Failed hosts of a batch over every worker (``max_fail_percentage``)."""
        return f"{self.prefix}:failed:{play}:{batch}"

    def abort(self, play: int, batch: int) -> str:
        """Why the batch was aborted, first writer wins."""
        return f"{self.prefix}:abort:{play}:{batch}"

    def ended(self, play: int, batch: int) -> str:
        """Set once ``meta: end_play`` ran on any host of the batch."""
        return f"{self.prefix}:ended:{play}:{batch}"

    def once(self, play: int, task: int) -> str:
        return f"{self.prefix}:once:{play}:{task}"

    def once_result(self, play: int, task: int) -> str:
        return f"{self.prefix}:once-result:{play}:{task}"
