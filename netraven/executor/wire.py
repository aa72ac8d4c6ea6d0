"""What travels between the coordinator and the workers, as JSON: no objects, no secrets.

A lane message names the job's files (the worker loads them itself, with its own vault
password and environment) and carries the options the job row already records. Outcomes
come back already redacted by the worker that ran them, exactly as they were stored.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from netraven.domain import HostOutcome, HostStatus, TaskOutcome, TaskStatus
from netraven.engine.spec import JobSpec
from netraven.flags.model import FlagState

__all__ = [
    "WIRE_VERSION",
    "host_from_wire",
    "host_to_wire",
    "spec_to_wire",
    "task_from_wire",
    "task_to_wire",
]

WIRE_VERSION = 1


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def task_to_wire(outcome: TaskOutcome) -> dict[str, Any]:
    return {f.name: _plain(getattr(outcome, f.name)) for f in dataclasses.fields(outcome)}


def task_from_wire(data: dict[str, Any]) -> TaskOutcome:
    values = dict(data)
    values["status"] = TaskStatus(values["status"])
    values["started_at"] = _when(values.get("started_at"))
    return TaskOutcome(**values)


def host_to_wire(outcome: HostOutcome) -> dict[str, Any]:
    return {f.name: _plain(getattr(outcome, f.name)) for f in dataclasses.fields(outcome)}


def host_from_wire(data: dict[str, Any]) -> HostOutcome:
    values = dict(data)
    values["status"] = HostStatus(values["status"])
    values["started_at"] = _when(values.get("started_at"))
    values["finished_at"] = _when(values.get("finished_at"))
    return HostOutcome(**values)


def spec_to_wire(spec: JobSpec) -> dict[str, Any]:
    """The job as workers rebuild it: file paths, a checksum to prove they read the same
    playbook, the recorded options and the flag snapshot (flags are decided once per job)."""
    return {
        "playbook": str(spec.playbook.path.resolve()),
        "playbook_sha256": spec.playbook.sha256,
        "inventory": str(_absolute(spec.inventory_path)),
        "options": spec.options.as_record(),
        "owner": dataclasses.asdict(spec.owner),
        "log_level": spec.log_level,
        "verbosity": spec.verbosity,
        "git_commit": spec.git_commit,
        "flags": {name: dataclasses.asdict(state) for name, state in spec.flags.items()},
        "templates": spec.playbook.templates.repo.pins(),  # repo:NAME → the version pinned
    }


def flags_from_wire(data: dict[str, Any]) -> dict[str, FlagState]:
    return {
        name: FlagState(**{**state, "tags": tuple(state.get("tags", ()))})
        for name, state in data.items()
    }


def _absolute(path: str | None) -> str:
    from pathlib import Path

    if path is None:
        raise ValueError("a job run by workers needs its inventory path")
    return str(Path(path).resolve())
