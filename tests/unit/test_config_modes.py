"""ios_config's match/replace/parents/before/after, and that every mode settles.

Each case is planned against a lab device's running config, the commands are typed
into that device's CLI (the same pure state machine the SSH lab serves), and the task
is planned again: only ``match: none`` may send anything the second time.
"""

from __future__ import annotations

import pytest

from netraven.engine.config_compare import compare_configs, without_ignored
from netraven.engine.config_modes import ConfigRequest, apply_commands, plan_config
from netraven.lab.device import Device, Session, seed_config

PLATFORM = "cisco_ios"


def device() -> Device:
    return Device("sw", "secret", "S1", seed_config("sw", "hash", "public"))


def push(dev: Device, commands: list[str]) -> None:
    session = Session(dev)
    session.privileged = True
    session.handle("configure terminal")
    for command in commands:
        assert "Invalid" not in session.handle(command), command
    session.handle("end")


def section(dev: Device, line: str) -> list[str]:
    block = dev.find(line)
    assert block is not None
    return block.children


def changes(diff: str) -> list[str]:
    return [line for line in diff.splitlines()[2:] if line[:1] in "+-"]


PORT = "interface GigabitEthernet1/0/1"
SEED = [
    "description access port 1",
    "switchport access vlan 10",
    "switchport mode access",
    "spanning-tree portfast",
]


def test_parents_put_lines_under_the_abbreviated_parent_and_settle() -> None:
    dev = device()
    request = ConfigRequest(["desc uplink", "spanning-tree portfast"], parents=["int Gi1/0/1"])
    change = plan_config(PLATFORM, dev.render(), request)
    assert change.commands == [PORT, " description uplink"]
    assert changes(change.diff) == ["- description access port 1", "+ description uplink"]
    push(dev, change.commands)
    assert section(dev, PORT)[0] == "description uplink"
    again = plan_config(PLATFORM, dev.render(), request)
    assert again.commands == [] and again.diff == ""


def test_nested_parents_reach_the_inner_section() -> None:
    running = "router bgp 1\n address-family ipv4\n  neighbor 10.0.0.2 activate\n"
    request = ConfigRequest(
        ["neighbor 10.0.0.2 activate", "neighbor 10.0.0.3 activate"],
        parents=["router bgp 1", "address-family ipv4"],
    )
    change = plan_config(PLATFORM, running, request)
    assert change.commands == [
        "router bgp 1",
        " address-family ipv4",
        "  neighbor 10.0.0.3 activate",
    ]
    assert (
        plan_config(PLATFORM, apply_commands(PLATFORM, running, change.commands), request).commands
        == []
    )


def test_before_and_after_are_sent_only_with_a_change_and_at_global_level() -> None:
    dev = device()
    request = ConfigRequest(
        ["description uplink"],
        parents=["interface GigabitEthernet1/0/1"],
        before=["no logging host 10.0.0.250"],
        after=["logging host 10.0.0.9"],
    )
    change = plan_config(PLATFORM, dev.render(), request)
    assert change.commands == [
        "no logging host 10.0.0.250",
        PORT,
        " description uplink",
        "exit",
        "logging host 10.0.0.9",
    ]
    assert changes(change.diff) == [
        "- description access port 1",
        "+ description uplink",
        "-logging host 10.0.0.250",
        "+logging host 10.0.0.9",
    ]
    push(dev, change.commands)
    assert dev.find("logging host 10.0.0.9") and not dev.find("logging host 10.0.0.250")
    again = plan_config(PLATFORM, dev.render(), request)
    assert again.commands == []  # no change, so before/after are not sent either


def test_replace_block_resends_the_whole_block_when_one_line_differs() -> None:
    dev = device()
    request = ConfigRequest(
        ["description uplink", "switchport mode access"], parents=[PORT], replace="block"
    )
    change = plan_config(PLATFORM, dev.render(), request)
    assert change.commands == [PORT, " description uplink", " switchport mode access"]
    assert changes(change.diff) == ["- description access port 1", "+ description uplink"]
    push(dev, change.commands)
    assert plan_config(PLATFORM, dev.render(), request).commands == []


def test_match_strict_in_order_is_nothing_out_of_order_is_moved() -> None:
    dev = device()
    in_order = ConfigRequest(SEED[1:3], parents=[PORT], match="strict")
    assert plan_config(PLATFORM, dev.render(), in_order).commands == []
    # Present, but 'switchport mode access' comes after the description on the device.
    swapped = ConfigRequest(
        ["spanning-tree portfast", "description access port 1"], parents=[PORT], match="strict"
    )
    change = plan_config(PLATFORM, dev.render(), swapped)
    assert change.commands == [PORT, " no description access port 1", " description access port 1"]
    # match: line would call that nothing: both lines are there
    line = ConfigRequest(swapped.lines, parents=[PORT])
    assert plan_config(PLATFORM, dev.render(), line).commands == []
    push(dev, change.commands)
    assert section(dev, PORT) == [*SEED[1:], "description access port 1"]
    assert plan_config(PLATFORM, dev.render(), swapped).commands == []


