"""The four task kinds. Each gets a ``Step`` and returns an ``ActionResult``.

Actions never look at ``--check``: under check mode their connection is a
``CheckModeGuard`` and a device-changing call raises ``CheckModeBlocked``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from netraven.connections.base import Connection
from netraven.engine.config_diff import clean_running, compute_change
from netraven.engine.offload import off_loop
from netraven.errors import CheckModeBlocked, DeviceError, TaskFailed
from netraven.playbook.schema import LinesOrTemplate, Task
from netraven.playbook.templates import Templates

RUNNING_CONFIG = "show running-config"


@dataclass
class ActionResult:
    changed: bool = False
    output: str = ""
    diff: str | None = None
    skipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # shown to the user, e.g. a line that looks abbreviated


@dataclass
class Step:
    """What one task on one host may use."""

    host: str
    platform: str
    variables: dict[str, Any]
    templates: Templates
    connection: Callable[[], Awaitable[Connection]]
    store_backup: Callable[[str], Awaitable[tuple[str, bool]]]
    before_change: Callable[[str], Awaitable[None]]
    changed_with: Callable[[list[str] | None], None] = lambda rollback: None


class Action(Protocol):
    """A task kind; it opens the host's connection only if and when it needs it."""

    async def __call__(self, step: Step, task: Task) -> ActionResult: ...


class CommandAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        conn = await step.connection()
        outputs: list[str] = []
        for source in task.command or []:
            command = step.templates.render(source, step.variables)
            try:
                outputs.append(await conn.send_command(command))
            except CheckModeBlocked as exc:
                return ActionResult(skipped=True, output=str(exc))
        return ActionResult(output="\n".join(outputs), extra={"outputs": outputs})


class ConfigAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        spec = task.config
        assert spec is not None
        lines = _render_lines(step, spec)
        conn = await step.connection()
        running = await conn.send_command(RUNNING_CONFIG)
        change = await off_loop(compute_change, step.platform, running, lines, size=len(running))
        if not change.changed:
            return ActionResult(output="configuration already present", warnings=change.warnings)
        await step.before_change(running)
        rollback = _render_lines(step, task.rollback) if task.rollback else None
        try:
            output = await conn.send_config(change.commands)
        except CheckModeBlocked:
            return ActionResult(
                changed=True,
                diff=change.diff,
                output="would send:\n" + "\n".join(change.commands),
                warnings=change.warnings,
            )
        except DeviceError:
            step.changed_with(rollback)  # a rejected line may leave it half-applied
            raise
        step.changed_with(rollback)
        if spec.save:
            output += "\n" + await conn.send_command("write memory")
        return ActionResult(
            changed=True,
            diff=change.diff,
            output=output,
            extra={"commands": change.commands},
            warnings=change.warnings,
        )


def _render_lines(step: Step, spec: LinesOrTemplate) -> list[str]:
    if spec.template is not None:
        return step.templates.render_file(spec.template, step.variables).splitlines()
    return [step.templates.render(line, step.variables) for line in spec.lines or []]


class BackupAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        conn = await step.connection()
        running = await conn.send_command(RUNNING_CONFIG)
        text = await off_loop(clean_running, running, size=len(running))
        if not text.strip():
            raise TaskFailed("the device returned an empty running configuration")
        sha, stored = await step.store_backup(text)
        note = "stored" if stored else "unchanged since the last backup, not stored again"
        return ActionResult(
            output=f"backup {sha[:12]} ({len(text)} bytes) {note}",
            extra={"sha256": sha, "stored": stored},
        )


class AssertAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        spec = task.assert_
        assert spec is not None
        for condition in spec.that:
            if not step.templates.evaluate(condition, step.variables):
                message = (
                    step.templates.render(spec.fail_msg, step.variables)
                    if spec.fail_msg
                    else f"Assertion failed: {condition}"
                )
                raise TaskFailed(message)
        message = (
            step.templates.render(spec.success_msg, step.variables)
            if spec.success_msg
            else "All assertions passed"
        )
        return ActionResult(output=message)


ACTIONS: dict[str, Action] = {
    "command": CommandAction(),
    "config": ConfigAction(),
    "backup": BackupAction(),
    "assert": AssertAction(),
}
