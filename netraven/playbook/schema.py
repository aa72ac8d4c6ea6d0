"""The playbook schema: a YAML list of plays, each a list of tasks.

Models forbid unknown keys so a typo is an input error, never a silently ignored key.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from netraven.playbook.rollout_keys import (
    SerialStep,
    not_also_in_recovery,
    parse_serial,
    scope_needs_rollback,
)

ACTIONS = ("command", "config", "backup", "assert")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class LinesOrTemplate(_Strict):
    """Configuration lines given inline, or a template file (relative to the playbook)."""

    lines: list[str] | None = None
    template: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LinesOrTemplate:
        if (self.lines is None) == (self.template is None):
            raise ValueError("give exactly one of 'lines' or 'template'")
        return self


class ConfigAction(LinesOrTemplate):
    """Lines that must be present in the running config; only missing ones are sent."""

    save: bool = False


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
    that: list[str] = Field(min_length=1)
    fail_msg: str | None = None
    success_msg: str | None = None

    _norm = field_validator("that", mode="before")(_as_list)


class Task(_Strict):
    name: str | None = None
    command: list[str] | None = None
    config: ConfigAction | None = None
    backup: BackupAction | None = None
    assert_: AssertAction | None = Field(default=None, alias="assert")
    register_as: str | None = Field(
        default=None, alias="register", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"
    )
    when: list[str | bool] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    ignore_errors: bool = False
    recovery: Recovery | None = None
    rollback: RollbackSpec | None = None
    throttle: int | None = Field(default=None, ge=1, le=10000)  # hosts running it at once

    _norm = field_validator("command", "when", "tags", mode="before")(_as_list)

    @field_validator("recovery")
    @classmethod
    def _task_level_keys(cls, value: Recovery | None) -> Recovery | None:
        extra = sorted((value.model_fields_set if value else set()) - TASK_RECOVERY_KEYS)
        if extra:
            raise ValueError(f"{', '.join(extra)}: only allowed in a play's recovery block")
        return value

    @field_validator("backup", mode="before")
    @classmethod
    def _empty_backup(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="before")
    @classmethod
    def _backup_null(cls, data: Any) -> Any:
        # ``backup:`` with no value means "a backup with default options".
        if isinstance(data, dict) and "backup" in data and data["backup"] is None:
            data = {**data, "backup": {}}
        return data

    @model_validator(mode="after")
    def _one_action(self) -> Task:
        given = [a for a in ACTIONS if getattr(self, "assert_" if a == "assert" else a) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a task needs exactly one of {', '.join(ACTIONS)}"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.command is not None and not self.command:
            raise ValueError("command: give at least one command")
        if self.rollback is not None and self.config is None:
            raise ValueError("rollback: only a config task can carry one")
        return self

    @property
    def action(self) -> str:
        return next(
            a for a in ACTIONS if getattr(self, "assert_" if a == "assert" else a) is not None
        )

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        if self.command:
            return f"command: {self.command[0]}"
        return self.action


class Play(_Strict):
    name: str | None = None
    hosts: str = Field(min_length=1)
    vars: dict[str, Any] = Field(default_factory=dict)
    forks: int | None = Field(default=None, ge=1, le=10000)
    recovery: Recovery = Field(default_factory=Recovery)
    tasks: list[Task] = Field(default_factory=list)
    # Rollouts (engine/rollout.py); declared after ``recovery`` so validators can see it.
    serial: list[SerialStep] | None = None
    order: Literal["inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle"] = (
        "inventory"
    )
    max_fail_percentage: float | None = Field(default=None, ge=0, le=100)
    any_errors_fatal: bool | None = None

    _serial = field_validator("serial", mode="before")(parse_serial)
    _play_level = field_validator("max_fail_percentage", "any_errors_fatal")(not_also_in_recovery)

    @property
    def title(self) -> str:
        return self.name or self.hosts
