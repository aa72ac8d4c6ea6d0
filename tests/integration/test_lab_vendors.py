"""The EOS-like and Junos-like lab families, driven by the real clients NetRaven uses:
scrapli's AsyncEOSDriver and AsyncJunosDriver (SSH and Telnet) and netmiko's arista_eos and
juniper_junos. Each test reads the device back over a separate session and checks the
lab's command log, so it proves what the device holds, not only what a client printed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler
from scrapli.driver.core import AsyncEOSDriver, AsyncJunosDriver
from scrapli.exceptions import ScrapliConnectionError, ScrapliException

from netraven.lab import control
from tests.conftest import free_port_range, netraven
from tests.integration.conftest import Lab, start_lab

# Port order: sw-lab-1, eos-lab-2, eos-lab-3, junos-lab-4, junos-lab-5.
PLATFORMS = "ios:1,eos:2,junos:2"
SECONDS_PER_MINUTE = 1.0


@pytest.fixture(scope="module")
def vendor_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(
        tmp_path_factory.mktemp("vendorlab"),
        devices=5,
        platforms=PLATFORMS,
        telnet=True,
        confirm_seconds_per_minute=SECONDS_PER_MINUTE,
    )
    yield lab
    control.down(lab.directory)


def port(lab: Lab, index: int, telnet: bool = False) -> int:
    return lab.settings.telnet_port(index) if telnet else lab.base_port + index - 1


def scrapli_args(lab: Lab, index: int, telnet: bool = False) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port(lab, index, telnet),
        "auth_username": lab.settings.username,
        "auth_password": lab.settings.password,
        "auth_strict_key": False,
        "transport": "asynctelnet" if telnet else "asyncssh",
        "timeout_ops": 15,
    }


def netmiko_args(lab: Lab, index: int, device_type: str, telnet: bool = False) -> dict[str, Any]:
    return {
        "device_type": device_type + ("_telnet" if telnet else ""),
        "host": "127.0.0.1",
        "port": port(lab, index, telnet),
        "username": lab.settings.username,
        "password": lab.settings.password,
        "secret": lab.settings.secret,
    }


def commands(lab: Lab, device: str, since: float) -> list[tuple[str, str]]:
    return [
        (c["mode"], c["command"])
        for c in lab.commands(device, since)
        if c["mode"] not in ("connection", "disconnect")
    ]


async def eos_show(lab: Lab, index: int, command: str) -> str:
    """One command on a fresh scrapli session: a witness independent of the session tested."""
    async with AsyncEOSDriver(**scrapli_args(lab, index), auth_secondary=lab.settings.secret) as c:
        return (await c.send_command(command)).result


async def junos_show(lab: Lab, index: int, command: str) -> str:
    async with AsyncJunosDriver(**scrapli_args(lab, index)) as conn:
        return (await conn.send_command(command)).result


def test_lab_status_and_inventory_name_each_family(vendor_lab: Lab) -> None:
    state = control.read_state(vendor_lab.directory)
    assert state is not None and state["platforms"] == PLATFORMS
    assert state["devices_by_platform"] == {
        "ios": ["sw-lab-1"],
        "eos": ["eos-lab-2", "eos-lab-3"],
        "junos": ["junos-lab-4", "junos-lab-5"],
    }
    hosts = (vendor_lab.inventory / "hosts.yaml").read_text()
    assert "eos-lab-2:" in hosts and "platform: arista_eos" in hosts
    assert "platform: juniper_junos" in hosts


def test_scrapli_eos_open_show_config_and_read_back(vendor_lab: Lab) -> None:
    started = time.time()

    async def scenario() -> tuple[str, bool, str, bool]:
        args = scrapli_args(vendor_lab, 2)
        async with AsyncEOSDriver(**args, auth_secondary=vendor_lab.settings.secret) as conn:
            version = (await conn.send_command("show version")).result
            pushed = await conn.send_configs(
                ["interface Ethernet5", "description scrapli was here", "ntp server 192.0.2.5"]
            )
            bad = await conn.send_configs(["interface Ethernet5", "frobnicate now"])
        back = await eos_show(vendor_lab, 2, "show running-config | section Ethernet5")
        return version, pushed.failed, back, bad.failed

    version, failed, back, bad_failed = asyncio.run(scenario())
    assert version.splitlines()[0] == "Arista DCS-7050TX-64"
    assert not failed and bad_failed
    assert back.splitlines() == [
        "interface Ethernet5",
        "   description scrapli was here",
        "   switchport access vlan 10",
    ]
    sent = commands(vendor_lab, "eos-lab-2", started)
    # scrapli's EOS on_open, then the config lines in configuration mode
    assert sent[:4] == [
        ("exec", "enable"),
        ("password", "********"),
        ("privileged", "terminal length 0"),
        ("privileged", "terminal width 32767"),
    ]
    assert ("config", "description scrapli was here") in sent
    assert ("config", "frobnicate now") in sent


def test_scrapli_eos_configuration_session_commits_or_aborts(vendor_lab: Lab) -> None:
    async def scenario() -> list[str]:
        seen = []
        args = scrapli_args(vendor_lab, 3)
        async with AsyncEOSDriver(**args, auth_secondary=vendor_lab.settings.secret) as conn:
            conn.register_configuration_session("nrv-a")
            await conn.send_configs(["hostname eos-renamed"], privilege_level="nrv-a")
            seen.append((await conn.send_command("show running-config | include ^hostname")).result)
            await conn.send_configs(["commit"], privilege_level="nrv-a")
            seen.append((await conn.send_command("show running-config | include ^hostname")).result)
            conn.register_configuration_session("nrv-b")
            await conn.send_configs(["hostname never-committed"], privilege_level="nrv-b")
            await conn.send_configs(["abort"], privilege_level="nrv-b")
        seen.append(await eos_show(vendor_lab, 3, "show running-config | include ^hostname"))
        return seen

    assert asyncio.run(scenario()) == [
        "hostname eos-lab-3",
        "hostname eos-renamed",
        "hostname eos-renamed",
    ]


def test_scrapli_junos_open_set_commit_and_read_back(vendor_lab: Lab) -> None:
    started = time.time()

    async def scenario() -> tuple[str, bool, bool, str, str]:
        async with AsyncJunosDriver(**scrapli_args(vendor_lab, 4)) as conn:
            version = (await conn.send_command("show version")).result
            staged = await conn.send_configs(["set system ntp server 192.0.2.44"])
            # uncommitted: another session sees the active configuration unchanged
            before = await junos_show(vendor_lab, 4, "show configuration system ntp")
            committed = await conn.send_configs(["commit"])
            bad = await conn.send_configs(["set bogus-statement 1", "rollback 0"])
        after = await junos_show(vendor_lab, 4, "show configuration | display set | match ntp")
        return version, staged.failed or committed.failed, bad.failed, before, after

    version, failed, bad_failed, before, after = asyncio.run(scenario())
    assert "Model: mx204" in version
    assert not failed and bad_failed
    assert before == "server 10.0.0.123;"
    assert after.splitlines() == [
        "set system ntp server 10.0.0.123",
        "set system ntp server 192.0.2.44",
    ]
    sent = commands(vendor_lab, "junos-lab-4", started)
    assert sent[:3] == [
        ("exec", "set cli screen-length 0"),
        ("exec", "set cli screen-width 511"),
        ("exec", "set cli complete-on-space off"),
    ]
    assert ("exec", "configure") in sent and ("config", "commit") in sent
    assert ("config", "exit configuration-mode") in sent  # how scrapli leaves


def test_junos_commit_confirmed_rolls_back_by_itself(vendor_lab: Lab) -> None:
    """A ``commit confirmed 2`` that nobody confirms is undone two (lab) minutes later."""

    async def scenario() -> tuple[str, str, str, str]:
        async with AsyncJunosDriver(**scrapli_args(vendor_lab, 5)) as conn:
            response = await conn.send_configs(
                ["set system location building-7", "commit confirmed 2"]
            )
            committed = time.monotonic()
            during = (await conn.send_command("show configuration system location")).result
        await asyncio.sleep(committed + SECONDS_PER_MINUTE * 2 + 1.5 - time.monotonic())
        after = await junos_show(vendor_lab, 5, "show configuration system | match location")
        history = await junos_show(vendor_lab, 5, "show system commit")
        return response.result, during, after, history

    output, during, after, history = asyncio.run(scenario())
    assert "commit confirmed will be automatically rolled back in 2 minutes" in output
    assert during == "location building-7;"
    assert after == ""
    assert history.splitlines()[0].startswith("0   ") and "commit confirmed rollback" in history
    logged = [c["command"] for c in vendor_lab.commands("junos-lab-5") if c["mode"] == "system"]
    assert logged == ["commit confirmed rolled back"]


@pytest.mark.parametrize("family", ["eos", "junos"])
def test_scrapli_over_telnet(vendor_lab: Lab, family: str) -> None:
    started = time.time()
    index = 2 if family == "eos" else 4

    async def scenario() -> str:
        args = scrapli_args(vendor_lab, index, telnet=True)
        if family == "eos":
            async with AsyncEOSDriver(**args, auth_secondary=vendor_lab.settings.secret) as conn:
                await conn.send_configs(["interface Ethernet6", "description over telnet"])
                return (await conn.send_command("show running-config interfaces Ethernet6")).result
        async with AsyncJunosDriver(**args) as conn:
            await conn.send_configs(["set interfaces ge-0/0/2 description telnet", "commit"])
            return (await conn.send_command("show configuration interfaces ge-0/0/2")).result

    result = asyncio.run(scenario())
    assert ("description over telnet" if family == "eos" else "description telnet;") in result
    vias = {c.get("via") for c in vendor_lab.commands(f"{family}-lab-{index}", started)}
    assert vias == {"telnet", None}  # connection events say telnet; commands have no via


def test_netmiko_arista_eos_config_save_and_read_back(vendor_lab: Lab) -> None:
    started = time.time()
    with ConnectHandler(**netmiko_args(vendor_lab, 3, "arista_eos")) as conn:
        conn.enable()
        conn.send_config_set(["interface Ethernet7", "description netmiko eos"])
        saved = conn.save_config()
        running = conn.send_command("show running-config interfaces Ethernet7")
    startup = asyncio.run(eos_show(vendor_lab, 3, "show startup-config | section Ethernet7"))
    assert "Copy completed successfully." in saved
    assert "   description netmiko eos" in running.splitlines()
    assert "   description netmiko eos" in startup.splitlines()
    sent = commands(vendor_lab, "eos-lab-3", started)
    # netmiko's session preparation, before it enables
    assert sent[:2] == [("exec", "terminal width 511"), ("exec", "terminal length 0")]


def test_netmiko_juniper_junos_commit_check_confirmed_and_commit(vendor_lab: Lab) -> None:
    with ConnectHandler(**netmiko_args(vendor_lab, 4, "juniper_junos")) as conn:
        conn.send_config_set(["set snmp location lab-rack-4"], exit_config_mode=False)
        checked = conn.commit(check=True)
        confirmed = conn.commit(confirm=True, confirm_delay=3)
        committed = conn.commit()  # confirms
        conn.exit_config_mode()
        shown = conn.send_command("show configuration snmp")
    assert "configuration check succeeds" in checked
    assert "commit confirmed will be automatically rolled back in 3 minutes" in confirmed
    assert "commit complete" in committed
    assert "location lab-rack-4;" in shown.splitlines()
    time.sleep(SECONDS_PER_MINUTE * 4)  # past the 3-minute deadline the commit cancelled
    history = asyncio.run(junos_show(vendor_lab, 4, "show system commit"))
    assert "commit confirmed rollback" not in history  # confirmed: nothing rolled back


@pytest.mark.parametrize(("device_type", "index"), [("arista_eos", 2), ("juniper_junos", 5)])
def test_netmiko_over_telnet(vendor_lab: Lab, device_type: str, index: int) -> None:
    with ConnectHandler(**netmiko_args(vendor_lab, index, device_type, telnet=True)) as conn:
        if device_type == "arista_eos":
            conn.enable()
            conn.send_config_set(["interface Ethernet8", "description netmiko telnet"])
            shown = conn.send_command("show running-config interfaces Ethernet8")
        else:
            conn.send_config_set(
                ["set interfaces ge-0/0/1 description nmtelnet"], exit_config_mode=False
            )
            conn.commit()
            conn.exit_config_mode()
            shown = conn.send_command("show configuration interfaces ge-0/0/1")
    assert ("description netmiko telnet" if index == 2 else "description nmtelnet;") in shown


def test_faults_apply_to_every_family(vendor_lab: Lab) -> None:
    control.set_fault(vendor_lab.directory, "eos-lab-3", "auth")
    control.set_fault(
        vendor_lab.directory, "junos-lab-5", "reject-config", "set system ntp server 192.0.2.99"
    )
    try:

        async def scenario() -> bool:
            with pytest.raises(ScrapliConnectionError, match="authentication"):
                await eos_show(vendor_lab, 3, "show version")
            async with AsyncJunosDriver(**scrapli_args(vendor_lab, 5)) as conn:
                response = await conn.send_configs(["set system ntp server 192.0.2.99"])
                await conn.send_configs(["rollback 0"])
            return response.failed

        assert asyncio.run(scenario())
        shown = asyncio.run(junos_show(vendor_lab, 5, "show configuration system ntp"))
        assert "192.0.2.99" not in shown
        events = [
            c["command"] for c in vendor_lab.commands("eos-lab-3") if c["mode"] == "connection"
        ]
        assert "auth-rejected" in events
    finally:
        control.set_fault(vendor_lab.directory, "eos-lab-3", "clear")
        control.set_fault(vendor_lab.directory, "junos-lab-5", "clear")


def test_drop_after_counts_the_junos_login_commands(vendor_lab: Lab) -> None:
    """``drop-after 3``: scrapli's three ``set cli`` lines pass, the first command drops."""
    started = time.time()
    control.set_fault(vendor_lab.directory, "junos-lab-4", "drop-after", "3")
    try:

        async def scenario() -> None:
            # the command fails (EOF), then scrapli's on_close hits the closed channel
            with pytest.raises((ScrapliException, BrokenPipeError)):
                async with AsyncJunosDriver(**scrapli_args(vendor_lab, 4)) as conn:
                    await conn.send_command("show version")

        asyncio.run(scenario())
    finally:
        control.set_fault(vendor_lab.directory, "junos-lab-4", "clear")
    sent = commands(vendor_lab, "junos-lab-4", started)
    assert sent == [
        ("exec", "set cli screen-length 0"),
        ("exec", "set cli screen-width 511"),
        ("exec", "set cli complete-on-space off"),
        ("fault", "drop"),
    ]


