"""User plugins: task actions, Jinja2 filters and connection kinds, found at load time.

A project keeps them in a ``plugins/`` folder beside its playbook (or beside the
playbook's folder, the ``playbooks/`` + ``plugins/`` layout), one module per file:

    plugins/actions/*.py      def actions() -> list[ActionPlugin]
    plugins/filters/*.py      def filters() -> dict[str, Callable]
    plugins/connections/*.py  def connections() -> list[ConnectionPlugin]

An installed package offers the same functions through the entry point groups
``netraven.actions``, ``netraven.filters`` and ``netraven.connections``. Everything is
loaded while the playbook is — before its schema is checked — so a plugin action's key
is known to the schema, a plugin filter to the template syntax check, and a plugin that
cannot be imported is an ``InputError`` naming its file (exit 5) before any device is
contacted. Plugins are ordinary Python run in the NetRaven process: review them as you
would any code you run. See ``docs/plugins.md``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel

from netraven.errors import InputError

if TYPE_CHECKING:
    from netraven.connections.base import Connection, ConnectionRegistry, HostParams
    from netraven.engine.actions import ActionResult, Step

__all__ = [
    "ENTRY_POINT_GROUPS",
    "ActionPlugin",
    "ConnectionPlugin",
    "Plugins",
    "discover",
    "plugin_dirs",
]

ENTRY_POINT_GROUPS = {
    "actions": "netraven.actions",
    "filters": "netraven.filters",
    "connections": "netraven.connections",
}
_PROVIDERS = {"actions": "actions", "filters": "filters", "connections": "connections"}


@runtime_checkable
class ActionPlugin(Protocol):
    """A task kind written as ``NAME: ARGS`` in a task, beside ``name``, ``when``, ``loop``…

    ``device`` says whether it talks to the host (then it runs under the play's retry
    policy and its connection is check-mode guarded); ``args_model`` (a pydantic model,
    or ``None`` for any value) checks the arguments at load time — values that are
    templates are checked again once rendered. ``__call__`` gets the rendered, validated
    arguments and returns an ``ActionResult``; raise ``TaskFailed`` to fail the task.
    """

    name: str
    device: bool
    args_model: type[BaseModel] | None

    async def __call__(self, step: Step, args: Any) -> ActionResult: ...


@runtime_checkable
class ConnectionPlugin(Protocol):
    """A connection kind hosts select with ``data.connection: NAME``.

    ``platforms`` are netmiko device_type names (``"*"`` for any); ``managed_args`` the
    driver arguments it sets from the inventory, which ``connection_extras`` may not repeat.
    Calling it with a host's ``HostParams`` gives an unopened ``Connection``. An optional
    ``telnet_platforms`` attribute names the platforms it also reaches over Telnet
    (``HostParams.transport == "telnet"``); without it, Telnet hosts are refused at plan time.
    """

    name: str
    platforms: frozenset[str]
    managed_args: frozenset[str]

    def __call__(self, params: HostParams) -> Connection: ...


@dataclass
class Plugins:
    """Every plugin one playbook sees, by name, and where each came from (for errors)."""

    actions: dict[str, ActionPlugin] = field(default_factory=dict)
    filters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    connections: dict[str, ConnectionPlugin] = field(default_factory=dict)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)

    def register_connections(self, registry: ConnectionRegistry) -> ConnectionRegistry:
        """Add the plugin connection kinds to ``registry`` (a name it has is an InputError)."""
        for name, plugin in self.connections.items():
            if name in registry.kinds():
                raise InputError(
                    f"connection plugin '{name}' ({self.origins[('connections', name)]}) "
                    "shadows a built-in connection kind; rename it"
                )
            registry.register(
                name,
                plugin,
                plugin.platforms,
                frozenset(plugin.managed_args),
                frozenset(getattr(plugin, "telnet_platforms", frozenset())),
            )
        return registry


def plugin_dirs(playbook: Path) -> list[Path]:
    """``plugins/`` beside the playbook, then beside its folder; nearest first."""
    base = playbook.resolve().parent
    found = [d / "plugins" for d in (base, base.parent) if (d / "plugins").is_dir()]
    return list(dict.fromkeys(found))


_MODULES: dict[tuple[str, int, int], ModuleType] = {}


def _import_file(path: Path) -> ModuleType:
    """Import one plugin file under a name unique to its path (re-read when it changes)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _MODULES.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"netraven_plugins.{path.parent.name}.{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError("cannot import plugin", path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic and dataclasses resolve annotations through it
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        line = _line_in(exc, path)
        raise InputError(
            f"cannot import plugin: {type(exc).__name__}: {exc}", path=str(path), line=line
        ) from exc
    _MODULES[key] = module
    return module


