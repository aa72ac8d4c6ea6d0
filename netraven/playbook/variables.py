"""Variables as Ansible users expect them: layered by precedence, templated lazily at use.

Every string in a variable is a template. It is rendered when it is used — not when the
play is loaded — against the same layered scope, recursively, so ``desc: "uplink-{{
inventory_hostname }}"`` means the host's own name wherever ``desc`` is used. A variable
whose value needs itself (directly or through others) is a clear error naming the chain,
never a hang or a half-rendered line.

Values that came from a device or were set at run time (registered results, facts set by
``set_fact``) are data, never templates again: a device's output that happens to contain
``{{`` must not be evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from netraven.errors import TaskFailed

if TYPE_CHECKING:
    from netraven.playbook.templates import Templates

__all__ = ["Layer", "VarScope", "render_value"]

# A whole-value expression keeps its type: ``"{{ vlans }}"`` is the list, not its text.
_SINGLE = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.S)


class Layer:
    """One precedence level: a mapping, and whether its strings are templates."""

    __slots__ = ("templated", "values")

    def __init__(self, values: Mapping[str, Any], *, templated: bool = True) -> None:
        self.values = values
        self.templated = templated


class VarScope(Mapping[str, Any]):
    """The variables one task sees on one host, highest layer first on lookup.

    It is handed to Jinja2 as the context's parent, so only the names a template
    actually uses are looked up and rendered. Rendered values are cached for the life of
    the scope (one task on one host), so a variable used in many lines renders once.
    """

    def __init__(self, templates: Templates, layers: list[Layer]) -> None:
        self._templates = templates
        self._layers = layers[::-1]  # highest precedence first
        self._cache: dict[str, Any] = {}
        self._resolving: list[str] = []

    def child(self, *layers: Layer) -> VarScope:
        """This scope with more layers on top (loop items, block and task vars)."""
        return VarScope(self._templates, [*self._layers[::-1], *layers])

    def __contains__(self, key: object) -> bool:
        if key in self._cache:
            return True
        return any(key in layer.values for layer in self._layers) or (
            key in self._templates.env.globals
        )

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            pass
        for layer in self._layers:
            if key in layer.values:
                value = layer.values[key]
                if layer.templated:
                    value = self._resolve(key, value)
                self._cache[key] = value
                return value
        return self._templates.env.globals[key]

    def _resolve(self, key: str, value: Any) -> Any:
        if key in self._resolving:
            chain = " -> ".join([*self._resolving[self._resolving.index(key) :], key])
            raise TaskFailed(f"variable '{key}' refers to itself ({chain})")
        self._resolving.append(key)
        try:
            return render_value(self._templates, value, self)
        finally:
            self._resolving.pop()

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for layer in self._layers:
            for key in layer.values:
                if key not in seen:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flat(self) -> dict[str, Any]:
        """Every variable rendered (for ``debug: var=vars``-like uses); costly, rarely needed."""
        return {key: self[key] for key in self}


def render_value(templates: Templates, value: Any, scope: Mapping[str, Any]) -> Any:
    """A value with every string in it rendered; a lone ``{{ expr }}`` keeps its type."""
    if isinstance(value, str):
        if "{" not in value:
            return value
        single = _SINGLE.match(value)
        if single is not None:
            return templates.evaluate(single.group("expr").strip(), scope, source=value)
        return templates.render(value, scope)
    if isinstance(value, dict):
        return {k: render_value(templates, v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(templates, v, scope) for v in value]
    return value
