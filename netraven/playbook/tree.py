"""A playbook as the engine runs it: imports, roles and block keywords already resolved.

The YAML schema (``schema.py``) says what a user may write; this is what it means. Static
things are settled once at load — ``import_tasks``/``import_playbook``/``roles`` expanded,
tags and error policies inherited from blocks, every task numbered — so the engine only
decides what depends on the host: conditions, loops, variables, rescue paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netraven.playbook.schema import Block, Play, Recovery, Task

__all__ = [
    "BlockNode",
    "CompiledPlay",
    "Inherited",
    "Node",
    "RoleScope",
    "TaskNode",
    "static_tasks",
    "walk",
]


@dataclass(frozen=True)
class RoleScope:
    """A role's variables: defaults lowest of all, vars above the play's, params higher."""

    name: str
    path: Path
    defaults: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inherited:
    """What enclosing blocks, imports and roles hand down to each task inside them."""

    conditions: tuple[str | bool, ...] = ()
    var_layers: tuple[dict[str, Any], ...] = ()
    tags: frozenset[str] = frozenset()
    ignore_errors: bool | None = None
    ignore_unreachable: bool | None = None
    timeout: float | None = None
    throttle: int | None = None
    no_log: bool | None = None
    run_once: bool | None = None
    delegate_to: str | None = None
    notify: tuple[str, ...] = ()
    recovery: Recovery | None = None
    role: RoleScope | None = None
    search_dirs: tuple[Path, ...] = ()

    def enter(self, node: Task | Block, *, own_when: bool = True) -> Inherited:
        """This inheritance with one more block (or a task's own keywords) applied."""
        recovery = self.recovery
        if node.recovery is not None:
            recovery = node.recovery if recovery is None else recovery.merged(node.recovery)
        return Inherited(
            conditions=self.conditions + (tuple(node.when) if own_when else ()),
            var_layers=self.var_layers + ((node.vars,) if node.vars else ()),
            tags=self.tags | frozenset(node.tags),
            ignore_errors=_pick(node.ignore_errors, self.ignore_errors),
            ignore_unreachable=_pick(node.ignore_unreachable, self.ignore_unreachable),
            timeout=_pick(node.timeout, self.timeout),
            throttle=_pick(node.throttle, self.throttle),
            no_log=_pick(node.no_log, self.no_log),
            run_once=_pick(node.run_once, self.run_once),
            delegate_to=_pick(node.delegate_to, self.delegate_to),
            notify=self.notify + tuple(node.notify),
            recovery=recovery,
            role=self.role,
            search_dirs=self.search_dirs,
        )


def _pick(own: Any, inherited: Any) -> Any:
    return inherited if own is None else own


@dataclass(eq=False)
class TaskNode:
    """One task as it runs: its own keywords merged with everything it inherits."""

    id: int  # recorded as the task's index: unique within its play
    task: Task
    file: Path
    line: int | None
    scope: Inherited  # conditions, vars, tags… including the task's own
    children: list[Node] | None = None  # an include_tasks with a static file, loaded ahead

    @property
    def title(self) -> str:
        return self.task.title

    @property
    def action(self) -> str:
        return self.task.action

    @property
    def tags(self) -> frozenset[str]:
        return self.scope.tags

    @property
    def full_title(self) -> str:
        """``role : title`` inside a role, as Ansible names role tasks; else the title."""
        role = self.scope.role
        return f"{role.name} : {self.title}" if role is not None else self.title


@dataclass(eq=False)
class BlockNode:
    block: Block
    body: list[Node]
    rescue: list[Node]
    always: list[Node]
    scope: Inherited  # what the block hands down (its tasks already carry it)

    @property
    def title(self) -> str:
        return self.block.title


Node = TaskNode | BlockNode


@dataclass(eq=False)
class CompiledPlay:
    index: int
    play: Play
    file: Path
    vars: dict[str, Any]  # play vars with its vars_files merged in
    sections: list[list[Node]]  # pre_tasks, roles + tasks, post_tasks; handlers flush after each
    handlers: list[TaskNode]

    @property
    def title(self) -> str:
        return self.play.title

    def task_nodes(self) -> Iterator[TaskNode]:
        """Every task of the play, handlers last, in the order they are written."""
        for section in self.sections:
            yield from walk(section)
        yield from walk(list(self.handlers))


def walk(nodes: list[Node]) -> Iterator[TaskNode]:
    for node in nodes:
        if isinstance(node, BlockNode):
            yield from walk(node.body)
            yield from walk(node.rescue)
            yield from walk(node.always)
        else:
            yield node
            if node.children:
                yield from walk(node.children)


def static_tasks(play: CompiledPlay, *, rescue: bool = True) -> Iterator[TaskNode]:
    """The tasks a play's sections name before it runs, in order: no handlers, and an
    ``include_tasks`` as itself, not its contents (they are decided per host at run time).

    Without ``rescue``, only what a run that fails nowhere walks through: what
    ``--start-at-task`` can start at.
    """
    for section in play.sections:
        yield from _static(section, rescue)


def _static(nodes: list[Node], rescue: bool) -> Iterator[TaskNode]:
    for node in nodes:
        if isinstance(node, BlockNode):
            yield from _static(node.body, rescue)
            if rescue:
                yield from _static(node.rescue, rescue)
            yield from _static(node.always, rescue)
        else:
            yield node
