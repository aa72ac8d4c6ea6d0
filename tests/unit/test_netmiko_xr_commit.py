"""netmiko on IOS-XR: a ``commit confirmed N`` is sent as it is, read to the prompt, never
through netmiko's XR ``commit()`` (which takes the echo of its own command for XR's
``Confirm? [y/n]`` and answers ``y`` to no question); a plain commit still goes through it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from netmiko.cisco.cisco_xr import CiscoXrBase

from netraven.connections.base import HostParams
from netraven.connections.netmiko_conn import NetmikoConnection
from netraven.connections.ssh_options import SshOptions
from netraven.errors import TaskFailed

FAILED = (
    "% Failed to commit one or more configuration items during a pseudo-atomic operation. "
    "All changes made have been reverted."
)


class _Xr(CiscoXrBase):
    """netmiko's XR class with the channel replaced: records what NetRaven asks of it."""

    def __init__(self, **kwargs: Any) -> None:  # no connection
        self.calls: list[tuple[Any, ...]] = []
        self.in_config = False
        self.refuse = False

    def check_enable_mode(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def send_config_set(self, lines: Any = None, exit_config_mode: bool = True, **_: Any) -> str:
        self.calls.append(("config", list(lines)))
        self.in_config = not exit_config_mode
        return "\n".join(lines)

    def config_mode(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append(("config_mode",))
        self.in_config = True
        return ""

    def send_command(self, command_string: str, expect_string: str | None = None, **_: Any) -> str:
        self.calls.append(("command", command_string, expect_string))
        stamp = "Sat Nov 28 00:37:56.240 UTC"
        return f"{command_string}\n{stamp}\n{FAILED if self.refuse else ''}".rstrip()

    def commit(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        self.calls.append(("commit", kwargs))
        return "Sat Nov 28 00:37:56.240 UTC"

    def check_config_mode(self, *args: Any, **kwargs: Any) -> bool:
        return self.in_config

    def exit_config_mode(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append(("exit",))
        self.in_config = False
        return ""

    def disconnect(self) -> None:
        pass


@pytest.fixture
def xr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("netmiko.ConnectHandler", lambda **kwargs: _Xr(**kwargs))


def _run(lines: list[str], refuse: bool = False) -> tuple[_Xr, str | BaseException]:
    params = HostParams(
        "x1", "127.0.0.1", 22, "u", "p", None, "cisco_xr", 5.0,
        ssh=SshOptions(host_key_checking=False),
    )

    async def scenario() -> tuple[_Xr, str | BaseException]:
        conn = NetmikoConnection(params)
        await conn.open()
        device: _Xr = conn._conn
        device.refuse = refuse
        try:
            result: str | BaseException = await conn.send_config(lines)
        except TaskFailed as exc:
            result = exc
        await conn.close()
        return device, result

    return asyncio.run(scenario())


@pytest.mark.usefixtures("xr")
def test_commit_confirmed_is_sent_as_it_is() -> None:
    lines = ["domain name-server 192.0.2.1", "show commit changes diff", "commit confirmed 300"]
    device, output = _run(lines)
    assert device.calls == [
        ("config", ["domain name-server 192.0.2.1", "show commit changes diff"]),
        ("config_mode",),
        ("command", "commit confirmed 300", r"#\s*$"),
        ("exit",),
    ]
    assert isinstance(output, str) and "commit confirmed 300" in output


@pytest.mark.usefixtures("xr")
def test_a_refused_commit_confirmed_is_aborted() -> None:
    device, output = _run(["domain name-server 192.0.2.1", "commit confirmed 300"], refuse=True)
    assert isinstance(output, TaskFailed) and "commit was rejected" in str(output)
    assert device.calls[-2:] == [("config", ["abort"]), ("exit",)]


@pytest.mark.usefixtures("xr")
def test_a_plain_commit_still_goes_through_netmikos_commit() -> None:
    device, output = _run(["domain name-server 192.0.2.1", "commit"])
    assert ("commit", {"confirm": False, "confirm_delay": None}) in device.calls
    assert not any(call[0] == "command" for call in device.calls)
