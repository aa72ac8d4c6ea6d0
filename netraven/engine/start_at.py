"""``--start-at-task``: which task of which play a job starts at, settled before it runs.

Names match as in Ansible: the task's name, or ``role : name`` for a role's task, equal or
as a glob. The first match in a play that has hosts wins. Only tasks a run walks through
without failing can be started at — not handlers, not a block's ``rescue``, not the
contents of an ``include_tasks`` (Ansible: "can only follow static includes") — and a name
that matches none is an input error before any device is contacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from netraven.errors import InputError
from netraven.playbook.tree import CompiledPlay, TaskNode, static_tasks

__all__ = ["StartAt", "find_start", "matches"]


@dataclass(frozen=True)
class StartAt:
    play_index: int
    task_id: int
    title: str


def matches(node: TaskNode, pattern: str) -> bool:
    names = {node.title, node.full_title}
    if node.task.name:
        names.add(node.task.name)
    return any(name == pattern or fnmatchcase(name, pattern) for name in names)


def find_start(
    plays: Sequence[CompiledPlay], hosts_of: Sequence[Sequence[str]], pattern: str
) -> StartAt:
    """The first startable task matching ``pattern`` in a play with hosts; else InputError."""
    hostless = False
    for play, hosts in zip(plays, hosts_of, strict=True):
        for node in static_tasks(play, rescue=False):
            if matches(node, pattern):
                if hosts:
                    return StartAt(play.index, node.id, node.full_title)
                hostless = True
    where = " (only in plays without hosts)" if hostless else ""
    raise InputError(f"--start-at-task: no task matches '{pattern}'{where}")
