"""Jinja2 rendering with StrictUndefined, compiled once per playbook.

An undefined variable must fail the host's task with a clear message, never render
empty: a config line with a blank where an address should be is worse than no line.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from netraven.errors import InputError, TaskFailed
from netraven.playbook.filters import data_filters, named
from netraven.playbook.lookups import Lookups
from netraven.playbook.netfilters import network_filters
from netraven.playbook.repo import RepoLoader, is_repo_ref
from netraven.playbook.variables import VarScope
from netraven.plugins import Plugins


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


@jinja2.pass_context
def _flag(context: jinja2.runtime.Context, name: str) -> bool:
    """``flag('new_ntp')``: is the feature flag on for this host in this job (docs/flags.md)."""
    flags = context.get("netraven_flags")
    if not isinstance(flags, Mapping):
        raise TaskFailed(f"flag('{name}'): feature flags are only known on a host in a job")
    if name not in flags:
        declared = ", ".join(sorted(flags)) or "none"
        raise TaskFailed(
            f"flag('{name}'): no such feature flag in netraven.toml (declared: {declared})"
        )
    return bool(flags[name])


class Templates:
    """Compiles each template source once; renders many times, one per host."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.repo = RepoLoader()  # repo:NAME templates (netraven/playbook/repo.py)
        self._files = jinja2.FileSystemLoader(str(base_dir))
        self.env = ImmutableSandboxedEnvironment(
            undefined=_Undefined,
            finalize=_finalize,
            loader=jinja2.ChoiceLoader([self.repo, self._files]),
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(data_filters())
        self.env.filters.update({n: named(n, f) for n, f in network_filters().items()})
        self.env.globals.update(Lookups(base_dir).globals())
        self.env.globals["flag"] = _flag
        self._strings: dict[str, jinja2.Template] = {}
        self.plugins = Plugins()  # the playbook's user plugins (netraven/plugins.py)
        self._expressions: dict[str, jinja2.Template] = {}

    def use_plugins(self, plugins: Plugins) -> None:
        """Add the plugin filters; call before any template is compiled or checked."""
        self.plugins = plugins
        self.env.filters.update({n: named(n, f) for n, f in plugins.filters.items()})

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
        if is_repo_ref(name) and self.repo.source is None:
            return  # checked when the run attaches the repository (app.runs)
        path = self.base_dir / name
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise InputError("template file not found", path=str(path)) from None
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(
                f"template syntax error: {exc.message}", path=str(path), line=exc.lineno
            ) from None

    def add_search_dir(self, directory: Path) -> None:
        """Let templates of a role or imported playbook outside the playbook's folder load."""
        if str(directory) not in self._files.searchpath:
            self._files.searchpath.append(str(directory))

    def _compile(self, source: str) -> jinja2.Template:
        template = self._strings.get(source)
        if template is None:
            template = self._strings[source] = self.env.from_string(source)
        return template

    def _expression(self, source: str) -> jinja2.Template:
        """An expression as a one-statement template, so it can run in a shared context.

        ``compile_expression`` would copy the variables into a dict (rendering them all);
        it is still used first to reject anything that is not a single expression.
        """
        expr = self._expressions.get(source)
        if expr is None:
            self.env.compile_expression(source)
            expr = self._expressions[source] = self.env.from_string(
                "{% set __netraven_result = (" + source + ") %}"
            )
        return expr

    def _scope(self, variables: Mapping[str, Any]) -> Mapping[str, Any]:
        if isinstance(variables, VarScope):
            return variables  # it falls back to the environment's globals itself
        return ChainMap(dict(variables), self.env.globals)

    def _run(self, template: jinja2.Template, variables: Mapping[str, Any]) -> str:
        context = template.new_context(self._scope(variables), shared=True)  # type: ignore[arg-type]
        return str(self.env.concat(template.root_render_func(context)))  # type: ignore[attr-defined]

    def render(self, source: str, variables: Mapping[str, Any]) -> str:
        if "{" not in source:
            return source
        try:
            return self._run(self._compile(source), variables)
        except TaskFailed:
            raise
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in template '{source}': {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TaskFailed(f"template error in '{source}': {exc}") from None
        except Exception as exc:  # a template may raise anything (e.g. 1/0, 'a' + 1)
            raise TaskFailed(f"template error in '{source}': {exc}") from None

    def render_file(self, name: str, variables: Mapping[str, Any]) -> str:
        try:
            return self._run(self.env.get_template(name), variables)
        except TaskFailed:
            raise
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in template {name}: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TaskFailed(f"template error in {name}: {exc}") from None
        except Exception as exc:  # a template may raise anything (e.g. 1/0, 'a' + 1)
            raise TaskFailed(f"template error in {name}: {exc}") from None

    def evaluate(
        self, expression: str | bool, variables: Mapping[str, Any], *, source: str | None = None
    ) -> Any:
        """The value of an expression; an undefined result fails, it never reads as false."""
        if isinstance(expression, bool):
            return expression
        shown = source if source is not None else expression
        try:
            template = self._expression(expression)
            context = template.new_context(self._scope(variables), shared=True)  # type: ignore[arg-type]
            for _ in template.root_render_func(context):  # type: ignore[attr-defined]
                pass
            value = context.vars["__netraven_result"]
            if isinstance(value, jinja2.Undefined):
                str(value)  # StrictUndefined raises, naming the missing variable
            return value
        except TaskFailed:
            raise
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in '{shown}': {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TaskFailed(f"cannot evaluate '{shown}': {exc}") from None
        except Exception as exc:  # a user expression may raise anything (e.g. 1/0)
            raise TaskFailed(f"cannot evaluate '{shown}': {exc}") from None

    def truth(self, expression: str | bool, variables: Mapping[str, Any]) -> bool:
        """A condition (``when``, ``changed_when``…): a bare string ``"true"`` is not true."""
        value = self.evaluate(expression, variables)
        try:
            return bool(value)
        except jinja2.UndefinedError as exc:
            raise TaskFailed(f"undefined variable in '{expression}': {exc.message}") from None
