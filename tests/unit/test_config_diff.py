from __future__ import annotations

from netraven.engine.cli_abbrev import canonical
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

SWITCH = """\
hostname sw1
interface GigabitEthernet1/0/1
 description access port 1
 switchport mode access
 spanning-tree portfast
interface GigabitEthernet1/0/2
 description access port 2
 switchport mode access
 spanning-tree portfast
ntp server 192.0.2.1
router bgp 65000
 neighbor 10.0.0.2 remote-as 65001
 neighbor 10.0.0.3 remote-as 65001
 address-family ipv4
  neighbor 10.0.0.2 activate
  neighbor 10.0.0.3 activate
 address-family ipv6
  neighbor 10.0.0.3 activate
logging host 10.0.0.250
no ip domain-lookup
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
        " switchport mode access",
    ]
    assert change.diff.splitlines() == [
        "--- running",
        "+++ intended",
        "@@ -4,4 +4,6 @@ interface GigabitEthernet1/0/2",
        "  shutdown",
        " interface GigabitEthernet1/0/2",
        "  description printers",
        "+ switchport mode access",
        " ntp server 192.0.2.1",
        "+ntp server 192.0.2.2",
    ]


def test_the_issue_no_line_stays_under_its_own_interface() -> None:
    """The reported defect: `no spanning-tree portfast` was sent after Gi1/0/2's lines."""
    change = compute_change(
        "cisco_ios",
        SWITCH,
        [
            "interface Gi1/0/1",
            " description uplink",
            " no spanning-tree portfast",
            "interface Gi1/0/2",
            " description printer",
        ],
    )
    assert change.commands == [
        "interface GigabitEthernet1/0/1",
        " description uplink",
        " no spanning-tree portfast",
        "exit",
        "interface GigabitEthernet1/0/2",
        " description printer",
    ]
    assert change.diff.splitlines() == [
        "--- running",
        "+++ intended",
        "@@ -1,10 +1,9 @@ interface GigabitEthernet1/0/1",
        " hostname sw1",
        " interface GigabitEthernet1/0/1",
        "- description access port 1",
        "+ description uplink",
        "  switchport mode access",
        "- spanning-tree portfast",
        " interface GigabitEthernet1/0/2",
        "- description access port 2",
        "+ description printer",
        "  switchport mode access",
        "  spanning-tree portfast",
        " ntp server 192.0.2.1",
    ]


def test_no_lines_at_every_depth_with_globals_between_blocks() -> None:
    change = compute_change(
        "cisco_ios",
        SWITCH,
        [
            "no ntp server 192.0.2.1",
            "interface GigabitEthernet1/0/2",
            " no spanning-tree portfast",
            " no shutdown",  # not shut: nothing to remove
            "ntp server 192.0.2.9",
            "router bgp 65000",
            " no neighbor 10.0.0.9 remote-as 65001",  # absent
            " address-family ipv4",
            "  no neighbor 10.0.0.3 activate",
            "  neighbor 10.0.0.2 activate",  # present
            " neighbor 10.0.0.4 remote-as 65002",
            " address-family ipv6",
            "  no neighbor 10.0.0.3 activate",
            "  neighbor 10.0.0.4 activate",
            "logging host 10.0.0.251",
            "interface GigabitEthernet1/0/1",
            " no description",
        ],
    )
    assert change.commands == [
        "no ntp server 192.0.2.1",
        "interface GigabitEthernet1/0/2",
        " no spanning-tree portfast",
        "exit",
        "ntp server 192.0.2.9",
        "router bgp 65000",
        " address-family ipv4",
        "  no neighbor 10.0.0.3 activate",
        " exit",
        " neighbor 10.0.0.4 remote-as 65002",
        " address-family ipv6",
        "  no neighbor 10.0.0.3 activate",
        "  neighbor 10.0.0.4 activate",
        " exit",
        "exit",
        "logging host 10.0.0.251",
        "interface GigabitEthernet1/0/1",
        " no description",
    ]
    assert change.diff.splitlines() == [
        "--- running",
        "+++ intended",
        "@@ -1,20 +1,19 @@ interface GigabitEthernet1/0/1",
        " hostname sw1",
        " interface GigabitEthernet1/0/1",
        "- description access port 1",
        "  switchport mode access",
        "  spanning-tree portfast",
        " interface GigabitEthernet1/0/2",
        "  description access port 2",
        "  switchport mode access",
        "- spanning-tree portfast",
        "-ntp server 192.0.2.1",
        " router bgp 65000",
        "  neighbor 10.0.0.2 remote-as 65001",
        "  neighbor 10.0.0.3 remote-as 65001",
        "  address-family ipv4",
        "   neighbor 10.0.0.2 activate",
        "-  neighbor 10.0.0.3 activate",
        "  address-family ipv6",
        "-  neighbor 10.0.0.3 activate",
        "+  neighbor 10.0.0.4 activate",
        "+ neighbor 10.0.0.4 remote-as 65002",
        " logging host 10.0.0.250",
        " no ip domain-lookup",
        "+ntp server 192.0.2.9",
        "+logging host 10.0.0.251",
    ]


