"""Read a playbook file into validated plays, checking every template before any run."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from netraven.errors import InputError, InputErrors
from netraven.playbook.config_schema import ConfigAction, config_problems
from netraven.playbook.schema import Play
from netraven.playbook.templates import Templates
from netraven.yamlfile import line_of, load_yaml_with_secrets

_PLAYS = TypeAdapter(list[Play])


@dataclass(frozen=True)
class Playbook:
    path: Path
    text: str
    sha256: str
    plays: list[Play]
    templates: Templates
    secrets: tuple[str, ...] = ()  # plaintexts of its ``!vault`` values, for redaction


def _field(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(
                ("." if parts else "")
                + {"assert_": "assert", "register_as": "register"}.get(part, part)
            )
    return "play" + "".join(parts) if loc and isinstance(loc[0], int) else "".join(parts)


def _schema_errors(file: Path, raw: object, exc: ValidationError) -> list[InputError]:
    """Every schema mistake, once each, top to bottom: the user fixes them in one go."""
    found: dict[str, InputError] = {}
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        problem = InputError(
            f"{_field(loc) or 'play'}: {message}", path=str(file), line=line_of(raw, loc)
        )
        found.setdefault(str(problem), problem)
    return sorted(found.values(), key=lambda e: e.line or 0)


def load_playbook(path: str | Path, vault_password: bytes | None = None) -> Playbook:
    file = Path(path)
    raw, vaulted = load_yaml_with_secrets(file, vault_password)
    if raw is None:
        raise InputError("playbook is empty", path=str(file))
    if not isinstance(raw, list):
        raise InputError("a playbook is a YAML list of plays", path=str(file), line=1)
    try:
        plays = _PLAYS.validate_python(raw)
    except ValidationError as exc:
        raise InputErrors.of(_schema_errors(file, raw, exc)) from None
    templates = Templates(file.parent)
    problems: list[InputError] = []
    for p_index, play in enumerate(plays):
        for t_index, task in enumerate(play.tasks):
            base = (p_index, "tasks", t_index)
            problems += _check_task(templates, file, raw, base, task)
    if problems:
        raise InputErrors.of(problems)
    text = file.read_text(encoding="utf-8")
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    return Playbook(file, text, sha256, plays, templates, tuple(vaulted))


def _check_config(
    spec: ConfigAction, file: Path, raw: object, base: tuple[int | str, ...]
) -> list[InputError]:
    """The config options that contradict each other, each at the line of its key."""
    found = [
        InputError(
            f"{_field((*base, *loc))}: {message}", path=str(file), line=line_of(raw, (*base, *loc))
        )
        for loc, message in config_problems(spec)
    ]
    return sorted(found, key=lambda e: e.line or 0)


def _check_task(
    templates: Templates, file: Path, raw: object, base: tuple[int | str, ...], task: object
) -> list[InputError]:
    """Every template and expression problem in one task (all are reported, not the first)."""
    from netraven.playbook.schema import Task

    assert isinstance(task, Task)
    problems: list[InputError] = []

    def check(kind: str, source: str | bool, loc: tuple[int | str, ...]) -> None:
        where = _field(loc)
        try:
            if kind == "expr":
                if isinstance(source, str):
                    templates.check_expression(source, where)
            elif isinstance(source, str):
                templates.check_string(source, where)
        except InputError as exc:
            problems.append(InputError(str(exc), path=str(file), line=line_of(raw, loc)))

    def check_file(name: str) -> None:
        try:
            templates.check_file(name)
        except InputError as exc:
            problems.append(exc)

    for i, command in enumerate(task.command or []):
        check("str", command, (*base, "command", i))
    for i, cond in enumerate(task.when):
        check("expr", cond, (*base, "when", i))
    if task.config is not None:
        problems += _check_config(task.config, file, raw, (*base, "config"))
        for key in ("lines", "parents", "before", "after"):
            for i, line in enumerate(getattr(task.config, key) or []):
                check("str", line, (*base, "config", key, i))
        if task.config.intended_config is not None:
            check("str", task.config.intended_config, (*base, "config", "intended_config"))
        if task.config.template_file is not None:
            check_file(task.config.template_file)
    if task.rollback is not None:
        for i, line in enumerate(task.rollback.lines or []):
            check("str", line, (*base, "rollback", "lines", i))
        if task.rollback.template is not None:
            check_file(task.rollback.template)
    if task.assert_ is not None:
        for i, cond in enumerate(task.assert_.that):
            check("expr", cond, (*base, "assert", "that", i))
        for key in ("fail_msg", "success_msg"):
            value = getattr(task.assert_, key)
            if value is not None:
                check("str", value, (*base, "assert", key))
    return problems
