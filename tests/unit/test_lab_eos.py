"""The EOS-like lab device as pure logic: prompts, what drivers send on open, the running
config's shape, configuration sessions, errors."""

from __future__ import annotations

from netraven.lab.eos import EosDevice, EosSession, new_device


def session() -> tuple[EosDevice, EosSession, list[tuple[str, str]]]:
    log: list[tuple[str, str]] = []
    device = new_device(7, "en", "public")
    device.on_command = lambda name, mode, command: log.append((mode, command))
    return device, device.session("admin"), log


def enabled() -> tuple[EosDevice, EosSession]:
    device, cli, _ = session()
    cli.handle("enable")
    cli.handle("en")
    assert cli.prompt == "eos-lab-7#"
    return device, cli


def test_prompts_through_the_modes() -> None:
    device, cli, log = session()
    assert cli.prompt == "eos-lab-7>"
    assert cli.handle("show running-config") == "% Invalid input (privileged mode required)"
    cli.handle("enable")
    assert cli.prompt == "Password: "
    cli.handle("en")
    assert cli.prompt == "eos-lab-7#"
    cli.handle("configure terminal")
    assert cli.prompt == "eos-lab-7(config)#"
    cli.handle("interface Ethernet1")
    assert cli.prompt == "eos-lab-7(config-if-Et1)#"
    cli.handle("interface Management1")
    assert cli.prompt == "eos-lab-7(config-if-Ma1)#"
    cli.handle("router ospf 1")
    assert cli.prompt == "eos-lab-7(config-router-ospf)#"
    cli.handle("end")
    assert cli.prompt == "eos-lab-7#"
    assert ("password", "********") in log and ("config", "interface Ethernet1") in log


def test_answers_to_what_scrapli_and_netmiko_send_on_open() -> None:
    _, cli = enabled()
    assert cli.handle("terminal length 0") == "Pagination disabled."
    assert cli.handle("terminal width 32767") == "Width set to 32767 columns."
    assert cli.handle("terminal width 511") == "Width set to 511 columns."
    assert "Arista DCS-7050TX-64" in cli.handle("show version").splitlines()[0]


def test_running_config_has_the_eos_header_indentation_and_end() -> None:
    _, cli = enabled()
    lines = cli.handle("show running-config").splitlines()
    assert lines[0] == "! Command: show running-config"
    assert lines[1] == "! device: eos-lab-7 (DCS-7050TX-64, EOS-4.28.3M)"
    assert lines[-1] == "end"
    assert "interface Ethernet1" in lines and "   description access port 1" in lines
    assert cli.handle("show running-config | section interface Ethernet2").splitlines() == [
        "interface Ethernet2",
        "   description access port 2",
        "   switchport access vlan 10",
    ]
    assert cli.handle("show running-config | include ^hostname") == "hostname eos-lab-7"


def test_config_changes_running_and_write_memory_saves_it() -> None:
    device, cli = enabled()
    cli.handle("configure")
    cli.handle("interface Ethernet3")
    cli.handle("description core link")
    cli.handle("ntp server 192.0.2.1")  # a global line leaves the interface
    assert cli.prompt == "eos-lab-7(config)#"
    cli.handle("end")
    block = cli.handle("show running-config interfaces Ethernet3")
    assert block.splitlines()[1] == "   description core link"
    assert "ntp server 192.0.2.1" not in cli.handle("show startup-config")
    assert cli.handle("write memory") == "Copy completed successfully."
    assert "ntp server 192.0.2.1" in cli.handle("show startup-config")
    cli.handle("configure")
    cli.handle("no ntp server 192.0.2.1")
    cli.handle("end")
    assert cli.handle("copy running-config startup-config") == "Copy completed successfully."
    assert "ntp server" not in "\n".join(b.line for b in device.startup)


def test_configuration_session_changes_nothing_until_commit() -> None:
    device, cli = enabled()
    cli.handle("configure session nrv-1")
    assert cli.prompt == "eos-lab-7(config-s-nrv-1)#"
    cli.handle("interface Ethernet4")
    assert cli.prompt == "eos-lab-7(config-s-nrv-1-if-Et4)#"
    cli.handle("shutdown")
    cli.handle("end")
    assert "shutdown" not in cli.handle("show running-config interfaces Ethernet4")
    assert "shutdown" in cli.handle("show session-config named nrv-1 interfaces Ethernet4")
    cli.handle("configure session nrv-1")  # resumes the pending session
    cli.handle("commit")
    assert cli.prompt == "eos-lab-7#"
    assert "shutdown" in cli.handle("show running-config interfaces Ethernet4")
    assert device.config_sessions == {}
    cli.handle("configure session nrv-2")
    cli.handle("hostname never")
    cli.handle("abort")
    assert cli.prompt == "eos-lab-7#" and device.config_sessions == {}


def test_invalid_input_names_the_token() -> None:
    device, cli = enabled()
    assert cli.handle("shwo version") == "% Invalid input (at token 0: 'shwo')"
    assert cli.handle("show bogus") == "% Invalid input (at token 1: 'bogus')"
    assert cli.handle("configure session") == "% Incomplete command"
    device.rejected_config = ["ip routing"]
    cli.handle("configure")
    assert cli.handle("ip routing") == "% Invalid input (at token 0: 'ip')"
    assert cli.handle("frobnicate now") == "% Invalid input (at token 0: 'frobnicate')"
    assert cli.handle("no frobnicate") == "% Invalid input (at token 1: 'frobnicate')"
    assert all("frobnicate" not in b.line for b in device.running)
