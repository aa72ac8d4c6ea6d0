"""Request bodies the API accepts (responses are ``netraven.app.read_models``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["StartJob", "TokenCreate"]


class StartJob(BaseModel):
    """Start a job: what ``netraven run`` takes, with paths inside the playbook directory."""

    model_config = ConfigDict(extra="forbid")

    playbook: str = Field(min_length=1, description="Relative to the service's playbook dir.")
    inventory: str = Field(min_length=1, description="Inventory directory, relative likewise.")
    limit: str | None = Field(None, description="A host pattern (no @FILE).")
    extra_vars: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    skip_tags: list[str] = Field(default_factory=list)
    check: bool = False
    diff: bool = False
    forks: int | None = Field(None, ge=1, le=10_000)
    start_at_task: str | None = None
    retry_failed: int | None = Field(None, ge=1, description="Only the failed hosts of job N.")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(description="viewer, operator or admin")
