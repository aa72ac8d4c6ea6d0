"""The playbook schema: a YAML list of plays, each a list of tasks.

Models forbid unknown keys so a typo is an input error, never a silently ignored key.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ACTIONS = ("command", "config", "backup", "assert")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class ConfigAction(_Strict):
    """Lines (or a template rendering to lines) that must be present in the running config."""

    lines: list[str] | None = None
    template: str | None = None
    save: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> ConfigAction:
        if (self.lines is None) == (self.template is None):
            raise ValueError("give exactly one of 'lines' or 'template'")
        return self


class BackupAction(_Strict):
    pass


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

    _norm = field_validator("command", "when", "tags", mode="before")(_as_list)

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
    tasks: list[Task] = Field(default_factory=list)

    @property
    def title(self) -> str:
        return self.name or self.hosts
