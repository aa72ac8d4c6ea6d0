"""Ansible-style ``-e``: ``k=v`` pairs, inline YAML/JSON, or ``@file``."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from netraven.errors import InputError
from netraven.yamlfile import load_yaml_with_secrets


def parse_extra_vars(
    values: list[str], vault_password: bytes | None = None, secrets: list[str] | None = None
) -> dict[str, Any]:
    """``secrets`` receives the plaintexts of ``!vault`` values in ``@file``s (to redact)."""
    result: dict[str, Any] = {}
    for value in values:
        value = value.strip()
        if value.startswith("@"):
            data, vaulted = load_yaml_with_secrets(Path(value[1:]), vault_password)
            if secrets is not None:
                secrets += vaulted
            if not isinstance(data, dict):
                raise InputError("extra vars file must hold a mapping", path=value[1:])
            result.update(data)
        elif value.startswith("{"):
            try:
                data = yaml.safe_load(value)
            except yaml.YAMLError as exc:
                # Not str(exc): PyYAML quotes the offending text, which may be a secret.
                raise InputError(f"-e: invalid YAML/JSON{_where(exc)}") from None
            if not isinstance(data, dict):
                raise InputError("-e: expected a mapping")
            result.update(data)
        else:
            try:
                pairs = shlex.split(value)
            except ValueError:
                raise InputError("-e: unbalanced quotes") from None
            for number, pair in enumerate(pairs, 1):
                key, sep, val = pair.partition("=")
                if not sep or not key.isidentifier():
                    # Not echoed: a value given without its key (or a typo in it) is still secret.
                    raise InputError(
                        f"-e: expected key=value in item {number} (not shown: may be secret)"
                    )
                result[key] = val
    return result


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{where}: {problem}" if problem else where


def split_tags(values: list[str]) -> frozenset[str]:
    return frozenset(t.strip() for v in values for t in v.split(",") if t.strip())
