"""The Celery application: two tasks, configured so that no lane is lost or run twice silently.

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a lane message is acknowledged only
  once its hosts are done, so a worker that dies mid-lane leaves it with the broker;
- every lane also carries a dispatch id that a worker must claim in Redis (``SET NX``)
  before it touches a device, so a redelivery (Redis' visibility timeout, a republish after
  a broker restart) of a lane already taken is dropped, not run again;
- ``worker_direct``: each worker also consumes its own queue, so the coordinator can keep
  a host on the worker that ran its earlier plays (its sessions and registered variables);
- JSON only: nothing but names, paths and options travels; no pickle, no secrets.

The coordinator (``coordinator.py``) notices a lost worker by its heartbeat, not by the
visibility timeout, which therefore stays long: it only bounds how soon a lane whose
worker died is redelivered, and a redelivered lane that was re-dispatched is dropped.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

__all__ = ["LANE_TASK", "PREPARE_TASK", "QUEUE", "RELEASE_TASK", "make_app"]

LANE_TASK = "netraven.lane"
PREPARE_TASK = "netraven.prepare"
RELEASE_TASK = "netraven.release"
QUEUE = "netraven"


def make_app(broker_url: str) -> Celery:
    app = Celery("netraven", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_direct=True,
        task_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )

    @app.task(name=LANE_TASK)  # type: ignore[untyped-decorator]
    def lane(message: dict[str, Any]) -> None:
        from netraven.executor.worker import runtime

        runtime().run_lane(message)

    @app.task(name=PREPARE_TASK)  # type: ignore[untyped-decorator]
    def prepare(run: str, spec: dict[str, Any]) -> None:
        from netraven.executor.worker import runtime

        runtime().prepare(run, spec)

    @app.task(name=RELEASE_TASK)  # type: ignore[untyped-decorator]
    def release(run: str) -> None:
        from netraven.executor.worker import runtime

        runtime().release(run)

    return app
