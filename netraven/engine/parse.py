"""Turning a command's text output into a list of dicts: textfsm, ntc-templates or ttp.

Pure functions, so the engine can run them in a worker thread on large outputs. The
parser libraries are imported inside the functions: ``netraven validate`` and ``--help``
must not pay for them, and a playbook without ``parse:`` never loads them.

A parser that cannot do its job (no ntc-templates entry for the platform and command, a
broken template, a textfsm ``Error`` state, a ttp exception) raises ``TaskFailed``: a
``parse:`` task never succeeds with data it did not really parse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netraven.errors import InputError, TaskFailed
from netraven.playbook.parse_schema import ParseSpec

__all__ = ["Parsed", "check_template", "parse_output", "template_path"]

Parsed = list[dict[str, Any]]

# netmiko's own rule: ntc-templates indexes IOS-XE commands under cisco_ios, so a
# cisco_xe host whose command has no cisco_xe entry is parsed as cisco_ios.
_PLATFORM_FALLBACK = {"cisco_xe": "cisco_ios"}


def template_path(spec: ParseSpec, search: tuple[Path, ...]) -> Path:
    """Where the spec's template file is: the first of ``search`` that has it, as Ansible
    looks in a role's ``templates/`` before the playbook's directory (the last entry)."""
    name = spec.template_file
    assert name is not None and search
    for directory in search:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return search[-1] / name


def check_template(spec: ParseSpec, search: tuple[Path, ...]) -> None:
    """Load-time check of the template file; ``InputError`` without file/line (caller adds).

    A textfsm template is compiled too (textfsm is small); a ttp template is only read,
    as ttp reports template problems when it parses.
    """
    if spec.kind == "ntc_templates":
        return
    path = template_path(spec, search)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"template file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read template file {path}: {exc}") from None
    if spec.kind == "textfsm":
        import io

        import textfsm

        try:
            textfsm.TextFSM(io.StringIO(text))
        except textfsm.Error as exc:
            raise InputError(f"textfsm template {path}: {exc}") from None


def parse_output(
    spec: ParseSpec, text: str, *, platform: str, command: str, search: tuple[Path, ...]
) -> Parsed:
    """``text`` (one command's output) as a list of dicts, as the parser gives them.

    ``platform`` (netmiko name) and ``command`` (as sent) are ntc-templates' defaults when
    the spec does not name its own; ``search`` is where template files are looked for.
    """
    if spec.kind == "ntc_templates":
        return _ntc_templates(text, spec.os_name or platform, spec.command or command)
    path = template_path(spec, search)
    try:
        template = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFailed(f"parse: cannot read template file {path}: {exc}") from None
    if spec.kind == "textfsm":
        return _textfsm(text, template, path)
    return _ttp(text, template, path)


def _textfsm(text: str, template: str, path: Path) -> Parsed:
    import io

    import textfsm

    try:
        fsm = textfsm.TextFSM(io.StringIO(template))
        rows = fsm.ParseText(text)
    except textfsm.Error as exc:
        raise TaskFailed(f"parse: textfsm template {path}: {exc}") from None
    # Keys exactly as the template's Value names, as Ansible's textfsm parser gives them.
    return [dict(zip(fsm.header, row, strict=True)) for row in rows]


def _ntc_templates(text: str, platform: str, command: str) -> Parsed:
    from ntc_templates.parse import ParsingException
    from ntc_templates.parse import parse_output as ntc_parse
    from textfsm import Error as TextFSMError

    tried = [platform]
    fallback = _PLATFORM_FALLBACK.get(platform)
    while True:
        try:
            parsed: Parsed = ntc_parse(platform=tried[-1], command=command, data=text)
            return parsed
        except ParsingException:
            if fallback is None or fallback in tried:
                raise TaskFailed(
                    f"parse: ntc-templates has no template for '{command}' on {' or '.join(tried)}"
                ) from None
            tried.append(fallback)
        except TextFSMError as exc:
            raise TaskFailed(
                f"parse: ntc-templates could not parse '{command}' on {tried[-1]}: {exc}"
            ) from None


def _ttp(text: str, template: str, path: Path) -> Parsed:
    """ttp's ``flat_list`` result: one dict per match, or per named group's top result.

    A template without named groups gives one dict per match; ``<group name="x">`` gives
    one dict ``{"x": [...]}`` per input, as ttp structures it. Matches that captured
    nothing (ttp's ``{}``) are dropped.
    """
    from ttp import ttp

    try:
        parser = ttp(data=text, template=template)
        parser.parse(one=True)
        result = parser.result(structure="flat_list")
    except Exception as exc:  # ttp raises whatever its XML and regex layers raise
        raise TaskFailed(f"parse: ttp template {path}: {type(exc).__name__}: {exc}") from None
    return _dicts(result, path)


def _dicts(items: Any, path: Path) -> Parsed:
    out: Parsed = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, list):
            out.extend(_dicts(item, path))
        elif isinstance(item, dict):
            if item:
                out.append(item)
        else:
            raise TaskFailed(
                f"parse: ttp template {path} gave a {type(item).__name__}, not a mapping"
            )
    return out
