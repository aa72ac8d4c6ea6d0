"""One host through one play's task tree: blocks, includes, loops, handlers, conditions.

The rules are Ansible's:

- A task whose ``when`` is false is ``skipped``; in a loop, ``when`` is asked per item.
- A failed task stops the host — unless ``ignore_errors`` (recorded, ignored), or it
  sits in a ``block`` with a ``rescue`` (recorded as rescued; the rescue runs and the host
  carries on if it succeeds). ``always`` runs either way.
- ``notify`` on a changed task queues handlers; they run once each, in the order they are
  written, at the end of each section (pre_tasks, roles + tasks, post_tasks) and at
  ``meta: flush_handlers`` — on hosts that have not failed.
- ``until`` repeats a task until its condition holds (``retries`` times after the first
  attempt, ``delay`` seconds apart); ``changed_when``/``failed_when`` see the task's
  registered result under its ``register`` name.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from nornir.core.inventory import Host

from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.engine.actions import ActionResult, Step, action_for
from netraven.engine.context import JobContext
from netraven.engine.limits import WorkSlot
from netraven.engine.linear import LinearGate
from netraven.engine.scope import PlayVars, task_scope
from netraven.engine.sessions import HostSession
from netraven.errors import ConnectionFailed, DeviceError, NetRavenError, TaskFailed
from netraven.playbook.schema import Recovery, Task
from netraven.playbook.tree import BlockNode, Node, TaskNode
from netraven.playbook.variables import Layer, VarScope, render_value

__all__ = ["Flow", "HostRun"]

_UNTIL_RETRIES, _UNTIL_DELAY = 3, 5.0  # Ansible's defaults


class Flow(enum.Enum):
    OK = "ok"
    FAILED = "failed"  # the host failed and was not rescued
    ENDED = "ended"  # meta: end_host / end_play, or the play was aborted


class HostRun:
    """The walk of one host through one play; ``outcome`` collects its verdict."""

    def __init__(
        self,
        ctx: JobContext,
        host: Host,
        play: PlayVars,
        outcome: HostOutcome,
        session: HostSession,
        make_step: Callable[[TaskNode, VarScope], Step],
        run_action: Callable[[HostRun, TaskNode, Step, TaskOutcome, Recovery], Any],
        roll_back: Callable[[TaskOutcome], Awaitable[None]],
        gate: LinearGate | None = None,
        forks: WorkSlot | None = None,
    ) -> None:
        self.ctx = ctx
        self.host = host
        self.play = play
        self.outcome = outcome
        self.session = session
        self.make_step = make_step
        self.run_action = run_action
        self.roll_back = roll_back
        self.fatal = False  # the failing task's policy is on_failure: abort
        self.gate = gate
        self.forks = forks
        self.facts = ctx.registered.setdefault(host.name, {})
        self.notified: set[int] = set()
        self.rescuable = 0  # > 0 inside the body of a block that has a rescue
        self.failure: TaskOutcome | None = None  # the last failed task, for rescue vars
        self._step = 0

    # -- sections and handlers -------------------------------------------------------------
    async def run_play(self) -> Flow:
        for section in self.play.play.sections:
            flow = await self.run_section(section)
            if flow is Flow.OK:
                flow = await self.step(self.flush_handlers)
            if flow is not Flow.OK:
                return flow
        return Flow.OK

    async def run_section(self, nodes: list[Node]) -> Flow:
        for node in nodes:
            flow = await self.step(lambda node=node: self.run_node(node))  # type: ignore[misc]
            if flow is not Flow.OK:
                return flow
        return Flow.OK

    async def step(self, work: Callable[[], Any]) -> Flow:
        """One top-level step; under ``strategy: linear`` all hosts take it together."""
        if self.gate is not None:
            self._step += 1
            await self.gate.reach(self._step)
        if self.aborted():  # another host tripped the play's failure policy meanwhile
            return Flow.ENDED
        if self.forks is None:
            flow: Flow = await work()
            return flow
        async with self.forks:
            flow = await work()
            return flow

    async def flush_handlers(self) -> Flow:
        while self.notified:
            for handler in self.play.play.handlers:
                if handler.id in self.notified:
                    self.notified.discard(handler.id)
                    flow = await self.run_task(handler, handler=True)
                    if flow is not Flow.OK:
                        return flow
                    break  # a handler may notify an earlier one: start from the top again
            else:
                self.notified.clear()
        return Flow.OK

    def notify(self, node: TaskNode) -> None:
        for name in node.scope.notify:
            for handler in self.play.play.handlers:
                if handler.task.name == name or name in handler.task.listen:
                    self.notified.add(handler.id)

    # -- the tree -------------------------------------------------------------------------
    async def run_nodes(self, nodes: list[Node], extra: Mapping[str, Any] | None = None) -> Flow:
        for node in nodes:
            if self.aborted():
                return Flow.ENDED
            flow = await self.run_node(node, extra)
            if flow is not Flow.OK:
                return flow
        return Flow.OK

    async def run_node(self, node: Node, extra: Mapping[str, Any] | None = None) -> Flow:
        if isinstance(node, BlockNode):
            return await self.run_block(node, extra)
        return await self.run_task(node, extra)

    def aborted(self) -> bool:
        guard = self.ctx.guards.get(self.outcome.play_index)
        if guard is not None and guard.ended:
            return True
        if guard is not None and guard.aborted:
            self.outcome.status = HostStatus.ABORTED
            self.outcome.error = f"play aborted: {guard.reason}"
            return True
        return False

    async def run_block(self, node: BlockNode, extra: Mapping[str, Any] | None) -> Flow:
        if node.rescue:
            self.rescuable += 1
        try:
            flow = await self.run_nodes(node.body, extra)
        finally:
            if node.rescue:
                self.rescuable -= 1
        if flow is Flow.FAILED and node.rescue:
            self._recover()
            failed = self.failure
            rescue_vars = {
                **(extra or {}),
                "ansible_failed_task": {"name": failed.name if failed else ""},
                "ansible_failed_result": {
                    "msg": failed.error if failed else "",
                    "failed": True,
                    "stdout": (failed.output or "") if failed else "",
                },
            }
            flow = await self.run_nodes(node.rescue, rescue_vars)
        if node.always and flow is not Flow.ENDED:
            held = self._hold_failure() if flow is Flow.FAILED else None
            after = await self.run_nodes(node.always, extra)
            if held is not None and after is Flow.OK:
                self._restore(held)
            flow = after if after is not Flow.OK else flow
        return flow

    def _recover(self) -> None:
        self.outcome.status = HostStatus.OK
        self.outcome.error = None

    def _hold_failure(self) -> tuple[HostStatus, str | None]:
        """The host's failure while ``always`` runs (it still runs on a failed host)."""
        held = (self.outcome.status, self.outcome.error)
        self._recover()
        return held

    def _restore(self, held: tuple[HostStatus, str | None]) -> None:
        self.outcome.status, self.outcome.error = held

    # -- one task ---------------------------------------------------------------------------
    async def run_task(
        self, node: TaskNode, extra: Mapping[str, Any] | None = None, *, handler: bool = False
    ) -> Flow:
        task = node.task
        action = task.action
        if self.ctx.before_start(self.host.name, self.outcome.play_index, node.id):
            return Flow.OK  # --start-at-task: not reached yet, so neither run nor recorded
        if action == "include_tasks":
            return await self.run_include(node, extra)
        # Tags choose tasks; a notified handler runs whatever its tags, as in Ansible.
        if not handler and not self.ctx.selected(node.tags):
            return Flow.OK
        if action == "meta":
            return await self.run_meta(node, extra)
        if node.scope.run_once:
            return await self.run_once(node, extra)
        return await self.run_looped(node, extra)

    async def run_meta(self, node: TaskNode, extra: Mapping[str, Any] | None) -> Flow:
        assert node.task.meta is not None
        scope = task_scope(self.ctx, self.play, self.host, node, extra)
        if not all(self.ctx.templates.truth(c, scope) for c in node.scope.conditions):
            return Flow.OK
        what = node.task.meta.action
        if what == "flush_handlers":
            return await self.flush_handlers()
        if what == "end_host":
            self.ctx.log(self.host.name, "info", "meta: end_host")
            return Flow.ENDED
        if what == "end_play":
            guard = self.ctx.guards.get(self.outcome.play_index)
            if guard is not None:
                guard.end_play(f"meta: end_play on {self.host.name}")
            return Flow.ENDED
        return Flow.OK

    async def run_include(self, node: TaskNode, extra: Mapping[str, Any] | None) -> Flow:
        """An ``include_tasks``: its ``when`` and loop decide whether and how often."""
        scope = task_scope(self.ctx, self.play, self.host, node, extra)
        items = await self._items(node, scope)
        if isinstance(items, TaskOutcome):
            return await self._finish_one(node, items, None)
        runs: list[Mapping[str, Any] | None] = (
            [extra]
            if items is None
            else [self._loop_vars(node, extra, i, x) for i, x in enumerate(items)]
        )
        children = node.children
        for variables in runs:
            item_scope = scope if variables is None else scope.child(_data(variables))
            try:
                if not all(self.ctx.templates.truth(c, item_scope) for c in node.scope.conditions):
                    continue
                if children is None:
                    children = self._load_dynamic(node, item_scope)
            except TaskFailed as exc:
                result = self._new_result(node, None)
                result.status, result.failed, result.error = TaskStatus.FAILED, True, str(exc)
                return await self._finish_one(node, result, None)
            flow = await self.run_nodes(children, variables)
            if node.task.include_tasks and "{{" in node.task.include_tasks:
                children = None  # a templated name may differ per item
            if flow is not Flow.OK:
                return flow
        return Flow.OK

    def _load_dynamic(self, node: TaskNode, scope: VarScope) -> list[Node]:
        from netraven.playbook.dynamic import load_included

        assert node.task.include_tasks is not None
        name = self.ctx.templates.render(node.task.include_tasks, scope)
        return load_included(self.ctx.templates, node, name)

    async def run_once(self, node: TaskNode, extra: Mapping[str, Any] | None) -> Flow:
        """The first host to get here runs the task; every host gets its registered result."""
        key = (self.outcome.play_index, node.id)
        shared = self.ctx.run_once.get(key)
        if shared is None:
            shared = self.ctx.run_once[key] = asyncio.get_running_loop().create_future()
            board = self.ctx.shared_once
            if board is not None and not await board.claim(*key):
                shared.set_result(await board.wait(*key))  # another worker runs it
            else:
                try:
                    flow = await self.run_looped(node, extra)
                finally:
                    name = node.task.register_as
                    facts = {k: self.facts[k] for k in self._set_names(node) if k in self.facts}
                    if name and name in self.facts:
                        facts[name] = self.facts[name]
                    if not shared.done():
                        shared.set_result(facts)
                    if board is not None:
                        await board.publish(*key, facts)
                return flow
        facts = await asyncio.shield(shared)
        self.facts.update(facts)
        return Flow.OK

    @staticmethod
    def _set_names(node: TaskNode) -> list[str]:
        return [k for k in (node.task.set_fact or {}) if k != "cacheable"]

    async def run_looped(self, node: TaskNode, extra: Mapping[str, Any] | None) -> Flow:
        task = node.task
        scope = task_scope(self.ctx, self.play, self.host, node, extra)
        items = await self._items(node, scope)
        if isinstance(items, TaskOutcome):
            return await self._finish_one(node, items, None)
        if items is None:
            result, registered = await self.run_item(node, scope, None)
            if task.register_as:
                self.facts[task.register_as] = registered
            return await self._finish_one(node, result, registered)
        outcomes: list[TaskOutcome] = []
        results: list[dict[str, Any]] = []
        control = task.loop_control
        for index, item in enumerate(items):
            variables = self._loop_vars(node, extra, index, item, len(items))
            item_scope = scope.child(_data(variables))
            label = item
            if control is not None and control.label is not None:
                label = self.ctx.templates.render(control.label, item_scope)
            result, registered = await self.run_item(node, item_scope, label)
            registered[control.loop_var if control else "item"] = item
            registered["ansible_loop_var"] = control.loop_var if control else "item"
            outcomes.append(result)
            results.append(registered)
            if control is not None and control.pause and index + 1 < len(items):
                await asyncio.sleep(control.pause)
        if task.register_as:
            self.facts[task.register_as] = {
                "results": results,
                "changed": any(r["changed"] for r in results),
                "failed": any(r["failed"] and not r.get("ignored") for r in results),
                "skipped": bool(results) and all(r["skipped"] for r in results),
                "msg": "All items completed" if results else "No items in the list",
            }
        flow = Flow.OK
        for result in outcomes:
            step = await self._finish_one(node, result, None, notify=False)
            if step is not Flow.OK:
                flow = step
        if any(r.changed for r in outcomes) and flow is Flow.OK:
            self.notify(node)
        return flow

    def _loop_vars(
        self,
        node: TaskNode,
        extra: Mapping[str, Any] | None,
        index: int,
        item: Any,
        length: int | None = None,
    ) -> dict[str, Any]:
        control = node.task.loop_control
        variables = dict(extra or {})
        variables[control.loop_var if control else "item"] = item
        if control is not None and control.index_var:
            variables[control.index_var] = index
        if control is not None and control.extended and length is not None:
            variables["ansible_loop"] = {
                "index": index + 1,
                "index0": index,
                "first": index == 0,
                "last": index + 1 == length,
                "length": length,
                "revindex": length - index,
                "revindex0": length - index - 1,
            }
        return variables

    async def _items(self, node: TaskNode, scope: VarScope) -> list[Any] | TaskOutcome | None:
        """The loop's items; a loop that is not a list fails the task, naming what it got."""
        task = node.task
        source = task.loop_source
        if source is None:
            return None
        try:
            value = render_value(self.ctx.templates, source, scope)
        except TaskFailed as exc:
            result = self._new_result(node, None)
            result.status, result.failed, result.error = TaskStatus.FAILED, True, str(exc)
            return result
        if task.with_dict is not None:
            if not isinstance(value, Mapping):
                return self._not_a(node, "with_dict", "mapping", value)
            return [{"key": k, "value": v} for k, v in value.items()]
        if not isinstance(value, list):
            return self._not_a(node, "loop", "list", value)
        if task.with_items is not None:  # with_items flattens one level, as in Ansible
            flat: list[Any] = []
            for item in value:
                flat += item if isinstance(item, list) else [item]
            return flat
        return value

    def _not_a(self, node: TaskNode, key: str, kind: str, value: Any) -> TaskOutcome:
        result = self._new_result(node, None)
        result.status, result.failed = TaskStatus.FAILED, True
        result.error = f"{key}: expected a {kind}, got {type(value).__name__} {value!r:.80}"
        return result

    def _new_result(self, node: TaskNode, label: Any, scope: VarScope | None = None) -> TaskOutcome:
        title = node.title
        if scope is not None and "{{" in title:
            # Task names may use variables, as in Ansible (``Access port {{ port }}``).
            with contextlib.suppress(TaskFailed):  # a name that cannot render stays as written
                title = self.ctx.templates.render(title, scope)
        if label is not None:
            title = f"{title} (item={label})"
        return TaskOutcome(
            self.host.name,
            self.outcome.play_index,
            self.play.play.title,
            node.id,
            title,
            node.action,
            TaskStatus.OK,
            started_at=datetime.now(UTC),
        )

    async def run_item(
        self, node: TaskNode, scope: VarScope, label: Any
    ) -> tuple[TaskOutcome, dict[str, Any]]:
        """One execution of a task (one loop item): conditions, attempts, verdict."""
        task = node.task
        result = self._new_result(node, label, scope)
        t0 = time.perf_counter()
        registered: dict[str, Any]
        try:
            if not all(self.ctx.templates.truth(c, scope) for c in node.scope.conditions):
                result.status, result.skipped = TaskStatus.SKIPPED, True
                result.output = "conditional result was False"
                registered = _registered(result, None)
                registered["skip_reason"] = "Conditional result was False"
                return result, registered
        except TaskFailed as exc:
            result.status, result.failed, result.error = TaskStatus.FAILED, True, str(exc)
            return result, _registered(result, None)
        policy = self.play.play.play.recovery.merged(node.scope.recovery)
        step = self.make_step(node, scope)
        until = task.until
        retries = task.retries if task.retries is not None else _UNTIL_RETRIES
        delay = task.delay if task.delay is not None else _UNTIL_DELAY
        repeat = until is not None or task.retries is not None
        attempt = 0
        while True:
            attempt += 1
            action = await self._attempt(node, step, result, policy)
            registered = _registered(result, action)
            self._verdict(node, scope, result, registered)
            registered.update(_status(result))  # what failed_when/changed_when decided
            if not repeat:
                break
            if until is not None:
                try:
                    done = self.ctx.templates.truth(until, _with(scope, task, registered))
                except TaskFailed:
                    done = False
            else:
                done = not result.failed
            if done or result.status == TaskStatus.UNREACHABLE:
                break
            if attempt > retries:
                if until is not None:
                    result.status, result.failed = TaskStatus.FAILED, True
                    result.error = f"until condition '{until}' not met after {attempt} attempts" + (
                        f": {result.error}" if result.error else ""
                    )
                break
            self.ctx.log(
                self.host.name,
                "info",
                f"task '{result.name}': attempt {attempt} did not meet until/retries; "
                f"retrying in {delay:g}s",
            )
            await asyncio.sleep(delay)
        result.attempts = max(result.attempts, attempt)
        result.duration_ms = int((time.perf_counter() - t0) * 1000)
        registered.update(_status(result))  # an unmet ``until`` failed it after the fact
        registered["attempts"] = result.attempts
        return result, registered

    async def _attempt(
        self, node: TaskNode, step: Step, result: TaskOutcome, policy: Recovery
    ) -> ActionResult | None:
        """Run the action once (with its connection retries) under its timeout."""
        result.status, result.failed, result.error = TaskStatus.OK, False, None
        result.changed = result.skipped = False
        timeout = node.scope.timeout
        try:
            async with asyncio.timeout(timeout):
                if node.task.talks_to_device:  # built-in or plugin device action
                    action: ActionResult = await self.run_action(self, node, step, result, policy)
                else:
                    slot = self.ctx.throttles.slot(
                        self.outcome.play_index, node.id, node.scope.throttle
                    )
                    async with slot:
                        action = await action_for(node.task)(step, node.task)
        except TimeoutError:
            result.status, result.failed = TaskStatus.FAILED, True
            result.error = f"task timed out after {timeout:g}s"
            self.ctx.log(self.host.name, "error", f"task '{result.name}': {result.error}")
            await self.session.close()  # the session may be mid-command: drop it
            return None
        except ConnectionFailed as exc:
            result.status, result.failed, result.error = TaskStatus.UNREACHABLE, True, str(exc)
            self.ctx.log(self.host.name, "error", f"unreachable: {exc}")
            return None
        except (DeviceError, NetRavenError) as exc:
            result.status, result.failed, result.error = TaskStatus.FAILED, True, str(exc)
            result.output = exc.output if isinstance(exc, TaskFailed) else None
            self.ctx.log(
                self.host.name, "error", f"task '{result.name}' failed: {_shown(node, exc)}"
            )
            return None
        except Exception as exc:  # a bug is a failure, never ignorable, never "ok"
            import traceback

            self.ctx.log(self.host.name, "debug", "".join(traceback.format_exception(exc)))
            result.status, result.failed = TaskStatus.FAILED, True
            result.error = f"internal error: {type(exc).__name__}: {exc}"
            shown = _shown(node, result.error)
            self.ctx.log(self.host.name, "error", f"task '{result.name}' failed: {shown}")
            return None
        for warning in action.warnings:
            self.ctx.log(
                self.host.name, "warning", f"task '{result.name}': {_shown(node, warning)}"
            )
        for level, note in action.notes:
            self.ctx.log(self.host.name, level, f"task '{result.name}': {_shown(node, note)}")
        result.output = action.output
        result.diff = action.diff
        result.changed = action.changed
        if action.skipped:
            result.status, result.skipped = TaskStatus.SKIPPED, True
        elif action.changed:
            result.status = TaskStatus.CHANGED
        facts = action.extra.get("ansible_facts")
        if isinstance(facts, dict):
            self.facts.update(facts)
        return action

    def _verdict(
        self, node: TaskNode, scope: VarScope, result: TaskOutcome, registered: dict[str, Any]
    ) -> None:
        """Apply ``failed_when``/``changed_when`` to a result that ran (not unreachable)."""
        task = node.task
        if result.status == TaskStatus.UNREACHABLE or result.skipped:
            return
        if task.failed_when is None and task.changed_when is None:
            return
        if result.error is not None and result.error.startswith("internal error"):
            return  # a bug is never turned into a success
        variables = _with(scope, task, registered)
        try:
            if task.failed_when is not None:
                failed = all(self.ctx.templates.truth(c, variables) for c in task.failed_when)
                if failed and not result.failed:
                    result.failed, result.status = True, TaskStatus.FAILED
                    result.error = (
                        f"failed_when condition met: {' and '.join(map(str, task.failed_when))}"
                    )
                elif not failed and result.failed:
                    result.failed, result.error = False, None
                    result.status = TaskStatus.CHANGED if result.changed else TaskStatus.OK
            if task.changed_when is not None and not result.failed:
                changed = all(self.ctx.templates.truth(c, variables) for c in task.changed_when)
                result.changed = changed
                result.status = TaskStatus.CHANGED if changed else TaskStatus.OK
        except TaskFailed as exc:
            result.failed, result.status, result.error = True, TaskStatus.FAILED, str(exc)

    async def _finish_one(
        self,
        node: TaskNode,
        result: TaskOutcome,
        registered: dict[str, Any] | None,
        *,
        notify: bool = True,
    ) -> Flow:
        """Record the result and decide what the host does next."""
        ignore_errors = bool(node.scope.ignore_errors)
        unreachable = result.status == TaskStatus.UNREACHABLE
        if _internal(result):
            pass  # never ignored, never rescued
        elif result.failed and (
            (not unreachable and ignore_errors) or (unreachable and node.scope.ignore_unreachable)
        ):
            result.ignored = True
        elif result.failed and self.rescuable > 0:
            result.rescued = True
        policy = self.play.play.play.recovery.merged(node.scope.recovery)
        if result.failed and not (result.ignored or result.rescued):
            if policy.on_failure == "rollback":  # a failed verification undoes the change
                await self.roll_back(result)
            self.fatal = policy.on_failure == "abort"
        if node.scope.no_log:
            _censor(result)
        await self.emit(result)
        if result.changed and notify:
            self.notify(node)
        if not result.failed or result.ignored:
            return Flow.OK
        self.failure = result
        self.outcome.status = _host_status(result)
        self.outcome.error = result.error
        return Flow.FAILED

    async def emit(self, result: TaskOutcome) -> None:
        ctx = self.ctx
        result.output = await ctx.redact(result.output)
        result.diff = await ctx.redact(result.diff)
        result.error = ctx.redactor.text(result.error)
        result.name = ctx.redactor.text(result.name) or ""
        self.outcome.changed |= result.changed
        ctx.events.task_finished(result)  # a failing listener marks the result failed


