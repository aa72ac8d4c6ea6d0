"""The variables a task sees on a host, in the precedence order of ``docs/variables.md``.

Low to high: role defaults, inventory (defaults → groups → host, with ``group_vars/`` and
``host_vars/`` folders merged in), play vars and vars_files, role vars, block/include/task
vars, facts (``set_fact``, ``register``), role params, magic variables, loop variables,
extra vars (``-e``). Magic variables are computed when first used: ``groups`` and
``hostvars`` cost nothing for a play that never mentions them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from nornir.core.inventory import Host, Inventory

from netraven.inventory import host_tags
from netraven.playbook.tree import CompiledPlay, TaskNode
from netraven.playbook.variables import Layer, VarScope

if TYPE_CHECKING:
    from netraven.engine.context import JobContext

__all__ = ["LazyMapping", "PlayVars", "task_scope"]


class LazyMapping(Mapping[str, Any]):
    """Names whose values are computed on first use, then kept."""

    def __init__(self, makers: dict[str, Callable[[], Any]]) -> None:
        self._makers = makers
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._makers[key]()
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._makers

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def inventory_groups(inventory: Inventory) -> dict[str, list[str]]:
    """Ansible's ``groups``: every group's hosts (through child groups), ``all``, ``ungrouped``."""
    groups: dict[str, list[str]] = {name: [] for name in inventory.groups}
    ungrouped: list[str] = []
    for name, host in inventory.hosts.items():
        member_of = [g.name for g in host.extended_groups()]
        for group in member_of:
            groups.setdefault(group, []).append(name)
        if not member_of:
            ungrouped.append(name)
    return {"all": list(inventory.hosts), "ungrouped": ungrouped, **groups}


class HostVars(Mapping[str, Any]):
    """``hostvars[name]``: another host's inventory variables and facts, rendered lazily."""

    def __init__(self, ctx: JobContext, play: PlayVars) -> None:
        assert ctx.inventory is not None
        self._inventory = ctx.inventory
        self._ctx = ctx
        self._play = play
        self._scopes: dict[str, VarScope] = {}

    def __getitem__(self, name: str) -> VarScope:
        if name not in self._scopes:
            host = self._inventory.hosts[name]  # KeyError → undefined in Jinja2
            facts = self._ctx.registered.get(name, {})
            self._scopes[name] = VarScope(
                self._ctx.templates,
                [
                    Layer(self._ctx.inventory_vars(host)),
                    Layer(self._play.play.vars),
                    Layer(facts, templated=False),
                    Layer(self._play.magic(host), templated=False),
                    Layer(self._ctx.extra_vars),
                ],
            )
        return self._scopes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._inventory.hosts

    def __iter__(self) -> Iterator[str]:
        return iter(self._inventory.hosts)

    def __len__(self) -> int:
        return len(self._inventory.hosts)


class PlayVars:
    """What every host of one play (or serial batch) shares: magic lists, hostvars."""

    def __init__(self, ctx: JobContext, play: CompiledPlay, hosts: list[str]) -> None:
        self.ctx = ctx
        self.play = play
        self.hosts = hosts
        self.hostvars = HostVars(ctx, self)

    def active_hosts(self) -> list[str]:
        return [h for h in self.hosts if h not in self.ctx.failed_hosts]

    def magic(self, host: Host, node: TaskNode | None = None) -> Mapping[str, Any]:
        ctx = self.ctx
        role = node.scope.role if node is not None else None
        platform = host.platform or ""
        makers: dict[str, Callable[[], Any]] = {
            "inventory_hostname": lambda: host.name,
            "inventory_hostname_short": lambda: host.name.split(".")[0],
            "group_names": lambda: sorted(g.name for g in host.extended_groups()),
            "groups": ctx.groups,
            "hostvars": lambda: self.hostvars,
            "play_hosts": self.active_hosts,
            "ansible_play_hosts": self.active_hosts,
            "ansible_play_batch": self.active_hosts,
            "ansible_play_hosts_all": lambda: list(self.hosts),
            "ansible_play_name": lambda: self.play.title,
            "platform": lambda: platform,
            "ansible_network_os": lambda: platform,
            "ansible_check_mode": lambda: ctx.check,
            "netraven_flags": lambda: {
                name: state.on_for(host.name, host_tags(host)) for name, state in ctx.flags.items()
            },
            "playbook_dir": lambda: str(ctx.templates.base_dir.resolve()),
        }
        if role is not None:
            makers["role_name"] = lambda: role.name
            makers["role_path"] = lambda: str(role.path)
        return LazyMapping(makers)


def task_scope(
    ctx: JobContext, play: PlayVars, host: Host, node: TaskNode, extra: Mapping[str, Any] | None
) -> VarScope:
    """The scope one task renders in; ``extra`` holds loop or rescue variables."""
    role = node.scope.role
    layers: list[Layer] = []
    if role is not None and role.defaults:
        layers.append(Layer(role.defaults))
    layers.append(Layer(ctx.inventory_vars(host)))
    layers.append(Layer(play.play.vars))
    if role is not None and role.vars:
        layers.append(Layer(role.vars))
    layers += [Layer(v) for v in node.scope.var_layers]
    layers.append(Layer(ctx.registered.setdefault(host.name, {}), templated=False))
    if role is not None and role.params:
        layers.append(Layer(role.params))
    layers.append(Layer(play.magic(host, node), templated=False))
    if extra:
        layers.append(Layer(extra, templated=False))
    layers.append(Layer(ctx.extra_vars))
    return VarScope(ctx.templates, layers)