def test_a_removed_line_is_not_removed_twice() -> None:
    lines = ["interface GigabitEthernet1/0/1", " no spanning-tree portfast", "no logging host"]
    first = compute_change("cisco_ios", SWITCH, lines)
    assert first.commands == [
        "interface GigabitEthernet1/0/1",
        " no spanning-tree portfast",
        "exit",
        "no logging host",
    ]
    applied = SWITCH.replace(
        " switchport mode access\n spanning-tree portfast\ninterface GigabitEthernet1/0/2",
        " switchport mode access\ninterface GigabitEthernet1/0/2",
    ).replace("logging host 10.0.0.250\n", "")
    assert applied.count("spanning-tree portfast") == 1 and "logging host" not in applied
    second = compute_change("cisco_ios", applied, lines)
    assert not second.changed and second.commands == [] and second.diff == ""


def test_line_under_other_interface_is_missing() -> None:
    change = compute_change(
        "cisco_ios", RUNNING, ["interface GigabitEthernet1/0/2", " description users"]
    )
    assert change.commands == ["interface GigabitEthernet1/0/2", " description users"]
    assert "- description printers\n+ description users" in change.diff


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
        " no shutdown",
    ]
    assert "-ntp server 192.0.2.1" in change.diff and "- shutdown" in change.diff
    assert compute_change("cisco_ios", RUNNING, ["no ntp server 203.0.113.9"]).changed is False


def test_a_shown_no_form_is_present_and_its_positive_replaces_it() -> None:
    assert not compute_change("cisco_ios", SWITCH, ["no ip domain-lookup"]).changed
    change = compute_change("cisco_ios", SWITCH, ["ip domain-lookup"])
    assert change.commands == ["ip domain-lookup"]
    assert "-no ip domain-lookup\n+ip domain-lookup" in change.diff


def test_removing_a_block_removes_its_lines_and_skips_lines_under_it() -> None:
    change = compute_change(
        "cisco_ios",
        SWITCH,
        ["no router bgp 65000", "router bgp 65000", " address-family ipv4"],
    )
    # The block comes back empty: the tree replays the lines in the order written.
    assert change.commands == ["no router bgp 65000", "router bgp 65000", " address-family ipv4"]
    assert "-  neighbor 10.0.0.2 activate" in change.diff
    gone = compute_change("cisco_ios", SWITCH, ["no router bgp 65000", " neighbor 10.0.0.2 x"])
    assert gone.commands == ["no router bgp 65000"]
    assert gone.warnings == ("'neighbor 10.0.0.2 x' ignored: it is under 'no router bgp 65000'",)


def test_abbreviated_interface_is_not_a_change() -> None:
    for lines in (
        ["int Gi1/0/1", " desc access port 1"],
        ["interface gi1/0/1", " description access port 1"],
        ["interface Gig 1/0/1", " spanning-tree portfast"],
        ["INTERFACE GigabitEthernet1/0/1"],
    ):
        change = compute_change("cisco_ios", SWITCH, lines)
        assert not change.changed, (lines, change.commands)
    change = compute_change("cisco_ios", SWITCH, ["int Gi1/0/1", " shut"])
    # Re-entered with the device's own spelling; the new line in full.
    assert change.commands == ["interface GigabitEthernet1/0/1", " shutdown"]
    new = compute_change("cisco_ios", SWITCH, ["int Lo0", " desc mgmt"])
    assert new.commands == ["interface Loopback0", " description mgmt"]
    assert "+interface Loopback0\n+ description mgmt" in new.diff