def test_the_ios_device_beside_them_is_untouched(vendor_lab: Lab) -> None:
    """Families share one process but nothing else: sw-lab-1 still answers as IOS."""
    from scrapli.driver.core import AsyncIOSXEDriver

    async def scenario() -> str:
        args = scrapli_args(vendor_lab, 1)
        async with AsyncIOSXEDriver(**args, auth_secondary=vendor_lab.settings.secret) as conn:
            return (await conn.send_command("show running-config | include hostname")).result

    assert asyncio.run(scenario()) == "hostname sw-lab-1"


def test_lab_cli_platforms(workdir: Path) -> None:
    bad = netraven("lab", "up", "--devices", "3", "--platforms", "ios:1,eos:1", cwd=workdir)
    assert bad.returncode == 5 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == (
        "error: --platforms 'ios:1,eos:1' adds up to 2 device(s), but --devices is 3"
    )
    unknown = netraven("lab", "up", "--platforms", "vyos:1", cwd=workdir)
    assert unknown.returncode == 5 and "unknown family 'vyos'" in unknown.stderr
    base = str(free_port_range(2))
    up = netraven(
        "lab",
        "up",
        "--platforms",
        "eos:1,junos:1",
        "--base-port",
        base,
        "--dir",
        "lab",
        cwd=workdir,
    )
    assert up.returncode == 0, up.stderr
    try:
        assert "2 device(s) [eos:1,junos:1]" in up.stdout
        status = netraven("lab", "status", "--dir", "lab", cwd=workdir)
        assert "2 device(s) [eos:1,junos:1]" in status.stdout
        fault = netraven("lab", "fault", "junos-lab-2", "slow", "10", "--dir", "lab", cwd=workdir)
        assert fault.returncode == 0, fault.stderr
        wrong = netraven("lab", "fault", "sw-lab-1", "hang", "--dir", "lab", cwd=workdir)
        assert wrong.returncode == 5
        assert "no lab device 'sw-lab-1' (devices are eos-lab-1, junos-lab-2)" in wrong.stderr
    finally:
        netraven("lab", "down", "--dir", "lab", cwd=workdir)
