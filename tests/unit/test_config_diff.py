from __future__ import annotations

from netraven.engine.config_diff import clean_running, compute_change

RUNNING = """\
Building configuration...

Current configuration : 312 bytes
!
hostname sw1
!
interface GigabitEthernet1/0/1
 description users
 shutdown
!
interface GigabitEthernet1/0/2
 description printers
!
ntp server 192.0.2.1
end
"""


def test_clean_running_drops_volatile_lines() -> None:
    cleaned = clean_running(RUNNING)
    assert "Current configuration" not in cleaned and "Building" not in cleaned
    lines = cleaned.splitlines()
    assert lines[:2] == ["!", "hostname sw1"] and "end" not in lines


def test_only_missing_lines_are_sent() -> None:
    change = compute_change(
        "cisco_ios",
        RUNNING,
        [
            "ntp server 192.0.2.1",
            "ntp server 192.0.2.2",
            "interface GigabitEthernet1/0/2",
            " description printers",
            " switchport mode access",
        ],
    )
    assert change.commands == [
        "ntp server 192.0.2.2",
        "interface GigabitEthernet1/0/2",
        "  switchport mode access",
    ]
    assert "+ntp server 192.0.2.2" in change.diff and "+  switchport mode access" in change.diff


def test_line_under_other_interface_is_missing() -> None:
    change = compute_change(
        "cisco_ios", RUNNING, ["interface GigabitEthernet1/0/2", " description users"]
    )
    assert change.commands == ["interface GigabitEthernet1/0/2", "  description users"]


def test_nothing_missing_means_unchanged() -> None:
    change = compute_change(
        "cisco_ios",
        RUNNING,
        ["ntp server 192.0.2.1", "interface GigabitEthernet1/0/1", " description users"],
    )
    assert not change.changed and change.commands == [] and change.diff == ""


def test_negations_only_when_present() -> None:
    change = compute_change(
        "cisco_ios",
        RUNNING,
        [
            "no ntp server 192.0.2.1",
            "no ntp server 203.0.113.9",
            "interface GigabitEthernet1/0/1",
            " no shutdown",
        ],
    )
    assert change.commands == [
        "no ntp server 192.0.2.1",
        "interface GigabitEthernet1/0/1",
        "  no shutdown",
    ]
    assert "-ntp server 192.0.2.1" in change.diff
    assert compute_change("cisco_ios", RUNNING, ["no ntp server 203.0.113.9"]).changed is False
