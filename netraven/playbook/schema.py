"""The playbook schema: a YAML list of plays; a play holds tasks, blocks, handlers and roles.

Models forbid unknown keys so a typo is an input error, never a silently ignored key. The
keywords are Ansible's (``loop``, ``when``, ``block``/``rescue``/``always``, ``notify``…)
with Ansible's meaning; ``docs/ansible-differences.md`` lists where NetRaven differs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    InstanceOf,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

# Re-exported: the config task's model lives in its own module.
from netraven.playbook.config_schema import ConfigAction as ConfigAction
from netraven.playbook.parse_schema import ParseSpec
from netraven.playbook.rest_schema import RestAction, RestconfConfigAction
from netraven.playbook.rollout_keys import (
    SerialStep,
    not_also_in_recovery,
    parse_serial,
    scope_needs_rollback,
)

# Actions that talk to the device, then those that run on the controller only.
DEVICE_ACTIONS = ("command", "config", "backup")
HTTP_ACTIONS = ("rest", "restconf_config")  # device actions for hosts reached over HTTP(S)
LOCAL_ACTIONS = ("assert", "debug", "set_fact", "fail", "template", "meta")
INCLUDE_ACTIONS = ("include_tasks", "import_tasks")
ACTIONS = (*DEVICE_ACTIONS, *LOCAL_ACTIONS, *INCLUDE_ACTIONS, *HTTP_ACTIONS)
_FIELD_OF = {"assert": "assert_"}

# Plugin actions (netraven/plugins.py): the loader validates with this context key set to
# {name: ActionPlugin}; a task key naming one of them becomes ``Task.plugin``. Without the
# context, or for any other name, the key stays an unknown-key error.
PLUGIN_CONTEXT = "netraven.plugin_actions"


class PluginCall:
    """A plugin action as written in a task: its name, raw args, and the plugin itself.

    A plain class, not a model: ``Task.plugin`` only accepts an instance, so a user who
    writes ``plugin:`` in YAML gets an unknown-key error, never a way around discovery.
    """

    __slots__ = ("args", "impl", "name")

    def __init__(self, name: str, args: Any, impl: Any) -> None:
        self.name, self.args, self.impl = name, args, impl

    @property
    def device(self) -> bool:
        return bool(self.impl.device)

    def __repr__(self) -> str:
        return f"PluginCall({self.name!r}, {self.args!r})"


# Pydantic tags for the task/block union; stripped from error locations.
TASK_TAG, BLOCK_TAG = "•task", "•block"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, (str, bool)) else value


class LinesOrTemplate(_Strict):
    """Configuration lines given inline, or a template file (relative to the playbook)."""

    lines: list[str] | None = None
    template: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LinesOrTemplate:
        if (self.lines is None) == (self.template is None):
            raise ValueError("give exactly one of 'lines' or 'template'")
        return self


class BackupAction(_Strict):
    pass


class RollbackSpec(LinesOrTemplate):
    """Explicit commands that undo a config task, instead of the computed inverse."""

    @model_validator(mode="before")
    @classmethod
    def _plain_list(cls, data: Any) -> Any:
        return {"lines": data} if isinstance(data, list) else data


class Backoff(_Strict):
    """Delay before retry n: initial * multiplier**(n-1), capped at max, plus jitter."""

    initial: float = Field(default=1.0, ge=0, le=3600)
    max: float = Field(default=30.0, ge=0, le=3600)
    multiplier: float = Field(default=2.0, ge=1, le=10)
    jitter: bool = True


class CircuitBreakerPolicy(_Strict):
    scope: Literal["host", "group", "play"] = "group"
    threshold: int = Field(default=3, ge=1, le=10000)
    reset_after: float = Field(default=300.0, ge=0)


class Recovery(_Strict):
    """What happens when devices fail. The defaults change nothing about a plain run."""

    retries: int = Field(default=0, ge=0, le=20)
    backoff: Backoff = Field(default_factory=Backoff)
    circuit_breaker: CircuitBreakerPolicy | None = None
    on_failure: Literal["continue", "rollback", "abort"] = "continue"
    max_fail_percentage: float | None = Field(default=None, ge=0, le=100)
    any_errors_fatal: bool = False
    # With on_failure: rollback, which hosts a failed batch rolls back (engine/rollout.py).
    rollback_scope: Literal["host", "batch", "play"] = "host"

    _scope = model_validator(mode="after")(scope_needs_rollback)

    def merged(self, task: Recovery | None) -> Recovery:
        """This (play) policy with whatever a task set explicitly on top."""
        if task is None:
            return self
        return self.model_copy(update={k: getattr(task, k) for k in task.model_fields_set})


TASK_RECOVERY_KEYS = frozenset({"retries", "backoff", "on_failure"})


class AssertAction(_Strict):
    that: list[str | bool] = Field(min_length=1)
    fail_msg: str | None = Field(default=None, alias="msg")
    success_msg: str | None = None
    quiet: bool = False

    _norm = field_validator("that", mode="before")(_as_list)


class DebugAction(_Strict):
    """``msg`` (a template) or ``var`` (a variable name or expression), as Ansible's debug."""

    msg: Any = None
    var: str | None = None
    verbosity: int = Field(default=0, ge=0, le=5)

    @model_validator(mode="after")
    def _one(self) -> DebugAction:
        if self.msg is not None and self.var is not None:
            raise ValueError("give 'msg' or 'var', not both")
        return self


