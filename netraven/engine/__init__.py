"""The engine: plays → hosts → tasks on the caller's event loop, with a failure boundary.

``execute(spec, store=…, listeners=…, cancel=…)`` is the one entry point every front door
(CLI, service, worker) embeds. Nornir is the inventory model and host-selection layer; its
runner contract (``run(task, hosts)`` returning synchronously) cannot be awaited inside a
running loop, so the engine schedules host coroutines itself (see docs/engine.md).

Names load on first use, so that planning (``netraven validate``) does not import the
store and the connection libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "ConnectionPool",
    "JobSpec",
    "NullListener",
    "Owner",
    "PlanItem",
    "RunListener",
    "RunOptions",
    "build_redactor",
    "execute",
    "plan_job",
]
_HOME = {
    "ConnectionPool": "pool",
    "JobSpec": "spec",
    "NullListener": "events",
    "Owner": "spec",
    "PlanItem": "plan",
    "RunListener": "events",
    "RunOptions": "spec",
    "build_redactor": "job",
    "execute": "job",
    "plan_job": "plan",
}

if TYPE_CHECKING:
    from netraven.engine.events import NullListener, RunListener
    from netraven.engine.job import build_redactor, execute
    from netraven.engine.plan import PlanItem, plan_job
    from netraven.engine.pool import ConnectionPool
    from netraven.engine.spec import JobSpec, Owner, RunOptions


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'netraven.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(f"netraven.engine.{home}"), name)
