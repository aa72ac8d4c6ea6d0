"""``run --list-hosts/--list-tasks/--list-tags``: what a run would do, in Ansible's shape.

Nothing here contacts a device or opens the job store for writing: the playbook and
inventory are loaded and the hosts planned exactly as a run would, then printed. The text
follows ``ansible-playbook``'s so that scripts reading one can read the other::

    playbook: site.yml

      play #1 (ams): backup	TAGS: []
        pattern: ['ams']
        hosts (2):
          sw-1
          sw-2
        tasks:
          Back up running config	TAGS: [backup]
          ntp : Configure NTP	TAGS: [ntp]
          TASK TAGS: [backup, ntp]

Unlike Ansible, a block's ``rescue`` and ``always`` tasks are listed too (after its body,
as written): they are part of what a run may do.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

from netraven.playbook.loader import Playbook
from netraven.playbook.tags import selected
from netraven.playbook.tree import CompiledPlay, TaskNode, static_tasks

__all__ = ["ListRequest", "listed_tasks", "render_listing"]


@dataclass(frozen=True)
class ListRequest:
    hosts: bool = False
    tasks: bool = False
    tags: bool = False
    only_tags: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = frozenset()


def listed_tasks(play: CompiledPlay, only_tags: Set[str], skip_tags: Set[str]) -> list[TaskNode]:
    """The play's tasks that a run with these tags would run, in order."""
    return [n for n in static_tasks(play) if selected(n.tags, only_tags, skip_tags)]


def _tags(tags: Set[str]) -> str:
    return f"TAGS: [{', '.join(sorted(tags))}]"


def render_listing(
    book: Playbook, shown_as: str, hosts_of: Sequence[Sequence[str]], request: ListRequest
) -> str:
    """The listing for every play, one block each, as ``ansible-playbook`` prints it."""
    lines = ["", f"playbook: {shown_as}"]
    for play, hosts in zip(book.compiled, hosts_of, strict=True):
        header = f"  play #{play.index + 1} ({play.play.hosts}): {play.title}"
        lines += ["", f"{header}\t{_tags(frozenset())}"]  # plays carry no tags of their own
        if request.hosts:
            lines.append(f"    pattern: {[play.play.hosts]!r}")
            lines.append(f"    hosts ({len(hosts)}):")
            lines += [f"      {host}" for host in hosts]
        if not (request.tasks or request.tags):
            continue
        tasks = listed_tasks(play, request.only_tags, request.skip_tags)
        if request.tasks:
            lines.append("    tasks:")
            lines += [f"      {node.full_title}\t{_tags(node.tags)}" for node in tasks]
        if request.tags:
            union: set[str] = set().union(*(node.tags for node in tasks))
            lines.append(f"      TASK {_tags(union)}")
    return "\n".join(lines) + "\n"
