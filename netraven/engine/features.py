"""NetRaven's own features behind built-in flags, decided per host like any flag.

A connection kind switched off for a host fails that host's first task that needs a session,
before any login or request — the kill switch for a new transport rolled out gradually
(``netraven flags rollout http_connections --percent 10``). Other hosts carry on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nornir.core.inventory import Inventory

from netraven.flags.builtin import HTTP_CONNECTIONS
from netraven.flags.model import FlagState
from netraven.inventory import host_tags

__all__ = ["Gate", "connection_gate"]

# (host name, connection kind) → why the host may not use it, or None
Gate = Callable[[str, str], str | None]
KIND_FLAGS = {"http": HTTP_CONNECTIONS}


def connection_gate(flags: Mapping[str, FlagState], inventory: Inventory) -> Gate:
    def gate(host: str, kind: str) -> str | None:
        name = KIND_FLAGS.get(kind)
        state = flags.get(name) if name is not None else None
        if state is None:
            return None
        target = inventory.hosts.get(host)
        if state.on_for(host, host_tags(target) if target is not None else ()):
            return None
        return (
            f"the {kind} connection kind is switched off for this host by feature flag "
            f"'{name}' ({state.describe()}); `netraven flags enable {name}` turns it back on"
        )

    return gate
