"""Jinja2 rendering with StrictUndefined, compiled once per playbook.

An undefined variable must fail the host's task with a clear message, never render
empty: a config line with a blank where an address should be is worse than no line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from netraven.errors import InputError, TaskFailed
from netraven.playbook.filters import data_filters, named
from netraven.playbook.lookups import Lookups
from netraven.playbook.netfilters import network_filters


class _Undefined(jinja2.ChainableUndefined, jinja2.StrictUndefined):
    """Strict, yet ``foo.bar | default(x)`` works when ``foo`` is undefined, as in Ansible.

    Attribute and item access on an undefined value give the same undefined value; any
    use of it (printing, comparing, iterating, testing truth) still fails the task and
    names the first missing variable.
    """

    __slots__ = ()


def _finalize(value: Any) -> Any:
    """``{{ none }}`` renders empty, as Ansible does (``regex_search`` on no match)."""
    return "" if value is None else value


class Templates:
    """Compiles each template source once; renders many times, one per host."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.env = ImmutableSandboxedEnvironment(
            undefined=_Undefined,
            finalize=_finalize,
            loader=jinja2.FileSystemLoader(str(base_dir)),
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(data_filters())
        self.env.filters.update({n: named(n, f) for n, f in network_filters().items()})
        self.env.globals.update(Lookups(base_dir).globals())
        self._strings: dict[str, jinja2.Template] = {}
        self._expressions: dict[str, Callable[..., Any]] = {}

    def check_string(self, source: str, where: str) -> None:
        try:
            self._compile(source)
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"{where}: template syntax error: {exc.message}") from None

    def check_expression(self, source: str, where: str) -> None:
        try:
            self._expression(source)
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"{where}: expression syntax error: {exc.message}") from None

    def check_file(self, name: str) -> None:
        path = self.base_dir / name
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise InputError("template file not found", path=str(path)) from None
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(
                f"template syntax error: {exc.message}", path=str(path), line=exc.lineno
            ) from None

    def _compile(self, source: str) -> jinja2.Template:
        template = self._strings.get(source)
        if template is None:
            template = self._strings[source] = self.env.from_string(source)
        return template

    def _expression(self, source: str) -> Callable[..., Any]:
        expr = self._expressions.get(source)
        if expr is None:
            expr = self._expressions[source] = self.env.compile_expression(
                source, undefined_to_none=False
            )
        return expr

    def render(self, source: str, variables: dict[str, Any]) -> str:
        if "{" not in source:
            return source
        try:
            return self._compile(source).render(variables)
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in template '{source}': {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TaskFailed(f"template error in '{source}': {exc}") from None
        except Exception as exc:  # a template may raise anything (e.g. 1/0, 'a' + 1)
            raise TaskFailed(f"template error in '{source}': {exc}") from None

    def render_file(self, name: str, variables: dict[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(variables)
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in template {name}: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TaskFailed(f"template error in {name}: {exc}") from None
        except Exception as exc:  # a template may raise anything (e.g. 1/0, 'a' + 1)
            raise TaskFailed(f"template error in {name}: {exc}") from None

    def evaluate(self, expression: str | bool, variables: dict[str, Any]) -> Any:
        if isinstance(expression, bool):
            return expression
        try:
            return self._expression(expression)(**variables)
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in '{expression}': {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TaskFailed(f"cannot evaluate '{expression}': {exc}") from None
        except Exception as exc:  # a user expression may raise anything (e.g. 1/0)
            raise TaskFailed(f"cannot evaluate '{expression}': {exc}") from None
