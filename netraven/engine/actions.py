"""The task kinds. Each gets a ``Step`` and returns an ``ActionResult``.

Device actions never look at ``--check``: under check mode their connection is a
``CheckModeGuard`` and a device-changing call raises ``CheckModeBlocked``. Local actions
(``debug``, ``set_fact``, ``fail``, ``template``, ``assert``) run on the controller and
never open the host's session; ``template`` honours ``--check`` itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from netraven.connections.base import Connection
from netraven.engine.config_compare import compare_configs
from netraven.engine.config_diff import ConfigChange, clean_running
from netraven.engine.config_modes import ConfigRequest, apply_commands, plan_config
from netraven.engine.offload import off_loop
from netraven.errors import CheckModeBlocked, DeviceError, NetRavenError, TaskFailed
from netraven.platforms import PlatformProfile, profile_for
from netraven.playbook.config_schema import ConfigAction as ConfigSpec
from netraven.playbook.parse_schema import ParseSpec
from netraven.playbook.schema import LinesOrTemplate, Task
from netraven.playbook.templates import Templates
from netraven.playbook.variables import render_value

# A commit confirmed (candidate-config platforms, under a rollback policy) reverts itself
# this long after the commit unless the task's checks pass and it is confirmed: long
# enough for the read-back, short enough that a lost session does not leave a bad change.
CONFIRM_SECONDS = 300
MAX_LOGGED_PARSE = 16 * 1024  # characters of parsed JSON kept in the debug log


@dataclass
class ActionResult:
    changed: bool = False
    output: str = ""
    diff: str | None = None
    skipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # shown to the user, e.g. a line that looks abbreviated
    notes: tuple[tuple[str, str], ...] = ()  # (level, message) for the job's log


@dataclass
class Step:
    """What one task on one host may use."""

    host: str
    platform: str
    variables: Mapping[str, Any]
    templates: Templates
    connection: Callable[[], Awaitable[Connection]]
    store_backup: Callable[[str], Awaitable[tuple[str, bool]]]
    before_change: Callable[[str], Awaitable[None]]
    changed_with: Callable[[list[str] | None], None] = lambda rollback: None
    check: bool = False
    # The task runs under a rollback policy: on a candidate-config platform its commit is
    # a commit confirmed, confirmed once the task's checks pass.
    safety_net: bool = False
    # Entries this job added to the device's commit history (its own rollback counts them).
    committed: Callable[[int], None] = lambda points: None
    search_dirs: tuple[Path, ...] = ()
    verbosity: int = 0


class Action(Protocol):
    """A task kind; it opens the host's connection only if and when it needs it."""

    async def __call__(self, step: Step, task: Task) -> ActionResult: ...


class CommandAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        conn = await step.connection()
        outputs: list[str] = []
        commands: list[str] = []
        for source in task.command or []:
            command = step.templates.render(source, step.variables)
            try:
                outputs.append(await conn.send_command(command))
            except CheckModeBlocked as exc:
                return ActionResult(skipped=True, output=str(exc))
            commands.append(command)
        result = ActionResult(output="\n".join(outputs), extra={"outputs": outputs})
        if task.parse is not None:  # the loader allows it with exactly one command only
            await _parse(step, task.parse, commands[0], outputs[0], result)
        return result


async def _parse(step: Step, spec: ParseSpec, command: str, text: str, into: ActionResult) -> None:
    """``.parsed`` for ``register``, and a record of it in the job's log (output stays raw)."""
    from netraven.engine.parse import parse_output  # loads no parser library by itself

    if spec.command is not None:
        command = step.templates.render(spec.command, step.variables)
    try:
        parsed = await off_loop(
            partial(
                parse_output,
                spec,
                text,
                platform=step.platform,
                command=command,
                search=(*step.search_dirs, step.templates.base_dir),
            ),
            size=len(text),
        )
    except TaskFailed as exc:
        raise TaskFailed(str(exc), output=into.output) from None  # keep what the device said
    into.extra["parsed"] = parsed
    summary = f"parsed {len(parsed)} record(s) with {spec.kind}"
    into.notes += (("info", summary), ("debug", f"parsed: {_capped_json(parsed)}"))
    if not parsed:
        into.warnings += (f"{summary}: the parser matched nothing in the output",)


