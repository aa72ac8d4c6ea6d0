"""netmiko on a candidate-config platform: load, netmiko's own commit(), leave; a rejected
line or commit discards the candidate instead of committing part of it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from netraven.connections.base import HostParams
from netraven.connections.netmiko_conn import NetmikoConnection
from netraven.connections.ssh_options import SshOptions
from netraven.errors import TaskFailed


class _Junos:
    """Stands in for netmiko's JuniperSSH, answering as a Junos device does."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.calls: list[tuple[str, Any]] = []
        self.config_mode_on = False
        self.fail_commit = False
        self.shared_edits = False

    def check_enable_mode(self) -> bool:
        return True

    def send_command(self, command: str, expect_string: str = "") -> str:
        self.calls.append(("enter", command))
        if self.shared_edits:
            return (
                "error: shared configuration database modified\n"
                "error: configuration check-out failed"
            )
        self.config_mode_on = True
        return "Entering configuration mode"

    def send_config_set(self, lines: list[str], exit_config_mode: bool = True) -> str:
        self.calls.append(("config", list(lines)))
        self.config_mode_on = not exit_config_mode
        return "\n".join(
            f"{line}\n    ^\nsyntax error." if "bogus" in line else line for line in lines
        )

    def commit(self, confirm: bool = False, confirm_delay: int | None = None) -> str:
        self.calls.append(("commit", (confirm, confirm_delay)))
        if self.fail_commit:
            raise ValueError("Commit failed with the following errors:\n\nerror: check-out failed")
        return "commit complete"

    def check_config_mode(self) -> bool:
        return self.config_mode_on

    def exit_config_mode(self) -> str:
        self.calls.append(("exit", None))
        self.config_mode_on = False
        return ""

    def disconnect(self) -> None:
        pass


@pytest.fixture
def junos(monkeypatch: pytest.MonkeyPatch) -> list[_Junos]:
    made: list[_Junos] = []

    def connect(**kwargs: Any) -> _Junos:
        made.append(_Junos(**kwargs))
        return made[-1]

    monkeypatch.setattr("netmiko.ConnectHandler", connect)
    return made


def _run(
    lines: list[str], fail_commit: bool = False, shared_edits: bool = False
) -> tuple[_Junos, str | BaseException]:
    params = HostParams(
        "j1", "127.0.0.1", 22, "u", "p", None, "juniper_junos", 5.0,
        ssh=SshOptions(host_key_checking=False),
    )

    async def scenario() -> tuple[_Junos, str | BaseException]:
        conn = NetmikoConnection(params)
        await conn.open()
        device = conn._conn
        device.fail_commit = fail_commit
        device.shared_edits = shared_edits
        try:
            result: str | BaseException = await conn.send_config(lines)
        except TaskFailed as exc:
            result = exc
        await conn.close()
        return device, result

    return asyncio.run(scenario())


def test_commit_confirmed_goes_through_netmikos_commit(junos: list[_Junos]) -> None:
    lines = ["set system ntp server 192.0.2.1", "show | compare", "commit confirmed 5"]
    device, output = _run(lines)
    assert device.calls == [
        ("enter", "configure private"),  # never the shared candidate
        ("config", ["set system ntp server 192.0.2.1", "show | compare"]),
        ("commit", (True, 5)),
        ("exit", None),
    ]
    assert isinstance(output, str) and "commit complete" in output


def test_a_rejected_line_discards_instead_of_committing(junos: list[_Junos]) -> None:
    device, output = _run(["set bogus", "commit"])
    assert isinstance(output, TaskFailed)
    assert ("commit", (False, None)) not in device.calls
    assert device.calls[-2:] == [("config", ["rollback 0"]), ("exit", None)]


def test_a_rejected_commit_discards(junos: list[_Junos]) -> None:
    device, output = _run(["set system ntp server 192.0.2.1", "commit"], fail_commit=True)
    assert isinstance(output, TaskFailed) and "commit was rejected" in str(output)
    assert device.calls[-2:] == [("config", ["rollback 0"]), ("exit", None)]


def test_configure_private_refused_fails_the_task_without_loading(junos: list[_Junos]) -> None:
    device, output = _run(["set system ntp server 192.0.2.1", "commit"], shared_edits=True)
    assert isinstance(output, TaskFailed)
    assert "'configure private' was refused" in str(output)
    assert "shared configuration database modified" in (output.output or "")
    assert device.calls == [("enter", "configure private")]  # nothing loaded, no commit
