"""What a schedule runs, by name: the ``Handler`` contract beside its registry.

A handler checks a schedule's inputs when it is added (so a typo fails at ``schedules add``,
not at 02:30) and runs it as one recorded job, returning the job's id. Handlers reach the
engine only through ``HandlerEnv.launch``: the CLI's ``run-now`` executes in its own
process, the service hands the spec to its job runner (which caps concurrent jobs).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from netraven.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from netraven.connections.base import ConnectionRegistry
    from netraven.engine.pool import ConnectionPool
    from netraven.engine.spec import JobSpec, Owner

__all__ = [
    "HANDLERS",
    "Handler",
    "HandlerEnv",
    "HandlerRegistry",
    "Launch",
    "Target",
    "direct_launch",
]

Launch = Callable[["JobSpec"], Awaitable[int]]  # run the job to its end; its id


@dataclass(frozen=True)
class Target:
    """A schedule's inputs as plain data (no store row): what the handler is asked to do."""

    name: str
    handler: str
    inventory: Path
    playbook: Path | None = None
    limit: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HandlerEnv:
    store: Engine
    owner: Owner
    launch: Launch
    vault_password: bytes | None = None
    probe_timeout: float = 5.0  # reachability: seconds per host for connect + banner
    probe_concurrency: int = 200


class Handler(Protocol):
    def check(self, target: Target, vault_password: bytes | None) -> None: ...

    async def run(self, target: Target, env: HandlerEnv) -> int: ...


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, name: str, handler: Handler) -> None:
        self._handlers[name] = handler

    def get(self, name: str) -> Handler:
        try:
            return self._handlers[name]
        except KeyError:
            raise InputError(
                f"handler: unknown handler '{name}' (known: {', '.join(self.names())})"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._handlers)


def direct_launch(
    store: Engine,
    *,
    connections: ConnectionRegistry | None = None,
    pool: ConnectionPool | None = None,
    cancel: asyncio.Event | None = None,
) -> Launch:
    """Execute the spec on this event loop, as ``netraven run`` does."""

    async def launch(spec: JobSpec) -> int:
        from netraven.engine import execute

        outcome = await execute(
            spec, store=store, connections=connections, pool=pool, cancel=cancel
        )
        return outcome.job_id

    return launch


def _need_inventory(target: Target) -> None:
    if not target.inventory.is_dir():
        raise InputError(f"inventory: not a directory: {target.inventory}")


class PlaybookHandler:
    """A playbook run, prepared exactly as ``netraven run`` prepares it."""

    def check(self, target: Target, vault_password: bytes | None) -> None:
        from netraven.playbook.loader import load_playbook

        if target.playbook is None:
            raise InputError("playbook: the playbook handler needs --playbook")
        if not target.playbook.is_file():
            raise InputError(f"playbook: file not found: {target.playbook}")
        _need_inventory(target)
        load_playbook(target.playbook, vault_password)

    async def run(self, target: Target, env: HandlerEnv) -> int:
        assert target.playbook is not None
        spec = await asyncio.to_thread(self._prepare, target, env, target.playbook)
        return await env.launch(spec)

    @staticmethod
    def _prepare(target: Target, env: HandlerEnv, playbook: Path) -> JobSpec:
        from netraven.app.runs import prepare_run
        from netraven.settings import load_settings

        prepared = prepare_run(
            playbook,
            target.inventory,
            owner=env.owner,
            store=lambda: env.store,
            limit=target.limit,
            extra_vars=target.extra_vars,
            vault_password=env.vault_password,
            # Flags as declared now (netraven.toml of this process) and set in the store.
            flags=load_settings().flags,
        )
        assert prepared.spec is not None  # only --retry-failed prepares nothing
        return prepared.spec


BACKUP_PLAY = """\
- name: scheduled backup ({name})
  hosts: all
  tasks:
    - name: back up the running configuration
      backup: {{}}
"""


class BackupHandler:
    """A backup of a host set: a generated one-task play, run by the engine like any other."""

    def check(self, target: Target, vault_password: bytes | None) -> None:
        if target.playbook is not None:
            raise InputError("playbook: the backup handler generates its own play; drop --playbook")
        _need_inventory(target)

    async def run(self, target: Target, env: HandlerEnv) -> int:
        spec = await asyncio.to_thread(self._prepare, target, env)
        return await env.launch(spec)

    @staticmethod
    def _prepare(target: Target, env: HandlerEnv) -> JobSpec:
        with tempfile.TemporaryDirectory(prefix="netraven-backup-") as folder:
            path = Path(folder) / "backup.yml"
            path.write_text(BACKUP_PLAY.format(name=target.name.replace('"', "")))
            # The project's plugins (a plugin connection kind the inventory names) are
            # found beside a playbook: link the inventory's project's in beside this one.
            for project in (target.inventory.parent, target.inventory):
                if (project / "plugins").is_dir():
                    (Path(folder) / "plugins").symlink_to((project / "plugins").resolve())
                    break
            spec = PlaybookHandler._prepare(target, env, path)
        # The job names what it was, not a temporary file that no longer exists.
        book = replace(spec.playbook, path=Path(f"schedule:{target.name}:backup"))
        return replace(spec, playbook=book, git_commit=None)


def _registry() -> HandlerRegistry:
    from netraven.scheduler.reachability import ReachabilityHandler

    registry = HandlerRegistry()
    registry.register("playbook", PlaybookHandler())
    registry.register("backup", BackupHandler())
    registry.register("reachability", ReachabilityHandler())
    return registry


HANDLERS = _registry()
