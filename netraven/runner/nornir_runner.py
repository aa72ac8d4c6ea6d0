"""A Nornir runner plugin that runs coroutine tasks on one asyncio loop.

Nornir's threaded runner spends a thread per device in flight, mostly sleeping in
I/O polls; here a semaphore bounds the devices in flight and they share one thread.
SIGINT/SIGTERM cancel the host coroutines, which record themselves as interrupted.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Result, Task


class AsyncioRunner:
    def __init__(self, num_workers: int = 100) -> None:
        self.num_workers = num_workers
        self.interrupted = False

    def run(self, task: Task, hosts: list[Host]) -> AggregatedResult:
        saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            return asyncio.run(self._run(task, hosts))
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)

    async def _run(self, task: Task, hosts: list[Host]) -> AggregatedResult:
        semaphore = asyncio.Semaphore(self.num_workers)
        jobs = [asyncio.create_task(self._one(semaphore, task, host)) for host in hosts]
        loop = asyncio.get_running_loop()

        def interrupt() -> None:
            self.interrupted = True
            for job in jobs:
                job.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, interrupt)
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        aggregated = AggregatedResult(task.name or "play")
        for host, outcome in zip(hosts, outcomes, strict=True):
            multi = MultiResult(task.name or "play")
            if isinstance(outcome, BaseException):
                multi.append(Result(host, exception=_as_exception(outcome), failed=True))
            else:
                multi.append(Result(host, result=outcome, failed=bool(outcome.failed)))
            aggregated[host.name] = multi
        return aggregated

    async def _one(self, semaphore: asyncio.Semaphore, task: Task, host: Host) -> Any:
        async with semaphore:
            instance = task.copy()
            instance.host = host
            return await instance.task(instance, **instance.params)


def _as_exception(error: BaseException) -> Exception:
    return error if isinstance(error, Exception) else RuntimeError(repr(error))
