"""NetRaven: a declarative network automation runner built on Nornir.

The public API is what ``__all__`` names; everything else is internal and may change.
Names are imported on first use so that ``import netraven`` (and ``netraven --help``)
stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name → the module that defines it
_EXPORTS = {
    "AuthenticationFailed": "netraven.errors",
    "Connection": "netraven.connections.base",
    "ConnectionFailed": "netraven.errors",
    "ConnectionRegistry": "netraven.connections.base",
    "DeviceError": "netraven.errors",
    "HostOutcome": "netraven.domain",
    "HostParams": "netraven.connections.base",
    "HostStatus": "netraven.domain",
    "InputError": "netraven.errors",
    "JobOutcome": "netraven.domain",
    "JobSpec": "netraven.engine.spec",
    "JobStatus": "netraven.domain",
    "NetRavenError": "netraven.errors",
    "NullListener": "netraven.engine.events",
    "Owner": "netraven.engine.spec",
    "RunListener": "netraven.engine.events",
    "RunOptions": "netraven.engine.spec",
    "SessionLost": "netraven.errors",
    "StoreError": "netraven.errors",
    "TaskFailed": "netraven.errors",
    "TaskOutcome": "netraven.domain",
    "TaskStatus": "netraven.domain",
    "default_registry": "netraven.connections.base",
    "execute": "netraven.engine.job",
    "load_inventory": "netraven.inventory",
    "load_playbook": "netraven.playbook.loader",
    "open_engine": "netraven.store.engine",
}

__all__ = [
    "AuthenticationFailed",
    "Connection",
    "ConnectionFailed",
    "ConnectionRegistry",
    "DeviceError",
    "HostOutcome",
    "HostParams",
    "HostStatus",
    "InputError",
    "JobOutcome",
    "JobSpec",
    "JobStatus",
    "NetRavenError",
    "NullListener",
    "Owner",
    "RunListener",
    "RunOptions",
    "SessionLost",
    "StoreError",
    "TaskFailed",
    "TaskOutcome",
    "TaskStatus",
    "__version__",
    "default_registry",
    "execute",
    "load_inventory",
    "load_playbook",
    "open_engine",
]

if TYPE_CHECKING:
    from netraven.connections.base import (
        Connection,
        ConnectionRegistry,
        HostParams,
        default_registry,
    )
    from netraven.domain import (
        HostOutcome,
        HostStatus,
        JobOutcome,
        JobStatus,
        TaskOutcome,
        TaskStatus,
    )
    from netraven.engine.events import NullListener, RunListener
    from netraven.engine.job import execute
    from netraven.engine.spec import JobSpec, Owner, RunOptions
    from netraven.errors import (
        AuthenticationFailed,
        ConnectionFailed,
        DeviceError,
        InputError,
        NetRavenError,
        SessionLost,
        StoreError,
        TaskFailed,
    )
    from netraven.inventory import load_inventory
    from netraven.playbook.loader import load_playbook
    from netraven.store.engine import open_engine


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'netraven' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