class FailAction(_Strict):
    msg: str = "Failed as requested from task"


class TemplateAction(_Strict):
    """Render a Jinja2 file on the controller (``delegate_to: localhost`` semantics)."""

    src: str = Field(min_length=1)
    dest: str = Field(min_length=1)


class MetaAction(_Strict):
    action: Literal["flush_handlers", "end_host", "end_play", "noop"]

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return {"action": data} if isinstance(data, str) else data


class LoopControl(_Strict):
    loop_var: str = Field(default="item", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    index_var: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str | None = None
    pause: float = Field(default=0, ge=0, le=3600)
    extended: bool = False


_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Common(_Strict):
    """Keywords a task and a block share; a block's apply to every task inside it."""

    name: str | None = None
    when: list[str | bool] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)
    ignore_errors: bool | None = None
    ignore_unreachable: bool | None = None
    timeout: float | None = Field(default=None, gt=0, le=86400)
    run_once: bool | None = None
    delegate_to: str | None = None
    recovery: Recovery | None = None
    notify: list[str] = Field(default_factory=list)
    no_log: bool | None = None  # hide this task's output, diff and error everywhere
    throttle: int | None = Field(default=None, ge=1, le=10000)  # hosts running it at once

    _norm_common = field_validator("when", "tags", "notify", mode="before")(_as_list)

    @field_validator("vars")
    @classmethod
    def _var_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        import re

        bad = [k for k in value if not isinstance(k, str) or not re.match(_NAME, k)]
        if bad:
            raise ValueError(f"invalid variable name '{bad[0]}'")
        return value

    @field_validator("recovery")
    @classmethod
    def _task_level_keys(cls, value: Recovery | None) -> Recovery | None:
        extra = sorted((value.model_fields_set if value else set()) - TASK_RECOVERY_KEYS)
        if extra:
            raise ValueError(f"{', '.join(extra)}: only allowed in a play's recovery block")
        return value

    @field_validator("delegate_to")
    @classmethod
    def _local_only(cls, value: str | None) -> str | None:
        if value is not None and value not in ("localhost", "127.0.0.1"):
            raise ValueError("only 'localhost' is supported (local actions run on the controller)")
        return value


