"""Comparing two whole configurations: running vs startup, running vs an intended config.

This is ios_config's ``diff_against: startup|intended`` and ``save_when: modified``:
no commands come out of it, only whether the two differ and a diff to show.
``diff_ignore_lines`` (regexes, matched at the start of a line's text without its
indentation, as ios_config does) drop a line, and the lines under it, from both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netraven.engine.config_diff import (
    Node,
    build_tree,
    clean_running,
    same_content_key,
    unified_diff,
)

__all__ = ["Comparison", "compare_configs", "without_ignored"]


@dataclass(frozen=True)
class Comparison:
    differs: bool
    diff: str


def without_ignored(text: str, patterns: list[str], platform: str | None = None) -> str:
    """The cleaned config without the lines ``patterns`` ignore (and their children)."""
    regexes = [re.compile(p) for p in patterns]
    kept: list[str] = []
    dropped_at: int | None = None  # indentation of the ignored line whose children we skip
    for line in clean_running(text, platform).split("\n"):
        indent = len(line) - len(line.lstrip())
        if dropped_at is not None and indent > dropped_at and line.strip() != "!":
            continue
        dropped_at = None
        if any(r.match(line.strip()) for r in regexes):
            dropped_at = indent
            continue
        kept.append(line)
    return "\n".join(kept)


def _canonical(node: Node) -> Node:
    """Shown as compared: ``interface Gi1`` on one side is not a change to ``GigabitEthernet1``."""
    node.text = node.key
    for child in node.children:
        _canonical(child)
    return node


def _ordered(node: Node) -> tuple[tuple[str, object], ...]:
    return tuple((c.key, _ordered(c)) for c in node.children)


def compare_configs(
    platform: str,
    old: str,
    new: str,
    labels: tuple[str, str],
    ignore: list[str],
    ordered: bool,
) -> Comparison:
    """Whether ``new`` differs from ``old``, and the diff from one to the other.

    ``ordered``: sibling order counts (two configs the same device printed, where a
    reordered ACL is a real difference); otherwise only what is configured counts (an
    intended config written by hand need not follow the device's order).
    """
    a = _canonical(build_tree(without_ignored(old, ignore, platform), platform))
    b = _canonical(build_tree(without_ignored(new, ignore, platform), platform))
    key = _ordered if ordered else same_content_key
    if key(a) == key(b):
        return Comparison(False, "")
    return Comparison(True, unified_diff(a, b, labels=labels))
