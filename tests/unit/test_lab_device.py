from __future__ import annotations

from netraven.lab.device import INVALID, Device, Session, seed_config


def session() -> tuple[Session, list[tuple[str, str]]]:
    log: list[tuple[str, str]] = []
    device = Device(
        name="sw1",
        enable_secret="en",
        serial="X1",
        running=seed_config("sw1", "$1$h", "public"),
        on_command=lambda d, mode, cmd: log.append((mode, cmd)),
    )
    return Session(device), log


def test_enable_and_prompts() -> None:
    cli, log = session()
    assert cli.prompt == "sw1>"
    assert INVALID in cli.handle("show running-config")
    cli.handle("enable")
    assert cli.prompt == "Password: "
    assert cli.handle("wrong") == "% Access denied" and cli.prompt == "sw1>"
    cli.handle("en")
    cli.handle("en")
    assert cli.prompt == "sw1#"
    assert ("password", "********") in log and all(c != "en" for m, c in log if m == "password")


def test_config_mode_changes_running_config() -> None:
    cli, log = session()
    cli.privileged = True
    cli.handle("conf t")
    assert cli.prompt == "sw1(config)#"
    cli.handle("interface GigabitEthernet1/0/1")
    assert cli.prompt == "sw1(config-if)#"
    cli.handle("description changed")
    cli.handle("shutdown")
    cli.handle("ntp server 192.0.2.1")  # a global command leaves the sub-mode
    assert cli.prompt == "sw1(config)#"
    cli.handle("interface Loopback0")
    cli.handle("ip address 10.9.9.9 255.255.255.255")
    cli.handle("end")
    assert cli.prompt == "sw1#"
    block = cli.handle("show running-config interface GigabitEthernet1/0/1")
    assert " description changed" in block and " shutdown" in block
    assert "description access port 1" not in block
    assert cli.handle("sh run | i ntp") == "ntp server 192.0.2.1"
    assert "Loopback0              10.9.9.9" in cli.handle("show ip interface brief")
    assert ("config", "ntp server 192.0.2.1") in log
    cli.handle("configure terminal")
    cli.handle("no ntp server 192.0.2.1")
    cli.handle("hostname core1")
    cli.handle("end")
    assert cli.handle("show running-config | include ntp") == ""
    assert cli.prompt == "core1#"


def test_invalid_input_marker() -> None:
    cli, _ = session()
    cli.privileged = True
    output = cli.handle("shwo version")
    assert output.splitlines() == [" " * len("sw1#") + "^", INVALID]
    assert "Version 15.2" in cli.handle("show version")
    assert cli.handle("write memory") == "Building configuration...\n[OK]"
    cli.handle("exit")
    assert cli.closed