class Task(_Common):
    command: list[str] | None = None
    parse: ParseSpec | None = None
    config: ConfigAction | None = None
    backup: BackupAction | None = None
    rest: RestAction | None = None
    restconf_config: RestconfConfigAction | None = None
    assert_: AssertAction | None = Field(default=None, alias="assert")
    debug: DebugAction | None = None
    set_fact: dict[str, Any] | None = None
    fail: FailAction | None = None
    template: TemplateAction | None = None
    meta: MetaAction | None = None
    include_tasks: str | None = None
    import_tasks: str | None = None
    register_as: str | None = Field(default=None, alias="register", pattern=_NAME)
    rollback: RollbackSpec | None = None
    loop: str | list[Any] | None = None
    with_items: str | list[Any] | None = None
    with_dict: str | dict[str, Any] | None = None
    loop_control: LoopControl | None = None
    changed_when: list[str | bool] | None = None
    failed_when: list[str | bool] | None = None
    until: str | None = None
    retries: int | None = Field(default=None, ge=0, le=1000)
    delay: float | None = Field(default=None, ge=0, le=3600)
    listen: list[str] = Field(default_factory=list)  # handlers only
    plugin: InstanceOf[PluginCall] | None = None  # set from a plugin action's key, see above

    _norm = field_validator("command", "changed_when", "failed_when", "listen", mode="before")(
        _as_list
    )

    @field_validator("set_fact")
    @classmethod
    def _fact_names(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        import re

        for key in value or {}:
            if key == "cacheable":
                continue
            if not isinstance(key, str) or not re.match(_NAME, key):
                raise ValueError(f"invalid variable name '{key}'")
        return value

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # Plugins: a key naming a discovered plugin action moves into ``plugin``.
        plugins = (info.context or {}).get(PLUGIN_CONTEXT) or {}
        for key in [k for k in data if k in plugins]:
            if "plugin" in data:
                break  # a second action key (or a user-written 'plugin'): reported below
            data["plugin"] = PluginCall(key, data.pop(key), plugins[key])
        # ``backup:`` with no value means "a backup with default options".
        if "backup" in data and data["backup"] is None:
            data["backup"] = {}
        if isinstance(data.get("debug"), str):
            data["debug"] = {"msg": data["debug"]}
        if isinstance(data.get("fail"), str):
            data["fail"] = {"msg": data["fail"]}
        if "fail" in data and data["fail"] is None:
            data["fail"] = {}
        return data

    @model_validator(mode="after")
    def _one_action(self) -> Task:
        given = [a for a in ACTIONS if getattr(self, _FIELD_OF.get(a, a)) is not None]
        if self.plugin is not None:
            given.append(self.plugin.name)
        if len(given) != 1:
            raise ValueError(
                f"a task needs exactly one of {', '.join(ACTIONS)}"
                + (f" (got {', '.join(given)})" if given else "")
            )
        action = given[0]
        if self.command is not None and not self.command:
            raise ValueError("command: give at least one command")
        if self.rollback is not None and self.config is None:
            raise ValueError("rollback: only a config task can carry one")
        loops = [k for k in ("loop", "with_items", "with_dict") if getattr(self, k) is not None]
        if len(loops) > 1:
            raise ValueError(f"give one of loop, with_items, with_dict (got {', '.join(loops)})")
        if self.loop_control is not None and not loops:
            raise ValueError("loop_control: only with loop, with_items or with_dict")
        if action == "import_tasks" and (loops or self.register_as):
            raise ValueError("import_tasks is static: use include_tasks to loop or register")
        if self.delay is not None and self.until is None and self.retries is None:
            raise ValueError("delay: only with until or retries")
        if self.delegate_to is not None and self.talks_to_device:
            raise ValueError(
                f"delegate_to: a {action} task talks to its own device; "
                "only local actions can be delegated to localhost"
            )
        if self.set_fact is not None and not [k for k in self.set_fact if k != "cacheable"]:
            raise ValueError("set_fact: give at least one variable")
        return self

    @property
    def action(self) -> str:
        if self.plugin is not None:
            return self.plugin.name
        return next(a for a in ACTIONS if getattr(self, _FIELD_OF.get(a, a)) is not None)

    @property
    def talks_to_device(self) -> bool:
        """A device action (built-in or plugin): session, retries, check guard, rollback."""
        if self.plugin is not None:
            return self.plugin.device
        return self.action in DEVICE_ACTIONS or self.action in HTTP_ACTIONS

    @property
    def loop_source(self) -> str | list[Any] | dict[str, Any] | None:
        if self.loop is not None:
            return self.loop
        if self.with_items is not None:
            return self.with_items
        return self.with_dict

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        if self.command:
            return f"command: {self.command[0]}"
        if self.include_tasks:
            return f"include_tasks: {self.include_tasks}"
        if self.meta:
            return f"meta: {self.meta.action}"
        if self.rest:
            return f"rest: {self.rest.method} {self.rest.path}"
        if self.restconf_config:
            return f"restconf_config: {self.restconf_config.path}"
        return self.action


def _node_kind(value: Any) -> str:
    if isinstance(value, Block):
        return BLOCK_TAG
    return BLOCK_TAG if isinstance(value, dict) and "block" in value else TASK_TAG


class Block(_Common):
    block: list[Node] = Field(min_length=1)
    rescue: list[Node] = Field(default_factory=list)
    always: list[Node] = Field(default_factory=list)

    @property
    def title(self) -> str:
        return self.name or "block"


Node = Annotated[
    Annotated[Task, Tag(TASK_TAG)] | Annotated[Block, Tag(BLOCK_TAG)],
    Discriminator(_node_kind),
]
Block.model_rebuild()


class RoleRef(_Strict):
    role: str = Field(min_length=1, alias="name")
    vars: dict[str, Any] = Field(default_factory=dict)
    when: list[str | bool] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    _norm = field_validator("when", "tags", mode="before")(_as_list)

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"role": data}
        if isinstance(data, dict) and "role" in data:
            # Ansible also takes role params as extra keys beside ``role:``.
            known = {"role", "name", "vars", "when", "tags"}
            params = {k: v for k, v in data.items() if k not in known}
            base = {k: v for k, v in data.items() if k in known}
            if params:
                base["vars"] = {**params, **dict(base.get("vars") or {})}
            return base
        return data


