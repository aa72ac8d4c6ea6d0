"""What a RESTCONF merge (PATCH) would still change, and what the data looks like after it.

YANG JSON (RFC 7951) has containers (objects), lists (arrays of objects, one entry per key)
and leaf-lists (arrays of values). A merge adds or replaces leaves and list entries and
never removes anything, so "already configured" means: every leaf of the wanted content
has that value on the device and every wanted list entry is there (matched by its key).

Entries are matched by the list's key, taken to be an entry's first member: RFC 7950 puts
key leaves first in a list entry and devices (IOS-XE, Junos, EOS, the lab) keep that order
in their JSON. ``[null]`` (a YANG ``empty`` leaf, e.g. ``shutdown``) is a leaf-list here.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

__all__ = ["SAME", "merge", "missing", "pretty", "text_diff"]


class _Same:
    def __repr__(self) -> str:
        return "SAME"


SAME: Any = _Same()


def missing(wanted: Any, current: Any) -> Any:
    """The part of ``wanted`` the device does not have yet, or ``SAME``."""
    if isinstance(wanted, dict):
        if not isinstance(current, dict):
            return wanted
        out: dict[str, Any] = {}
        for key, value in wanted.items():
            have = _same_member(current, key)
            if have is None:
                out[key] = value
                continue
            sub = missing(value, current[have])
            if sub is not SAME:
                out[key] = sub
        return out or SAME
    if isinstance(wanted, list):
        if not isinstance(current, list):
            return wanted
        entries: list[Any] = []
        for entry in wanted:
            if isinstance(entry, dict) and entry:
                match = _entry(current, entry)
                if match is None:
                    entries.append(entry)
                    continue
                sub = missing(entry, match)
                if sub is not SAME:
                    key, value = next(iter(entry.items()))
                    entries.append({key: value, **sub})
            elif not any(_equal(entry, have) for have in current):
                entries.append(entry)
        return entries or SAME
    return SAME if _equal(wanted, current) else wanted


def merge(current: Any, patch: Any) -> Any:
    """``current`` with ``patch`` merged in, as the device will hold it after a PATCH."""
    if isinstance(patch, dict) and isinstance(current, dict):
        out = dict(current)
        for key, value in patch.items():
            have = _same_member(current, key)
            if have is None:
                out[key] = value
            else:
                out[have] = merge(current[have], value)
        return out
    if isinstance(patch, list) and isinstance(current, list):
        result = list(current)
        for entry in patch:
            if isinstance(entry, dict) and entry:
                match = _entry(result, entry)
                if match is not None:
                    result[result.index(match)] = merge(match, entry)
                    continue
            elif any(_equal(entry, have) for have in result):
                continue
            result.append(entry)
        return result
    return patch


def _same_member(current: dict[str, Any], key: str) -> str | None:
    """``key`` in ``current``, or the member with its local name (RFC 7951 qualifies a name
    only where the module changes; users and devices differ in where they write one)."""
    if key in current:
        return key
    local = key.rsplit(":", 1)[-1]
    found = [k for k in current if isinstance(k, str) and k.rsplit(":", 1)[-1] == local]
    return found[0] if len(found) == 1 else None


def _entry(entries: list[Any], wanted: dict[str, Any]) -> dict[str, Any] | None:
    key, value = next(iter(wanted.items()))
    for have in entries:
        if isinstance(have, dict) and key in have and _equal(have[key], value):
            return have
    return None


def _equal(a: Any, b: Any) -> bool:
    """Leaves compare as RFC 7951 text: a uint64 may come back as "10" for a wanted 10."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return bool(a == b)
    if isinstance(a, (int, float, str)) and isinstance(b, (int, float, str)):
        return str(a) == str(b)
    return bool(a == b)


def pretty(value: Any) -> str:
    """Stable text of JSON data: indented, keys sorted, so stored versions diff by line."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def text_diff(before: Any, after: Any, label: str) -> str:
    """A unified diff a user reads: the device's data now, and after the change."""
    return "".join(
        difflib.unified_diff(
            pretty(before).splitlines(keepends=True),
            pretty(after).splitlines(keepends=True),
            f"{label} (device)",
            f"{label} (wanted)",
        )
    )
