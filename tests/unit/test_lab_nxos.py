"""The NX-OS-like lab device as pure logic: prompts, what drivers send on open, the running
config's header and shape, ``copy running-config startup-config``, errors as NX-OS words
them."""

from __future__ import annotations

from netraven.engine.config_diff import clean_running
from netraven.lab.nxos import INVALID, NxosDevice, NxosSession, new_device


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def switch() -> tuple[NxosDevice, NxosSession, Clock, list[tuple[str, str]]]:
    clock = Clock()
    log: list[tuple[str, str]] = []
    device = new_device(9, "en", "public", clock=clock)
    device.on_command = lambda name, mode, command: log.append((mode, command))
    return device, device.session("admin"), clock, log


def test_prompts_and_what_scrapli_and_netmiko_send_on_open() -> None:
    _, cli, _, log = switch()
    assert cli.prompt == "nxos-lab-9#"  # network-admin lands in privileged exec
    assert cli.handle("terminal length 0") == ""
    assert cli.handle("terminal width 511") == ""
    assert cli.handle("show version").splitlines()[0] == (
        "Cisco Nexus Operating System (NX-OS) Software"
    )
    assert " NXOS: version 9.3(8)" in cli.handle("show version").splitlines()
    assert cli.handle("configure terminal").startswith("Enter configuration commands")
    assert cli.prompt == "nxos-lab-9(config)#"
    cli.handle("interface Ethernet1/3")
    assert cli.prompt == "nxos-lab-9(config-if)#"
    cli.handle("vrf context management")
    assert cli.prompt == "nxos-lab-9(config-vrf)#"
    cli.handle("end")
    assert cli.prompt == "nxos-lab-9#"
    assert ("config", "interface Ethernet1/3") in log


def test_running_config_header_and_two_space_indentation() -> None:
    _, cli, _, _ = switch()
    lines = cli.handle("show running-config").splitlines()
    assert lines[1] == "!Command: show running-config"
    assert lines[2].startswith("!Running configuration last done at: ")
    assert lines[3].startswith("!Time: ")
    assert lines[5] == "version 9.3(8) Bios:version"
    assert "interface Ethernet1/1" in lines and "  description access port 1" in lines
    assert "interface mgmt0" in lines and "  vrf member management" in lines
    assert "interface Ethernet1/8" in lines and "interface Ethernet1/9" not in lines
    kept = clean_running("\n".join(lines), "cisco_nxos").splitlines()
    assert kept[0] == "version 9.3(8) Bios:version"  # the header is volatile to NetRaven


def test_lines_take_effect_at_once_and_copy_saves_them() -> None:
    device, cli, clock, _ = switch()
    cli.handle("configure terminal")
    clock.now += 60
    cli.handle("ntp server 203.0.113.5")
    cli.handle("interface Ethernet1/2")
    cli.handle("description uplink")
    cli.handle("end")
    shown = cli.handle("show running-config").splitlines()
    assert "ntp server 203.0.113.5" in shown and "  description uplink" in shown
    assert "  description access port 2" not in shown  # description replaces
    assert shown[2] == "!Running configuration last done at: Fri Jan 15 08:01:00 2027"
    startup = cli.handle("show startup-config")
    assert "ntp server 203.0.113.5" not in startup
    assert cli.handle("copy running-config startup-config") == (
        "[########################################] 100%\nCopy complete."
    )
    assert "ntp server 203.0.113.5" in cli.handle("show startup-config")
    assert cli.handle("write memory").endswith(INVALID)  # NX-OS has no write memory
    cli.handle("configure terminal")
    cli.handle("no ntp server 203.0.113.5")
    assert "ntp server 203.0.113.5" not in cli.handle("show running-config")
    assert device.startup is not device.running


def test_errors_read_as_on_nxos() -> None:
    device, cli, _, _ = switch()
    output = cli.handle("show bogus")
    assert output.splitlines()[-1] == "% Invalid command at '^' marker."
    assert output.splitlines()[0].index("^") == len("nxos-lab-9#") + len("show ")
    cli.handle("configure terminal")
    assert cli.handle("frobnicate 1").endswith(INVALID)
    device.rejected_config = ["ntp server 203.0.113.66"]
    assert cli.handle("ntp server 203.0.113.66").endswith(INVALID)
    assert "203.0.113.66" not in cli.handle("show running-config")
    # Exec commands run in configuration mode too, as on NX-OS.
    assert "ntp server 10.0.0.123 use-vrf management" in cli.handle(
        "show running-config | include ntp"
    )