def _line_in(exc: BaseException, path: Path) -> int | None:
    if isinstance(exc, SyntaxError) and exc.filename == str(path):
        return exc.lineno
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _provided(kind: str, provider: Any, origin: str) -> Any:
    """Call a module's ``actions()``/``filters()``/``connections()``; check its answer."""
    if not callable(provider):
        raise InputError(f"{origin}: {_PROVIDERS[kind]} must be a function")
    try:
        value = provider()
    except Exception as exc:
        raise InputError(
            f"{origin}: {_PROVIDERS[kind]}() failed: {type(exc).__name__}: {exc}"
        ) from exc
    if kind == "filters":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and callable(v) for k, v in value.items()
        ):
            raise InputError(f"{origin}: filters() must return a dict of name -> function")
        return value
    checked = ActionPlugin if kind == "actions" else ConnectionPlugin
    items = list(value) if isinstance(value, Iterable) else None
    if items is None or not all(isinstance(i, checked) for i in items):
        raise InputError(
            f"{origin}: {kind}() must return a list of {checked.__name__} (see docs/plugins.md)"
        )
    for item in items:
        if not isinstance(item.name, str) or not item.name.isidentifier():
            raise InputError(f"{origin}: plugin name {item.name!r} is not an identifier")
        model = getattr(item, "args_model", None)
        if kind == "actions" and not (
            model is None or (isinstance(model, type) and issubclass(model, BaseModel))
        ):
            raise InputError(f"{origin}: {item.name}.args_model must be a pydantic model or None")
    return {item.name: item for item in items}


def _add(plugins: Plugins, kind: str, found: dict[str, Any], origin: str, taken: set[str]) -> None:
    target: dict[str, Any] = getattr(plugins, kind)
    for name, value in found.items():
        if name in taken:
            raise InputError(f"{origin}: {kind[:-1]} '{name}' shadows a built-in one; rename it")
        if name in target:
            raise InputError(
                f"{origin}: {kind[:-1]} '{name}' is also defined by "
                f"{plugins.origins[(kind, name)]}; rename one"
            )
        target[name] = value
        plugins.origins[(kind, name)] = origin


def discover(
    playbook: Path,
    *,
    builtin_actions: Iterable[str] = (),
    builtin_filters: Iterable[str] = (),
    builtin_connections: Iterable[str] = (),
) -> Plugins:
    """Every plugin for ``playbook``: its folders first, then installed entry points.

    A plugin may not reuse a built-in name or another plugin's: which one runs would
    depend on discovery order, so it is an input error instead.
    """
    taken = {
        "actions": set(builtin_actions),
        "filters": set(builtin_filters),
        "connections": set(builtin_connections),
    }
    plugins = Plugins()
    for folder in plugin_dirs(playbook):
        for kind in ("actions", "filters", "connections"):
            directory = folder / kind
            if not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.py")):
                if path.name.startswith("_"):
                    continue
                module = _import_file(path)
                provider = getattr(module, _PROVIDERS[kind], None)
                if provider is None:
                    raise InputError(
                        f"a {kind} plugin module defines {_PROVIDERS[kind]}() "
                        "(see docs/plugins.md)",
                        path=str(path),
                    )
                _add(plugins, kind, _provided(kind, provider, str(path)), str(path), taken[kind])
    for kind, group in ENTRY_POINT_GROUPS.items():
        for entry in importlib.metadata.entry_points(group=group):
            origin = f"entry point {group}:{entry.name} ({entry.value})"
            try:
                provider = entry.load()
            except Exception as exc:
                raise InputError(
                    f"{origin}: cannot import plugin: {type(exc).__name__}: {exc}"
                ) from exc
            _add(plugins, kind, _provided(kind, provider, origin), origin, taken[kind])
    return plugins
