"""``lookup()`` / ``query()`` / ``q()`` with Ansible's env, file and template lookups.

Semantics follow Ansible's lookup documentation: ``lookup`` joins several string results
with commas and gives a single result as itself, ``query`` (and ``q``) always gives a
list; ``errors='ignore'`` or ``'warn'`` turns a failure into ``None`` (``[]`` for query).
Relative paths are looked up next to the playbook, in ``files/`` (``templates/`` for
templates) first, as Ansible searches a play's directory.
"""

from __future__ import annotations

import logging
import os
from collections import ChainMap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from netraven.playbook.filters import FilterError

log = logging.getLogger(__name__)

_Plugin = Callable[[jinja2.runtime.Context, tuple[Any, ...], dict[str, Any]], list[Any]]


class Lookups:
    """The lookup plugins of one playbook, resolving files against its directory."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self._plugins: dict[str, _Plugin] = {
            "env": self._env,
            "file": self._file,
            "template": self._template,
        }
        self._templates: dict[str, jinja2.Template] = {}

    def globals(self) -> dict[str, Any]:
        """``lookup``, ``query`` and ``q`` for a Jinja2 environment's globals."""

        @jinja2.pass_context
        def lookup(context: jinja2.runtime.Context, name: str, *terms: Any, **kw: Any) -> Any:
            wantlist = bool(kw.pop("wantlist", False))
            results = self.run(context, name, terms, kw)
            if results is None or wantlist:
                return results
            if all(isinstance(r, str) for r in results) and results:
                return ",".join(results)
            return results[0] if len(results) == 1 else results

        @jinja2.pass_context
        def query(context: jinja2.runtime.Context, name: str, *terms: Any, **kw: Any) -> Any:
            kw.pop("wantlist", None)
            results = self.run(context, name, terms, kw)
            return [] if results is None else results

        return {"lookup": lookup, "query": query, "q": query}

    def run(
        self, context: jinja2.runtime.Context, name: str, terms: tuple[Any, ...], kw: dict[str, Any]
    ) -> list[Any] | None:
        errors = kw.pop("errors", "strict")
        if errors not in ("strict", "warn", "ignore"):
            raise FilterError(f"lookup('{name}'): errors must be strict, warn or ignore")
        plugin = self._plugins.get(name)
        if plugin is None:
            known = ", ".join(sorted(self._plugins))
            raise FilterError(f"unknown lookup '{name}' (available: {known})")
        try:
            return plugin(context, terms, kw)
        except jinja2.UndefinedError:
            raise
        except Exception as exc:
            message = f"lookup('{name}'): {exc}"
            if errors == "strict":
                raise FilterError(message) from exc
            if errors == "warn":
                log.warning("%s", message)
            return None

    # --- plugins ---------------------------------------------------------------------

    def _env(self, _ctx: Any, terms: tuple[Any, ...], kw: dict[str, Any]) -> list[Any]:
        default = kw.pop("default", "")
        _no_more(kw)
        return [os.environ.get(str(term), default) for term in terms]

    def _file(self, _ctx: Any, terms: tuple[Any, ...], kw: dict[str, Any]) -> list[Any]:
        lstrip = bool(kw.pop("lstrip", False))
        rstrip = bool(kw.pop("rstrip", True))
        _no_more(kw)
        contents = []
        for term in terms:
            text = self._find(str(term), "files").read_text(encoding="utf-8")
            if lstrip:
                text = text.lstrip()
            if rstrip:
                text = text.rstrip()
            contents.append(text)
        return contents

    def _template(
        self, context: jinja2.runtime.Context, terms: tuple[Any, ...], kw: dict[str, Any]
    ) -> list[Any]:
        extra = kw.pop("template_vars", None) or {}
        _no_more(kw)
        # The caller's scope is looked up lazily (a chain, not a copy): copying it would
        # render every variable the play knows, and fail on ones this template never uses.
        variables = ChainMap(dict(extra), context.vars, context.parent)
        rendered = []
        for term in terms:
            path = self._find(str(term), "templates")
            template = self._templates.get(str(path))
            if template is None:
                source = path.read_text(encoding="utf-8")
                template = self._templates[str(path)] = context.environment.from_string(source)
            scoped = template.new_context(variables, shared=True)  # type: ignore[arg-type]
            rendered.append(template.environment.concat(template.root_render_func(scoped)))  # type: ignore[attr-defined]
        return rendered

    def _find(self, name: str, subdir: str) -> Path:
        path = Path(name)
        candidates = (
            [path] if path.is_absolute() else [self.base_dir / subdir / path, self.base_dir / path]
        )
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        tried = ", ".join(str(c) for c in candidates)
        raise FileNotFoundError(f"could not locate file {name!r} (looked in {tried})")


def _no_more(kw: dict[str, Any]) -> None:
    if kw:
        raise TypeError(f"unexpected option(s): {', '.join(sorted(kw))}")
