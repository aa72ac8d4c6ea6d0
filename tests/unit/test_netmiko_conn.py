"""netmiko sessions: one thread each, never two at once, and close waits for the command."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from netraven.connections.base import HostParams
from netraven.connections.netmiko_conn import NetmikoConnection
from netraven.connections.ssh_options import SshOptions
from netraven.errors import ConnectionFailed


class _FakeHandler:
    """Stands in for a netmiko connection: slow commands, and a record of who called."""

    active = 0
    overlap = False

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.threads: set[int] = set()
        self.events: list[str] = []

    def check_enable_mode(self) -> bool:
        return True

    def send_command(self, command: str) -> str:
        self.threads.add(threading.get_ident())
        _FakeHandler.active += 1
        _FakeHandler.overlap |= _FakeHandler.active > 1
        time.sleep(0.2)
        _FakeHandler.active -= 1
        self.events.append(f"done {command}")
        return "ok"

    def disconnect(self) -> None:
        self.threads.add(threading.get_ident())
        self.events.append("disconnect")


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> list[_FakeHandler]:
    made: list[_FakeHandler] = []

    def connect(**kwargs: Any) -> _FakeHandler:
        made.append(_FakeHandler(**kwargs))
        return made[-1]

    monkeypatch.setattr("netmiko.ConnectHandler", connect)
    _FakeHandler.active, _FakeHandler.overlap = 0, False
    return made


def _params(extras: dict[str, Any] | None = None, ssh: SshOptions | None = None) -> HostParams:
    return HostParams(
        "r1",
        "127.0.0.1",
        22,
        "u",
        "p",
        None,
        "hp_procurve",
        5.0,
        extras or {},
        ssh=ssh or SshOptions(host_key_checking=False),  # these tests are not about host keys
    )


def test_one_thread_per_session_and_no_overlap(handler: list[_FakeHandler]) -> None:
    async def scenario() -> None:
        conn = NetmikoConnection(_params())
        await conn.open()
        await asyncio.gather(*(conn.send_command(f"show {i}") for i in range(3)))
        await conn.close()

    asyncio.run(scenario())
    (made,) = handler
    assert len(made.threads) == 1
    assert not _FakeHandler.overlap
    assert made.events[-1] == "disconnect"


def test_close_after_cancel_waits_for_the_running_command(handler: list[_FakeHandler]) -> None:
    async def scenario() -> None:
        conn = NetmikoConnection(_params())
        await conn.open()
        task = asyncio.create_task(conn.send_command("show long"))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await conn.close()

    asyncio.run(scenario())
    assert handler[0].events == ["done show long", "disconnect"]


def test_extras_tune_but_cannot_repeat_managed_arguments(handler: list[_FakeHandler]) -> None:
    from netraven.errors import InputError

    asyncio.run(NetmikoConnection(_params({"conn_timeout": 99})).open())
    assert handler[0].kwargs["conn_timeout"] == 99
    with pytest.raises(InputError, match="username"):
        NetmikoConnection(_params({"username": "x"}))


def test_host_key_checking_reaches_paramiko_through_netmiko(
    handler: list[_FakeHandler], tmp_path: Path
) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("[127.0.0.1]:22 ssh-ed25519 AAAA\n")
    asyncio.run(NetmikoConnection(_params(ssh=SshOptions(known_hosts=str(known)))).open())
    asyncio.run(NetmikoConnection(_params()).open())
    checked, unchecked = (h.kwargs for h in handler)
    assert checked["ssh_strict"] is True and checked["alt_host_keys"] is True
    assert checked["alt_key_file"] == str(known) and checked["system_host_keys"] is False
    assert unchecked["ssh_strict"] is False and "alt_key_file" not in unchecked
    missing = SshOptions(known_hosts=str(tmp_path / "absent"))
    with pytest.raises(ConnectionFailed, match="known_hosts file .*absent does not exist"):
        asyncio.run(NetmikoConnection(_params(ssh=missing)).open())
    assert len(handler) == 2  # never called without a file to check against
