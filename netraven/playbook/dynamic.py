"""``include_tasks`` with a templated file name: loaded when a host reaches it.

The file is read, validated and compiled once per name (every host that includes it shares
the result); a mistake in it fails the including task on that host with file and line.
"""

from __future__ import annotations

import itertools
import threading
import weakref

from netraven.errors import InputError, TaskFailed
from netraven.playbook.templates import Templates
from netraven.playbook.tree import Node, TaskNode

__all__ = ["load_included"]

# Tasks loaded at run time are numbered apart from those numbered at load time.
_IDS = itertools.count(1_000_000)
# Per playbook (its Templates), so a long-lived process never mixes two jobs' files up.
_CACHE: weakref.WeakKeyDictionary[Templates, dict[tuple[int, str], list[Node]]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def load_included(templates: Templates, node: TaskNode, name: str) -> list[Node]:
    from netraven.playbook.loader import compile_included

    key = (node.id, name)
    with _LOCK:
        known = _CACHE.setdefault(templates, {})
        cached = known.get(key)
        if cached is None:
            try:
                cached = compile_included(templates, node, name, _IDS)
            except InputError as exc:
                raise TaskFailed(f"include_tasks {name}: {exc}") from None
            known[key] = cached
    return cached