def test_match_strict_replace_block_sends_every_line() -> None:
    dev = device()
    request = ConfigRequest(
        ["switchport mode access", "description new"],
        parents=[PORT],
        match="strict",
        replace="block",
    )
    change = plan_config(PLATFORM, dev.render(), request)
    # the old description goes first, or the new one would take its place, before the mode
    assert change.commands == [
        PORT,
        " no description access port 1",
        " switchport mode access",
        " description new",
    ]
    push(dev, change.commands)
    assert section(dev, PORT) == [*SEED[1:], "description new"]
    assert plan_config(PLATFORM, dev.render(), request).commands == []


def test_match_exact_removes_the_sections_other_lines() -> None:
    dev = device()
    request = ConfigRequest(
        ["description uplink", "switchport mode access"], parents=["int Gi1/0/1"], match="exact"
    )
    change = plan_config(PLATFORM, dev.render(), request)
    assert changes(change.diff) == [
        "- description access port 1",
        "- switchport access vlan 10",
        "+ description uplink",
        "- spanning-tree portfast",
    ]
    push(dev, change.commands)
    assert section(dev, PORT) == ["description uplink", "switchport mode access"]
    assert section(dev, "interface GigabitEthernet1/0/2") == [
        "description access port 2",
        *SEED[1:],
    ]
    assert plan_config(PLATFORM, dev.render(), request).commands == []


def test_match_exact_of_an_absent_section_creates_it() -> None:
    dev = device()
    request = ConfigRequest(["name GUESTS"], parents=["vlan 30"], match="exact")
    change = plan_config(PLATFORM, dev.render(), request)
    assert change.commands == ["vlan 30", " name GUESTS"]
    push(dev, change.commands)
    assert section(dev, "vlan 30") == ["name GUESTS"]
    assert plan_config(PLATFORM, dev.render(), request).commands == []


def test_match_exact_keeps_no_lines_meaning() -> None:
    dev = device()
    request = ConfigRequest([*SEED[:3], "no spanning-tree portfast"], parents=[PORT], match="exact")
    change = plan_config(PLATFORM, dev.render(), request)
    assert change.commands == [PORT, " no spanning-tree portfast"]
    push(dev, change.commands)
    assert plan_config(PLATFORM, dev.render(), request).commands == []


def test_match_none_always_sends_everything() -> None:
    dev = device()
    request = ConfigRequest(SEED[:1], parents=[PORT], match="none")
    for _ in range(2):
        change = plan_config(PLATFORM, dev.render(), request)
        assert change.changed
        assert change.commands == [PORT, " description access port 1"]
        assert change.diff == ""  # it changes nothing, and the diff says so
        push(dev, change.commands)


@pytest.mark.parametrize(
    ("match", "replace"),
    [(m, r) for m in ("line", "strict", "exact") for r in ("line", "block")],
)
def test_every_mode_settles_after_one_push(match: str, replace: str) -> None:
    dev = device()
    request = ConfigRequest(
        ["desc uplink", "spanning-tree portfast", "switchport mode access"],
        parents=["int Gi1/0/3"],
        before=["no logging host 10.0.0.250"],
        after=["logging host 10.0.0.251"],
        match=match,
        replace=replace,
    )
    first = plan_config(PLATFORM, dev.render(), request)
    assert first.changed and first.commands[0] == "no logging host 10.0.0.250"
    assert first.commands[-1] == "logging host 10.0.0.251"
    # the diff is what the commands do: the device ends up as the diff's new side
    predicted = apply_commands(PLATFORM, dev.render(), first.commands)
    push(dev, first.commands)
    assert not compare_configs(PLATFORM, predicted, dev.render(), ("a", "b"), [], False).differs
    assert plan_config(PLATFORM, dev.render(), request).commands == []


def test_compare_orders_and_ignores() -> None:
    a = "hostname a\nntp clock-period 123\ninterface Gi1\n description x\n"
    b = "hostname a\nntp clock-period 456\ninterface GigabitEthernet1\n description x\n"
    found = compare_configs(PLATFORM, a, b, ("startup", "running"), [], True)
    assert not found.differs  # ntp clock-period is volatile, Gi1 is GigabitEthernet1
    c = b.replace("hostname a", "hostname b") + "! Last change\nsnmp-server location here\n"
    found = compare_configs(PLATFORM, a, c, ("startup", "running"), [], True)
    assert found.differs
    assert changes(found.diff) == ["-hostname a", "+hostname b", "+snmp-server location here"]
    assert found.diff.splitlines()[:2] == ["--- startup", "+++ running"]
    assert not compare_configs(
        PLATFORM, a, c, ("startup", "running"), ["^hostname", "snmp-server location"], True
    ).differs


def test_order_counts_only_when_asked() -> None:
    a = "ip access-list extended X\n permit ip any host 1.1.1.1\n deny ip any any\n"
    b = "ip access-list extended X\n deny ip any any\n permit ip any host 1.1.1.1\n"
    assert compare_configs(PLATFORM, a, b, ("a", "b"), [], True).differs
    assert not compare_configs(PLATFORM, a, b, ("a", "b"), [], False).differs


def test_an_ignored_line_takes_its_children_with_it() -> None:
    text = (
        "hostname a\ncrypto pki certificate chain X\n certificate 01\n  AB CD\n"
        "logging host 1.1.1.1\n"
    )
    assert without_ignored(text, ["^crypto pki"]).splitlines() == [
        "hostname a",
        "logging host 1.1.1.1",
    ]
