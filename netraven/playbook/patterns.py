"""Ansible's host-pattern grammar over a Nornir inventory.

``all``, names (with ``*`` globs), ``tag:NAME``, ``~regex``; terms joined by ``:`` or
``,``; ``&term`` intersects and ``!term`` removes, regardless of their position.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from nornir.core.inventory import Inventory

from netraven.errors import InputError
from netraven.inventory import host_tags


@dataclass
class Selection:
    hosts: list[str]
    warnings: list[str] = field(default_factory=list)


def split_pattern(pattern: str) -> list[str]:
    pattern = pattern.strip()
    if "," in pattern or pattern.startswith("~"):
        parts = pattern.split(",")
    else:
        parts = pattern.split(":")
        # Rejoin "tag:NAME" which the split above broke in two.
        joined: list[str] = []
        for part in parts:
            if joined and joined[-1].lstrip("&!") == "tag":
                joined[-1] = f"{joined[-1]}:{part}"
            else:
                joined.append(part)
        parts = joined
    return [p.strip() for p in parts if p.strip()]


def _term(inventory: Inventory, term: str, strict: bool) -> tuple[set[str], str | None]:
    hosts = inventory.hosts
    if term in ("all", "*"):
        return set(hosts), None
    if term.startswith("tag:"):
        tag = term[4:]
        found = {n for n, h in hosts.items() if tag in host_tags(h)}
        return found, None if found else f"no host has tag '{tag}'"
    if term.startswith("~"):
        try:
            regex = re.compile(term[1:])
        except re.error as exc:
            raise InputError(f"invalid host pattern regex '{term}': {exc}") from None
        found = {n for n in hosts if regex.match(n)}
        return found, None if found else f"pattern '{term}' matched no host"
    if term in hosts:
        return {term}, None
    if term in inventory.groups:
        found = {n for n, h in hosts.items() if h.has_parent_group(term)}
        return found, None if found else f"group '{term}' has no hosts"
    if any(c in term for c in "*?["):
        found = {n for n in hosts if fnmatch.fnmatchcase(n, term)}
        for group in inventory.groups:
            if fnmatch.fnmatchcase(group, term):
                found |= {n for n, h in hosts.items() if h.has_parent_group(group)}
        return found, None if found else f"pattern '{term}' matched no host"
    if strict:
        raise InputError(f"unknown host or group '{term}' in pattern")
    return set(), f"'{term}' is not a host or group"


def select(inventory: Inventory, pattern: str) -> Selection:
    """Hosts matched by ``pattern`` in inventory order; unknown literal names are errors."""
    union: set[str] = set()
    intersections: list[set[str]] = []
    removals: set[str] = set()
    warnings: list[str] = []
    terms = split_pattern(pattern)
    if not terms:
        raise InputError("empty host pattern")
    for raw in terms:
        if raw.startswith("&"):
            found, warning = _term(inventory, raw[1:], strict=True)
            intersections.append(found)
        elif raw.startswith("!"):
            found, warning = _term(inventory, raw[1:], strict=False)
            removals |= found
            warning = None
        else:
            found, warning = _term(inventory, raw, strict=True)
            union |= found
        if warning:
            warnings.append(warning)
    for found in intersections:
        union &= found
    union -= removals
    return Selection([n for n in inventory.hosts if n in union], warnings)
