"""Credential fallback in the engine: fake devices that accept one login only."""

from __future__ import annotations

import asyncio
from typing import Any

from netraven.connections.base import Connection
from netraven.domain import HostStatus
from netraven.engine import execute
from netraven.errors import ConnectionFailed, SessionLost
from netraven.store import queries
from tests.inprocess.conftest import World

CREDENTIALS = """\
aaa: {username: svc, password: aaa-Pw-77, priority: 10}
breakglass: {username: local, password: bg-Pw-88, secret: bg-En-99, priority: 20}
core-only: {username: core, password: core-Pw-66, priority: 5, groups: [site_b]}
"""
SECRETS = ("pw-Secret-1", "aaa-Pw-77", "bg-Pw-88", "bg-En-99", "core-Pw-66")
PLAY = """
- hosts: r1
  tasks:
    - command: show version
"""


def setup(world: World, accepts: tuple[str, str] | None) -> None:
    directory = world.root / "inventory"
    directory.mkdir(exist_ok=True)
    (directory / "credentials.yaml").write_text(CREDENTIALS)
    for name in ("r1", "r2", "r3", "r4"):
        device = world.network.device(name)
        device.outputs["show version"] = "Version 17.9"
        device.login = accepts


def stored_credentials(world: World, job_id: int) -> dict[str, str | None]:
    return {h.host: h.credential for h in queries.host_results(world.store, job_id)}


def test_an_authentication_failure_moves_to_the_next_set_and_the_set_is_recorded(
    world: World,
) -> None:
    setup(world, ("local", "bg-Pw-88"))
    outcome = world.run(PLAY)
    assert outcome.exit_code == 0
    device = world.network.device("r1")
    # inventory (defaults' u), then aaa, then breakglass: each once, in order.
    assert device.login_attempts == ["u", "svc", "local"]
    assert device.logins == 1 and device.commands == ["show version"]
    assert outcome.hosts[0].credential == "breakglass"
    assert stored_credentials(world, outcome.job_id) == {"r1": "breakglass"}
    messages = [e.message for e in queries.logs(world.store, outcome.job_id, "r1")]
    assert "logging in with credential set 'aaa'" in messages
    assert any(m.startswith("credential set 'aaa' refused") for m in messages)


def test_group_matched_set_is_tried_by_priority(world: World) -> None:
    setup(world, ("core", "core-Pw-66"))
    outcome = world.run(PLAY.replace("hosts: r1", "hosts: r1,r3"))
    # r1 (site_a) has no core-only set: every set refused.
    assert outcome.host_status() == {"r1": HostStatus.UNREACHABLE, "r3": HostStatus.OK}
    assert world.network.device("r3").login_attempts == ["u", "core"]
    assert stored_credentials(world, outcome.job_id) == {"r1": None, "r3": "core-only"}


def test_every_set_refused_fails_the_host_naming_the_sets_never_a_secret(world: World) -> None:
    setup(world, ("nobody", "nothing"))
    outcome = world.run(PLAY)
    assert outcome.exit_code == 4
    device = world.network.device("r1")
    assert device.login_attempts == ["u", "svc", "local"] and device.logins == 0
    host = outcome.hosts[0]
    assert host.status == HostStatus.UNREACHABLE and host.credential is None
    error = outcome.tasks[0].error or ""
    assert "every credential set (inventory, aaa, breakglass)" in error
    assert not any(secret in error for secret in SECRETS)
    assert stored_credentials(world, outcome.job_id) == {"r1": None}


def test_a_connection_failure_is_not_an_authentication_failure(world: World) -> None:
    setup(world, ("svc", "aaa-Pw-77"))
    # The first open is refused at the TCP level: were that treated as a refused login, the
    # next set would be tried (and succeed, since fail_open fails only one open).
    world.network.device("r1").fail_open.append(ConnectionFailed("connection refused"))
    outcome = world.run(PLAY)
    assert outcome.hosts[0].status == HostStatus.UNREACHABLE
    assert world.network.device("r1").login_attempts == []
    assert "connection refused" in (outcome.tasks[0].error or "")


def test_a_reconnect_reuses_the_set_that_worked_and_never_a_refused_one(world: World) -> None:
    setup(world, ("local", "bg-Pw-88"))
    dropped: list[bool] = []

    class DropsOnce:
        """The first command finds the session dead: the retry must log in again."""

        def __init__(self, conn: Connection) -> None:
            self._conn = conn

        async def open(self) -> None:
            await self._conn.open()

        async def send_command(self, command: str) -> str:
            if not dropped:
                dropped.append(True)
                raise SessionLost("session dropped")
            return await self._conn.send_command(command)

        async def send_config(self, lines: list[str]) -> str:
            return await self._conn.send_config(lines)

        async def close(self) -> None:
            await self._conn.close()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

    spec = world.spec(
        """
        - hosts: r1
          recovery: {retries: 2, backoff: {initial: 0, max: 0, jitter: false}}
          tasks:
            - command: show version
        - hosts: r1
          tasks:
            - command: show version
        """
    )
    outcome = asyncio.run(
        execute(spec, store=world.store, connections=world.network.registry(wrap=DropsOnce))
    )
    assert outcome.exit_code == 0 and outcome.tasks[0].attempts == 2
    device = world.network.device("r1")
    assert device.login_attempts == ["u", "svc", "local", "local"]
    assert [h.credential for h in outcome.hosts] == ["breakglass", "breakglass"]


def test_no_secret_of_any_set_reaches_the_store(world: World) -> None:
    setup(world, ("local", "bg-Pw-88"))
    outcome = world.run(PLAY.replace("hosts: r1", "hosts: all"))
    assert outcome.exit_code == 0
    # site_b hosts try their group's set (priority 5) before aaa.
    assert world.network.device("r3").login_attempts == ["u", "core", "svc", "local"]
    assert set(stored_credentials(world, outcome.job_id).values()) == {"breakglass"}
    world.store.dispose()
    raw = b"".join(p.read_bytes() for p in world.root.glob("store.db*"))
    assert b"breakglass" in raw  # the store holds what we look for
    assert not [s for s in SECRETS if s.encode() in raw]
