"""Which hosts each play runs on, and everything about them that can be refused before a run.

A mistake that is knowable from the inventory and the playbook — an unknown host, a
connection kind that cannot speak a host's platform, connection extras that collide with
arguments NetRaven sets, a rollback policy on a platform that cannot be rolled back — is an
input error here, before any device is contacted, never a surprise half-way through a run.
"""

from __future__ import annotations

from dataclasses import dataclass

from nornir.core.inventory import Inventory

from netraven.connections.base import ConnectionRegistry, HostParams
from netraven.engine.limits import read_limits
from netraven.errors import InputError
from netraven.platforms import profile_for
from netraven.playbook.loader import Playbook
from netraven.playbook.patterns import select
from netraven.playbook.schema import HTTP_ACTIONS, Play
from netraven.playbook.tree import CompiledPlay, TaskNode

__all__ = ["PlanItem", "plan_job", "rolls_back"]


@dataclass(frozen=True)
class PlanItem:
    index: int
    hosts: list[str]


def plan_job(
    playbook: Playbook,
    inventory: Inventory,
    limit: str | None,
    registry: ConnectionRegistry | None = None,
    *,
    params: dict[str, HostParams] | None = None,
) -> tuple[list[PlanItem], list[str]]:
    """Hosts of every play (pattern ∩ --limit) and warnings; raises InputError.

    With a registry every host's connection parameters are resolved to be checked;
    ``params``, if given, receives them by host name, so that a run does not resolve
    each host again (through Nornir's group inheritance, ~0.1 ms a host).
    """
    warnings: list[str] = []
    limited: set[str] | None = None
    if limit:
        selection = select(inventory, limit)
        warnings += [f"--limit: {w}" for w in selection.warnings]
        limited = set(selection.hosts)
    items = []
    for index, play in enumerate(playbook.plays):
        selection = select(inventory, play.hosts)
        warnings += [f"play '{play.title}': {w}" for w in selection.warnings]
        hosts = [h for h in selection.hosts if limited is None or h in limited]
        if not hosts:
            warnings.append(f"play '{play.title}': no hosts matched, skipping")
        items.append(PlanItem(index, hosts))
    if registry is not None:
        _check_hosts(playbook, inventory, items, registry, {} if params is None else params)
        read_limits(inventory)  # bad max_concurrency / logins_per_second values
    return items, warnings


def _check_api(compiled: CompiledPlay, name: str, params: HostParams) -> None:
    """HTTP tasks need an HTTP host; a RESTCONF host has no CLI for command:/config:."""
    for node in compiled.task_nodes():
        task = node.task
        if task.action in HTTP_ACTIONS and params.http is None:
            raise InputError(
                f"play '{compiled.play.title}': task '{task.title}' needs an HTTP API, but host "
                f"{name} is reached over {params.transport}; set data.transport: https"
            )
        if task.action in ("command", "config") and params.http and params.http.api == "restconf":
            raise InputError(
                f"play '{compiled.play.title}': task '{task.title}': host {name} speaks "
                "RESTCONF (data.api: restconf), which has no CLI; use restconf_config: or rest:"
            )


def rolls_back(play: Play, node: TaskNode) -> bool:
    """Whether a failure after this config task rolls the host back (its own policy, or
    a failed batch under a wider rollback_scope)."""
    return node.task.config is not None and (
        play.recovery.merged(node.scope.recovery).on_failure == "rollback"
        or play.recovery.rollback_scope != "host"
    )


def _check_hosts(
    playbook: Playbook,
    inventory: Inventory,
    items: list[PlanItem],
    registry: ConnectionRegistry,
    resolved: dict[str, HostParams],
) -> None:
    for item in items:
        compiled = playbook.compiled[item.index]
        play = compiled.play
        rollback_tasks = [n.task for n in compiled.task_nodes() if rolls_back(play, n)]
        for name in item.hosts:
            host = inventory.hosts[name]
            params = resolved.get(name)
            if params is None:  # once per host, however many plays it is in
                try:
                    params = HostParams.from_host(host)
                except (TypeError, ValueError) as exc:
                    raise InputError(f"host {name}: {exc}") from None
                registry.validate(params, host.get("connection", None))
                resolved[name] = params
            _check_api(compiled, name, params)
            # Only a platform with a profile is supported: its commands are known.
            profile = profile_for(params.platform, name)
            computed = [t for t in rollback_tasks if t.rollback is None]
            if computed and not profile.can_roll_back:
                raise InputError(
                    f"play '{play.title}': task '{computed[0].title}' has on_failure: rollback, "
                    f"but host {name}'s platform '{params.platform}' has no rollback support; "
                    "give the task explicit rollback: lines or another on_failure"
                )
