"""Ansible's tag selection, shared by the engine's walk and ``run --list-tasks``.

One rule for both, so a listing never disagrees with what a run with the same ``-t`` and
``--skip-tags`` would do.
"""

from __future__ import annotations

from collections.abc import Set

__all__ = ["selected"]


def selected(task_tags: Set[str], tags: Set[str], skip_tags: Set[str]) -> bool:
    """Whether a task with ``task_tags`` runs, including the special ``always``/``never``."""
    if task_tags & skip_tags:
        return False
    if "always" in task_tags and "always" not in skip_tags:
        return True
    if "never" in task_tags and not (task_tags & tags):
        return False
    if not tags or "all" in tags:
        return True
    return bool(task_tags & tags)
