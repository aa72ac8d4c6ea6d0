"""Ansible-style ``-e``: ``k=v`` pairs, inline YAML/JSON, or ``@file``."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from netraven.errors import InputError
from netraven.yamlfile import load_yaml


def parse_extra_vars(values: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for value in values:
        value = value.strip()
        if value.startswith("@"):
            data = load_yaml(Path(value[1:]))
            if not isinstance(data, dict):
                raise InputError("extra vars file must hold a mapping", path=value[1:])
            result.update(data)
        elif value.startswith("{"):
            try:
                data = yaml.safe_load(value)
            except yaml.YAMLError as exc:
                raise InputError(f"-e: invalid YAML/JSON: {exc}") from None
            if not isinstance(data, dict):
                raise InputError("-e: expected a mapping")
            result.update(data)
        else:
            for pair in shlex.split(value):
                key, sep, val = pair.partition("=")
                if not sep or not key.isidentifier():
                    raise InputError(f"-e: expected key=value, got '{pair}'")
                result[key] = val
    return result


def split_tags(values: list[str]) -> frozenset[str]:
    return frozenset(t.strip() for v in values for t in v.split(",") if t.strip())