def _capped_json(parsed: list[dict[str, Any]]) -> str:
    text = json.dumps(parsed, default=str)
    return text if len(text) <= MAX_LOGGED_PARSE else text[:MAX_LOGGED_PARSE] + " …(truncated)"


class ConfigAction:
    """ios_config / junos_config: push what differs, then save (or commit) and compare."""

    async def __call__(self, step: Step, task: Task) -> ActionResult:
        spec = task.config
        assert spec is not None
        profile = profile_for(step.platform, step.host)
        conn = await step.connection()
        running = await conn.send_command(profile.running_config)
        change = ConfigChange([], "")
        request: ConfigRequest | None = None
        if spec.has_lines:
            request = ConfigRequest(
                _render_config(step, spec),
                _render_each(step, spec.parents),
                _render_each(step, spec.before),
                _render_each(step, spec.after),
                spec.match,
                spec.replace,
            )
            change = await off_loop(plan_config, step.platform, running, request, size=len(running))
        report = _Report(diffs=[change.diff] if change.changed else [])
        after = running  # the running config as the task leaves it
        if change.changed:
            await step.before_change(running)
            rollback = _render_lines(step, task.rollback) if task.rollback else None
            commit = _commit_for(step, profile)
            try:
                sent = change.commands if commit is None else [*change.commands, *commit]
                report.outputs.append(await conn.send_config(sent))
            except CheckModeBlocked:
                report.checking = True
                verb = "would send" if commit is None else "would load and commit"
                report.outputs.append(f"{verb}:\n" + "\n".join(change.commands))
                after = await off_loop(
                    apply_commands, step.platform, running, change.commands, size=len(running)
                )
            except DeviceError:
                step.changed_with(rollback)  # a rejected line may leave it half-applied
                raise
            else:
                step.changed_with(rollback)
                report.extra["commands"] = change.commands
                if commit is not None:
                    after = await _confirm(step, conn, profile, commit[-1], request, report)
                elif _reads_back(spec):
                    after = await conn.send_command(profile.running_config)
        elif spec.has_lines:
            report.outputs.append("configuration already present")
        saved = await _save_and_compare(step, conn, profile, spec, change.changed, after, report)
        return ActionResult(
            changed=change.changed or saved,
            diff="\n".join(report.diffs) or None,
            output="\n".join(o for o in report.outputs if o),
            extra=report.extra,
            warnings=change.warnings,
        )


def _commit_for(step: Step, profile: PlatformProfile) -> list[str] | None:
    """What follows the lines on a candidate-config platform: the device's own diff of the
    candidate, then the commit (confirmed under a rollback policy); None: no commit."""
    if not profile.commits:
        return None
    assert profile.commit is not None
    commit = profile.commit
    if step.safety_net and profile.commit_confirmed is not None:
        commit = profile.confirmed_commit(CONFIRM_SECONDS)
    return [*([profile.candidate_diff] if profile.candidate_diff else []), commit]


async def _confirm(
    step: Step,
    conn: Connection,
    profile: PlatformProfile,
    commit: str,
    request: ConfigRequest | None,
    report: _Report,
) -> str:
    """After a commit: read the active config back; a commit confirmed is confirmed only
    once it holds every line of the task, else the task fails and the rollback policy (or
    the device itself, when the time runs out) takes the change back."""
    confirmed = commit != profile.commit
    step.committed(1)
    report.extra["committed"] = commit
    after = await conn.send_command(profile.running_config)
    if not confirmed:
        return after
    if request is not None:
        # Whether every line is there, whatever the task's match: (``none`` always sends).
        present = dataclasses.replace(request, before=[], after=[], match="line", replace="line")
        left = await off_loop(plan_config, step.platform, after, present, size=len(after))
        if left.changed:
            raise TaskFailed(
                f"after '{commit}' the active configuration still lacks the task's lines; "
                "not confirmed",
                output=left.diff,
            )
    assert profile.confirm is not None
    report.outputs.append(await conn.send_config([profile.confirm]))
    step.committed(profile.rollback_points(True) - 1)
    report.extra["confirmed"] = True
    return after


@dataclass
class _Report:
    diffs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    checking: bool = False  # under --check: nothing was sent


