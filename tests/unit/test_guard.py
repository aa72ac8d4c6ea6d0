"""The check-mode guard: only read-only commands reach the device, nothing writes a file."""

from __future__ import annotations

import asyncio

import pytest

from netraven.connections.guard import CheckModeGuard, refusal
from netraven.errors import CheckModeBlocked


class _Recorder:
    """The wrapped connection: records what got through the guard."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def open(self) -> None:
        self.sent.append("<open>")

    async def send_command(self, command: str) -> str:
        self.sent.append(command)
        return f"output of {command}"

    async def send_config(self, lines: list[str]) -> str:
        self.sent.extend(lines)
        return ""

    async def close(self) -> None:
        self.sent.append("<close>")


@pytest.mark.parametrize(
    "command",
    [
        "show running-config",
        "sh run | include snmp|username",
        "show running-config | section interface",
        "show ip interface brief | exclude unassigned",
        "show running-config | begin line vty",
        "show version | count",
        "show interfaces | json",  # EOS / NX-OS
        "show configuration | display set | match ntp",  # Junos
        "show log messages | last 20 | no-more",
        "show running-config | i hostname",
        "display current-configuration | include sysname",
        "ping 192.0.2.1",
        "traceroute 192.0.2.1",
        "terminal length 0",
        "dir flash:",
        "more bootflash:notes.txt",
    ],
)
def test_read_only_commands_pass(command: str) -> None:
    assert refusal(command) is None


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        # Not read-only at all.
        ("configure terminal", "'configure …' is not a read-only command"),
        ("write memory", "'write …' is not a read-only command"),
        ("copy running-config startup-config", "'copy …' is not a read-only command"),
        ("reload", "'reload …' is not a read-only command"),
        # IOS / EOS output modifiers that write files, and their abbreviations.
        ("show running-config | redirect flash:x", "'| redirect'"),
        ("show running-config | red flash:x", "'| redirect'"),
        ("show running-config | append flash:x", "'| append'"),
        ("show tech | tee bootflash:t", "'| tee'"),
        ("show tech | tee/append flash:t", "'| tee'"),
        ("sh run|redirect tftp://192.0.2.9/x", "'| redirect'"),
        ("SHOW RUN | REDIRECT flash:x", "'| redirect'"),
        # IOS-XR.
        ("show running-config | file disk0:x", "'| file'"),
        # Junos.
        ("show configuration | save /var/tmp/x", "'| save'"),
        ("show configuration | display set | save /var/tmp/x", "'| save'"),
        ("show configuration | append /var/tmp/x", "'| append'"),
        ("show log messages | request message all message hi", "'| request'"),
        # NX-OS (and EOS) shell-style redirection, chaining and pipes into a shell.
        ("show running-config > bootflash:x", "'>'"),
        ("show running-config >> bootflash:x", "'>'"),
        ("show running-config>bootflash:x", "'>'"),
        ("show version ; configure terminal", "';'"),
        ("show tech | email to a@example.org", "'| email'"),
        ("show file bootflash:cmds | vsh", "'| vsh'"),
        ("show version | python bootflash:s.py", "'| python'"),
        # One call must be one command.
        ("show version\nconfigure terminal", "spans several lines"),
        ("show version\rreload", "spans several lines"),
    ],
)
def test_writing_commands_are_refused(command: str, reason: str) -> None:
    why = refusal(command)
    assert why is not None and reason in why


@pytest.mark.parametrize(
    "command",
    [
        "username ops privilege 15 secret 0 Hunter2-secret",
        "show running-config | redirect flash:Hunter2-secret",
        "show running-config > bootflash:Hunter2-secret",
        "Hunter2-secret",
        "show version\nusername x secret Hunter2-secret",
    ],
)
def test_refusals_never_repeat_the_command(command: str) -> None:
    guard = CheckModeGuard(_Recorder())
    with pytest.raises(CheckModeBlocked) as caught:
        asyncio.run(guard.send_command(command))
    assert "Hunter2" not in str(caught.value)
    assert str(caught.value).startswith("check mode: refused: ")


def test_guard_passes_read_only_and_stops_everything_else() -> None:
    inner = _Recorder()
    guard = CheckModeGuard(inner)

    async def scenario() -> list[str]:
        await guard.open()
        outputs = [await guard.send_command("show version")]
        for command in ("write memory", "show run | redirect flash:x", "show run > x"):
            with pytest.raises(CheckModeBlocked):
                await guard.send_command(command)
        with pytest.raises(CheckModeBlocked, match="2 configuration line"):
            await guard.send_config(["username x secret y", "ntp server 192.0.2.1"])
        await guard.close()
        return outputs

    assert asyncio.run(scenario()) == ["output of show version"]
    assert inner.sent == ["<open>", "show version", "<close>"]
