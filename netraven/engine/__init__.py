"""The engine: plays → hosts → tasks on the caller's event loop, with a failure boundary.

``execute(spec, store=…, listeners=…, cancel=…)`` is the one entry point every front door
(CLI, service, worker) embeds. Nornir is the inventory model and host-selection layer; its
runner contract (``run(task, hosts)`` returning synchronously) cannot be awaited inside a
running loop, so the engine schedules host coroutines itself (see docs/engine.md).
"""

from netraven.engine.events import NullListener, RunListener
from netraven.engine.execute import build_redactor, execute
from netraven.engine.plan import PlanItem, plan_job
from netraven.engine.spec import JobSpec, Owner, RunOptions

__all__ = [
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