NO_LOG = "the output has been hidden due to the fact that 'no_log: true' was specified"


def _shown(node: TaskNode, text: object) -> str:
    """Log text for a task, or nothing of it under ``no_log``."""
    return "(hidden: no_log)" if node.scope.no_log else str(text)


def _censor(result: TaskOutcome) -> None:
    """What Ansible shows for a ``no_log`` task: its status, nothing it saw or said."""
    result.output = NO_LOG
    result.diff = None
    if result.error is not None:
        result.error = NO_LOG


def _internal(result: TaskOutcome) -> bool:
    return (result.error or "").startswith("internal error")


def _host_status(result: TaskOutcome) -> HostStatus:
    keep = {
        TaskStatus.UNREACHABLE: HostStatus.UNREACHABLE,
        TaskStatus.ROLLED_BACK: HostStatus.ROLLED_BACK,
        TaskStatus.ROLLBACK_FAILED: HostStatus.ROLLBACK_FAILED,
    }
    return keep.get(result.status, HostStatus.FAILED)


def _data(values: Mapping[str, Any]) -> Layer:
    return Layer(values, templated=False)


def _with(scope: VarScope, task: Task, registered: dict[str, Any]) -> VarScope:
    """The scope with this task's own result visible under its register name."""
    if not task.register_as:
        return scope.child(_data({"result": registered}))
    return scope.child(_data({task.register_as: registered}))


def _status(result: TaskOutcome) -> dict[str, Any]:
    """The parts of a registered result that a verdict (failed_when, until) can change."""
    return {
        "changed": result.changed,
        "failed": result.failed,
        "skipped": result.skipped,
        "msg": result.error or "",
        "error": result.error,
        "unreachable": result.status == TaskStatus.UNREACHABLE,
    }


def _registered(result: TaskOutcome, action: ActionResult | None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "output": result.output or "",
        "stdout": result.output or "",
        "stdout_lines": (result.output or "").splitlines(),
        "diff": result.diff,
        "attempts": result.attempts,
        **_status(result),
    }
    if action is not None:
        value.update({k: v for k, v in action.extra.items() if k != "ansible_facts"})
    return value