def _reads_back(spec: ConfigSpec) -> bool:
    saving = spec.effective_save_when in ("always", "modified")
    return saving or spec.diff_against in ("startup", "intended")


async def _save_and_compare(
    step: Step,
    conn: Connection,
    profile: PlatformProfile,
    spec: ConfigSpec,
    pushed: bool,
    after: str,
    report: _Report,
) -> bool:
    """``diff_against`` and ``save_when``; True when saving changed the startup config.

    On a candidate-config platform the committed configuration is the saved one: the
    comparisons run, there is nothing to save.
    """
    save_when = "never" if profile.commits else spec.effective_save_when
    ignore = spec.diff_ignore_lines
    startup: str | None = None
    if save_when in ("always", "modified") or spec.diff_against == "startup":
        startup = await conn.send_command(profile.startup_config)
    unsaved = pushed
    if startup is not None:
        unsaved = (
            await off_loop(
                compare_configs,
                step.platform,
                startup,
                after,
                ("startup", "running"),
                ignore,
                True,
                size=len(after),
            )
        ).differs
    if spec.diff_against == "startup":
        assert startup is not None
        await _compare(step, startup, after, ("startup", "running"), ignore, True, report)
    elif spec.diff_against == "intended":
        intended = step.templates.render(spec.intended_config or "", step.variables)
        await _compare(step, after, intended, ("running", "intended_config"), ignore, False, report)
    if save_when == "never" or (save_when in ("changed", "modified") and not unsaved):
        return False
    if save_when == "changed" and not pushed:
        return False
    assert profile.save is not None
    try:
        report.outputs.append(await conn.send_command(profile.save))
    except CheckModeBlocked:
        report.outputs.append("would save the running config to the startup config")
    report.extra["saved"] = True
    return unsaved


async def _compare(
    step: Step,
    old: str,
    new: str,
    labels: tuple[str, str],
    ignore: list[str],
    ordered: bool,
    report: _Report,
) -> None:
    size = len(old) + len(new)
    found = await off_loop(
        compare_configs, step.platform, old, new, labels, ignore, ordered, size=size
    )
    report.extra["differs"] = found.differs
    if found.differs:
        report.diffs.append(found.diff)
        report.outputs.append(f"the {labels[1]} config differs from the {labels[0]} config")
    else:
        report.outputs.append(f"the {labels[1]} config matches the {labels[0]} config")


def _render_each(step: Step, lines: list[str]) -> list[str]:
    return [step.templates.render(line, step.variables) for line in lines]


def _render_config(step: Step, spec: ConfigSpec) -> list[str]:
    if spec.template_file is not None:
        return _render_file(step, spec.template_file)
    return _render_each(step, spec.lines or [])


def _render_lines(step: Step, spec: LinesOrTemplate) -> list[str]:
    if spec.template is not None:
        return _render_file(step, spec.template)
    return [step.templates.render(line, step.variables) for line in spec.lines or []]


def _render_file(step: Step, template: str) -> list[str]:
    from netraven.playbook.loader import resolve_template

    source = step.templates.render(template, step.variables)
    try:
        name = resolve_template(step.templates, source, step.search_dirs)
    except NetRavenError as exc:
        raise TaskFailed(f"template {source}: {exc}") from None
    return step.templates.render_file(name, step.variables).splitlines()


class BackupAction:
    """The running (on Junos/XR: the committed) configuration, without its volatile lines."""

    async def __call__(self, step: Step, task: Task) -> ActionResult:
        profile = profile_for(step.platform, step.host)
        conn = await step.connection()
        api = getattr(conn, "api_info", None)
        if api is not None and api.api == "restconf":  # the JSON of its data roots
            from netraven.engine.rest_actions import restconf_backup

            text = await restconf_backup(conn, api.backup_paths)  # type: ignore[arg-type]
        else:
            running = await conn.send_command(profile.running_config)
            text = await off_loop(clean_running, running, step.platform, size=len(running))
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
            if not step.templates.truth(condition, step.variables):
                message = (
                    step.templates.render(spec.fail_msg, step.variables)
                    if spec.fail_msg
                    else f"Assertion failed: {condition}"
                )
                raise TaskFailed(message)
        if spec.quiet:
            return ActionResult(output="")
        message = (
            step.templates.render(spec.success_msg, step.variables)
            if spec.success_msg
            else "All assertions passed"
        )
        return ActionResult(output=message)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, default=str)


class DebugAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        spec = task.debug
        assert spec is not None
        if spec.verbosity > step.verbosity:
            return ActionResult(skipped=True, output="verbosity threshold not met")
        if spec.var is not None:
            value = step.templates.evaluate(spec.var, step.variables)
            return ActionResult(output=f"{spec.var}: {_text(value)}", extra={spec.var: value})
        msg = "Hello world!" if spec.msg is None else spec.msg
        value = render_value(step.templates, msg, step.variables)
        return ActionResult(output=_text(value), extra={"msg": value})


class SetFactAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        facts = {
            key: render_value(step.templates, value, step.variables)
            for key, value in (task.set_fact or {}).items()
            if key != "cacheable"
        }
        return ActionResult(
            output="set " + ", ".join(sorted(facts)), extra={"ansible_facts": facts}
        )


class FailAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        assert task.fail is not None
        raise TaskFailed(_text(render_value(step.templates, task.fail.msg, step.variables)))


_WRITE_LOCKS: dict[str, asyncio.Lock] = {}


class TemplateAction:
    """Render a file on the controller: per-host configs, reports, documentation."""

    async def __call__(self, step: Step, task: Task) -> ActionResult:
        from netraven.playbook.loader import resolve_template

        spec = task.template
        assert spec is not None
        source = step.templates.render(spec.src, step.variables)
        try:
            name = resolve_template(step.templates, source, step.search_dirs)
        except NetRavenError as exc:
            raise TaskFailed(f"template {source}: {exc}") from None
        text = step.templates.render_file(name, step.variables)
        dest = Path(step.templates.render(spec.dest, step.variables))
        lock = _WRITE_LOCKS.setdefault(str(dest.resolve()), asyncio.Lock())
        async with lock:  # two hosts rendering to one file must not interleave
            old = dest.read_text(encoding="utf-8") if dest.is_file() else None
            if old == text:
                return ActionResult(output=f"{dest} unchanged", extra={"dest": str(dest)})
            diff = "".join(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"{dest} (before)",
                    f"{dest} (after)",
                )
            )
            if step.check:
                return ActionResult(changed=True, diff=diff, output=f"would write {dest}")
            await asyncio.to_thread(_write_atomically, dest, text)
        return ActionResult(
            changed=True, diff=diff, output=f"wrote {dest}", extra={"dest": str(dest)}
        )


def _write_atomically(dest: Path, text: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PluginAction:
    """Runs a user plugin action (netraven/plugins.py): render its args, validate, call."""

    async def __call__(self, step: Step, task: Task) -> ActionResult:
        from pydantic import ValidationError

        call = task.plugin
        assert call is not None
        args = render_value(step.templates, call.args, step.variables)
        model = call.impl.args_model
        if model is not None:
            try:
                args = model.model_validate(args if args is not None else {})
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or call.name}: {e['msg']}" for e in exc.errors()
                )
                raise TaskFailed(f"{call.name}: invalid arguments: {problems}") from None
        result = await call.impl(step, args)
        if not isinstance(result, ActionResult):
            raise TypeError(f"plugin action '{call.name}' returned {type(result).__name__}")
        return result


class _HttpAction:
    """An action of ``engine/rest_actions.py``, imported (with httpx) on first use."""

    def __init__(self, name: str) -> None:
        self._name = name

    async def __call__(self, step: Step, task: Task) -> ActionResult:
        from netraven.engine import rest_actions

        action: Action = getattr(rest_actions, self._name)()
        return await action(step, task)


def action_for(task: Task) -> Action:
    """The implementation of a task's action, built-in or plugin."""
    return _PLUGIN if task.plugin is not None else ACTIONS[task.action]


_PLUGIN = PluginAction()

ACTIONS: dict[str, Action] = {
    "command": CommandAction(),
    "config": ConfigAction(),
    "backup": BackupAction(),
    "rest": _HttpAction("RestAction"),
    "restconf_config": _HttpAction("RestconfConfigAction"),
    "assert": AssertAction(),
    "debug": DebugAction(),
    "set_fact": SetFactAction(),
    "fail": FailAction(),
    "template": TemplateAction(),
}