def test_interface_abbreviation_tables() -> None:
    cases = {
        ("cisco_ios", "int Te1/1/1"): "interface TenGigabitEthernet1/1/1",
        ("cisco_ios", "int fa0/1"): "interface FastEthernet0/1",
        ("cisco_ios", "int Po10"): "interface Port-channel10",
        ("cisco_ios", "int lo0"): "interface Loopback0",
        ("cisco_ios", "int Vl10"): "interface Vlan10",
        ("cisco_ios", "int vlan 10"): "interface Vlan10",
        ("cisco_ios", "int Eth0/0"): "interface Ethernet0/0",
        ("cisco_ios", "int Gi0/1.100"): "interface GigabitEthernet0/1.100",
        ("cisco_ios", "int Tw1/0/1"): "interface TwoGigabitEthernet1/0/1",
        ("cisco_ios", "int Twe1/0/1"): "interface TwentyFiveGigE1/0/1",
        ("cisco_ios", "no int Lo9"): "no interface Loopback9",
        ("cisco_ios", "int T1/0/1"): "interface T1/0/1",  # ambiguous: left as typed
        ("cisco_ios", "int range Gi1/0/1 - 4"): "interface range Gi1/0/1 - 4",
        ("cisco_nxos", "int po10"): "interface port-channel10",
        ("cisco_nxos", "int e1/1"): "interface Ethernet1/1",
        ("cisco_xr", "int BE1"): "interface Bundle-Ether1",
        ("cisco_xr", "int Te0/0/0/1"): "interface TenGigE0/0/0/1",
        ("arista_eos", "int Po1"): "interface Port-Channel1",
        ("arista_eos", "int Et1"): "interface Ethernet1",
        ("juniper_junos", "set interfaces ge-0/0/0 description  x"): (
            "set interfaces ge-0/0/0 description x"
        ),
        ("cisco_ios", "description Gi1/0/1 and desc"): "description Gi1/0/1 and desc",
    }
    for (platform, typed), expected in cases.items():
        assert canonical(typed, platform) == expected, typed


def test_an_unknown_abbreviation_is_sent_with_a_warning() -> None:
    change = compute_change(
        "cisco_ios", SWITCH, ["interface GigabitEthernet1/0/1", " spanning-tree port"]
    )
    assert change.commands == ["interface GigabitEthernet1/0/1", " spanning-tree port"]
    assert change.warnings == (
        "'spanning-tree port' looks like an abbreviation of 'spanning-tree portfast', which "
        "is present; it is sent, write it in full to make the task idempotent",
    )
    assert compute_change("cisco_ios", SWITCH, ["ntp server 192.0.2.10"]).warnings == ()


def test_secondary_address_is_added_not_replacing() -> None:
    running = "interface Vlan1\n ip address 10.0.0.1 255.255.255.0\n"
    change = compute_change(
        "cisco_ios", running, ["interface Vlan1", " ip address 10.0.1.1 255.255.255.0 secondary"]
    )
    assert "-" + " ip address" not in change.diff
    primary = compute_change(
        "cisco_ios", running, ["interface Vlan1", " ip address 10.0.2.1 255.0.0.0"]
    )
    assert "- ip address 10.0.0.1 255.255.255.0\n+ ip address 10.0.2.1 255.0.0.0" in primary.diff


def test_exit_lines_written_by_the_user_are_navigation_not_config() -> None:
    change = compute_change(
        "cisco_ios",
        SWITCH,
        [
            "router bgp 65000",
            " address-family ipv4",
            "  neighbor 10.0.0.3 activate",
            " exit-address-family",
            "exit",
            "ntp server 192.0.2.1",
        ],
    )
    assert not change.changed


def test_an_item_holding_several_lines_is_split() -> None:
    """A Jinja loop renders several lines into one `lines:` item."""
    change = compute_change(
        "cisco_ios",
        RUNNING,
        [
            "ntp server 192.0.2.1\nntp server 192.0.2.3\n",
            "interface GigabitEthernet1/0/2\n shutdown",
        ],
    )
    assert change.commands == [
        "ntp server 192.0.2.3",
        "interface GigabitEthernet1/0/2",
        " shutdown",
    ]
