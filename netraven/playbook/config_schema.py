"""The ``config:`` task: ios_config's options, spelled as Ansible users write them.

The model only checks each key on its own (types, choices); the rules that tie keys
together live in :func:`config_problems`, so the loader can point each mistake at the
line of the key that is wrong instead of at the ``config:`` line.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

__all__ = ["ConfigAction", "config_problems"]

Match = Literal["line", "strict", "exact", "none"]
Replace = Literal["line", "block"]
SaveWhen = Literal["always", "never", "modified", "changed"]
DiffAgainst = Literal["running", "startup", "intended"]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class ConfigAction(BaseModel):
    """Lines that must be present in the running config; only what differs is sent.

    ``src`` is Ansible's name for a Jinja2 template file; ``template`` is NetRaven's
    older spelling of the same thing and stays accepted. ``save: true`` is the older
    spelling of ``save_when: changed``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: list[str] | None = None
    src: str | None = None
    template: str | None = None
    parents: list[str] = []
    before: list[str] = []
    after: list[str] = []
    match: Match = "line"
    replace: Replace = "line"
    save_when: SaveWhen | None = None
    save: bool | None = None
    diff_against: DiffAgainst = "running"
    intended_config: str | None = None
    diff_ignore_lines: list[str] = []

    _norm = field_validator(
        "lines", "parents", "before", "after", "diff_ignore_lines", mode="before"
    )(_as_list)

    @model_validator(mode="after")
    def _one_source(self) -> ConfigAction:
        given = [k for k in ("lines", "src", "template") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give at most one of 'lines', 'src' or 'template' (got {given})")
        return self

    @property
    def template_file(self) -> str | None:
        return self.src if self.src is not None else self.template

    @property
    def effective_save_when(self) -> SaveWhen:
        if self.save_when is not None:
            return self.save_when
        return "changed" if self.save else "never"

    @property
    def has_lines(self) -> bool:
        return self.lines is not None or self.template_file is not None


def config_problems(spec: ConfigAction) -> list[tuple[tuple[str | int, ...], str]]:
    """(location under ``config``, message) for each rule that ties options together."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if spec.save is not None and spec.save_when is not None:
        problems.append((("save",), "give 'save_when' or the older 'save', not both"))
    if not spec.has_lines and not (
        spec.diff_against in ("startup", "intended")
        or spec.effective_save_when in ("always", "modified")
    ):
        problems.append(
            (
                (),
                "give 'lines' or 'src', or something else to do ('save_when: always|modified', "
                "'diff_against: startup|intended')",
            )
        )
    if spec.lines is not None and not spec.lines and not spec.parents:
        problems.append((("lines",), "give at least one line"))
    if spec.parents and spec.lines is None:
        problems.append(
            (("parents",), "'parents' needs 'lines' (a template file is a whole config)")
        )
    for key in ("parents", "before", "after"):
        for i, line in enumerate(getattr(spec, key)):
            if not line.strip():
                problems.append(((key, i), "an empty line"))
    if spec.match in ("strict", "exact"):
        if spec.lines is None or not spec.parents:
            problems.append(
                (
                    ("match",),
                    f"'match: {spec.match}' compares one section: it needs 'parents' and 'lines'",
                )
            )
        for i, line in enumerate(spec.lines or []):
            if line[:1].isspace():
                problems.append(
                    (("lines", i), f"'match: {spec.match}' takes the section's lines unindented")
                )
    if spec.match == "none" and not spec.has_lines:
        problems.append((("match",), "'match: none' sends the lines: give 'lines' or 'src'"))
    if spec.replace == "block" and not spec.has_lines:
        problems.append((("replace",), "'replace: block' needs 'lines' or 'src'"))
    if spec.diff_against == "intended" and spec.intended_config is None:
        problems.append((("diff_against",), "'diff_against: intended' needs 'intended_config'"))
    if spec.intended_config is not None and spec.diff_against != "intended":
        problems.append((("intended_config",), "only used with 'diff_against: intended'"))
    for i, pattern in enumerate(spec.diff_ignore_lines):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append((("diff_ignore_lines", i), f"invalid regular expression: {exc}"))
    return problems