class Play(_Strict):
    name: str | None = None
    hosts: str = Field(min_length=1)
    vars: dict[str, Any] = Field(default_factory=dict)
    vars_files: list[str] = Field(default_factory=list)
    forks: int | None = Field(default=None, ge=1, le=10000)
    strategy: Literal["free", "linear"] = "free"
    gather_facts: Literal[False] = False
    recovery: Recovery = Field(default_factory=Recovery)
    # Rollouts (engine/rollout.py); declared after ``recovery`` so validators can see it.
    serial: list[SerialStep] | None = None
    order: Literal["inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle"] = (
        "inventory"
    )
    max_fail_percentage: float | None = Field(default=None, ge=0, le=100)
    any_errors_fatal: bool | None = None
    pre_tasks: list[Node] = Field(default_factory=list)
    roles: list[RoleRef] = Field(default_factory=list)
    tasks: list[Node] = Field(default_factory=list)
    post_tasks: list[Node] = Field(default_factory=list)
    handlers: list[Task] = Field(default_factory=list)

    _norm = field_validator("vars_files", mode="before")(_as_list)
    _serial = field_validator("serial", mode="before")(parse_serial)
    _play_level = field_validator("max_fail_percentage", "any_errors_fatal")(not_also_in_recovery)

    @field_validator("gather_facts", mode="before")
    @classmethod
    def _no_facts(cls, value: Any) -> Any:
        if value in (True, "yes", "true", "True"):
            raise ValueError(
                "NetRaven does not gather facts; set gather_facts: false "
                "(use a command task with parse: to read device state)"
            )
        if value in ("no", "false", "False"):
            return False
        return value

    @property
    def title(self) -> str:
        return self.name or self.hosts


class PlaybookImport(_Strict):
    import_playbook: str = Field(min_length=1)
    name: str | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
