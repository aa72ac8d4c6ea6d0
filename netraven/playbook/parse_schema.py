"""The ``parse:`` key of a command task: which parser turns its output into ``.parsed``.

Written the way an Ansible user already writes ``ansible.utils.cli_parse``'s ``parser:``
block, so both spellings are accepted: ``parser``/``name``, ``template``/``template_path``,
``platform``/``os``, and the parsers' fully-qualified names. Anything a parser would
silently ignore (a template for ntc-templates, a platform for textfsm) is an input error,
as is a parser NetRaven does not have: a key that does nothing is a mistake waiting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

__all__ = ["PARSER_NAMES", "ParseSpec", "ParserKind"]

ParserKind = Literal["textfsm", "ntc_templates", "ttp"]

# Every accepted spelling → NetRaven's parser. The fully-qualified names are those
# ansible.utils.cli_parse users write in ``parser: {name: …}``; Ansible itself spells the
# ntc-templates one ``ansible.netcommon.ntc_templates`` (the ``ansible.utils`` spelling is
# accepted too, as it is the one people guess).
PARSER_NAMES: dict[str, ParserKind] = {
    "textfsm": "textfsm",
    "ansible.utils.textfsm": "textfsm",
    "ntc_templates": "ntc_templates",
    "ansible.netcommon.ntc_templates": "ntc_templates",
    "ansible.utils.ntc_templates": "ntc_templates",
    "ttp": "ttp",
    "ansible.utils.ttp": "ttp",
}
# cli_parse parsers that NetRaven does not implement: said so, instead of "unknown".
_NOT_PROVIDED = ("native", "pyats", "json", "xml", "content_templates")


def _parser_kind(value: str) -> ParserKind:
    kind = PARSER_NAMES.get(value)
    if kind is not None:
        return kind
    if value.rsplit(".", 1)[-1] in _NOT_PROVIDED:
        raise ValueError(
            f"parser '{value}' is not provided by NetRaven; use textfsm, ntc_templates or ttp"
        )
    raise ValueError(f"unknown parser '{value}'; use one of {', '.join(PARSER_NAMES)}")


class ParseSpec(BaseModel):
    """One parser and what it needs; ``kind``, ``template_file`` and ``os`` resolve spellings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parser: str | None = None
    name: str | None = None  # Ansible's spelling of ``parser``
    template: str | None = None
    template_path: str | None = None  # Ansible's spelling of ``template``
    platform: str | None = None
    os: str | None = None  # Ansible's spelling of ``platform``
    command: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # ``parse: ntc_templates`` is ``parse: {parser: ntc_templates}``.
        return {"parser": data} if isinstance(data, str) else data

    @field_validator("parser", "name")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            _parser_kind(value)
        return value

    @field_validator("template", "template_path", "platform", "os", "command")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ParseSpec:
        for ours, ansible in (
            ("parser", "name"),
            ("template", "template_path"),
            ("platform", "os"),
        ):
            if getattr(self, ours) is not None and getattr(self, ansible) is not None:
                raise ValueError(f"give '{ours}' or its Ansible spelling '{ansible}', not both")
        if self.parser is None and self.name is None:
            raise ValueError("name the parser: textfsm, ntc_templates or ttp")
        if self.kind == "ntc_templates":
            if self.template_file is not None:
                raise ValueError(
                    "ntc_templates finds its template in its own index by "
                    "platform and command; for a template file use textfsm"
                )
        else:
            if self.template_file is None:
                raise ValueError(f"{self.kind} needs a template file ('template')")
            if self.os_name is not None or self.command is not None:
                raise ValueError(
                    f"{self.kind} uses only its template file; platform and "
                    "command are for ntc_templates"
                )
        return self

    @property
    def kind(self) -> ParserKind:
        source = self.parser if self.parser is not None else self.name
        assert source is not None
        return _parser_kind(source)

    @property
    def template_file(self) -> str | None:
        """The template path as written, relative to the playbook's directory."""
        return self.template if self.template is not None else self.template_path

    @property
    def os_name(self) -> str | None:
        """The ntc-templates platform given in the task; ``None`` means the host's."""
        return self.platform if self.platform is not None else self.os
