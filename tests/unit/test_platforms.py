"""The platform profiles: consistent with the libraries they name, and with device text."""

from __future__ import annotations

import importlib

import pytest
from hier_config import Platform

from netraven.connections import platforms as connection_views
from netraven.connections.guard import refusal
from netraven.engine.config_diff import clean_running
from netraven.errors import InputError
from netraven.platforms import PLATFORMS, PlatformProfile, PlatformRegistry, profile_for
from netraven.platforms.builtin import BUILT_IN, IOS, JUNOS

SCRAPLI_MODULES = {
    "AsyncIOSXEDriver": "cisco_iosxe",
    "AsyncNXOSDriver": "cisco_nxos",
    "AsyncIOSXRDriver": "cisco_iosxr",
    "AsyncEOSDriver": "arista_eos",
    "AsyncJunosDriver": "juniper_junos",
}


def test_the_documented_platforms_are_the_built_in_profiles() -> None:
    assert [p.name for p in BUILT_IN] == [
        "cisco_ios",
        "cisco_xe",
        "cisco_nxos",
        "arista_eos",
        "cisco_xr",
        "juniper_junos",
    ]
    assert {p.name for p in BUILT_IN if p.commits} == {"cisco_xr", "juniper_junos"}
    assert all(p.can_roll_back for p in BUILT_IN)


@pytest.mark.parametrize("profile", BUILT_IN, ids=lambda p: p.name)
def test_profile_names_what_the_libraries_have(profile: PlatformProfile) -> None:
    import scrapli.driver.core
    from netmiko.ssh_dispatcher import CLASS_MAPPER

    assert profile.scrapli_driver is not None
    assert hasattr(scrapli.driver.core, profile.scrapli_driver)
    assert profile.netmiko_device_type in CLASS_MAPPER
    assert profile.hier_config is not None and Platform[profile.hier_config]
    if profile.commits:  # netmiko has a commit() for it
        assert hasattr(CLASS_MAPPER[profile.netmiko_device_type], "commit")


@pytest.mark.parametrize("profile", BUILT_IN, ids=lambda p: p.name)
def test_every_failure_scrapli_knows_is_a_rejection(profile: PlatformProfile) -> None:
    """scrapli's failed_when_contains for the platform's driver: the profile agrees, so
    netmiko sessions and commits are judged as strictly as scrapli judges commands."""
    assert profile.scrapli_driver is not None
    module = importlib.import_module(
        f"scrapli.driver.core.{SCRAPLI_MODULES[profile.scrapli_driver]}.base_driver"
    )
    for text in module.FAILED_WHEN_CONTAINS:
        assert profile.rejected(f"x\n{text}\n"), text


@pytest.mark.parametrize(
    ("platform", "output"),
    [
        ("cisco_ios", "        ^\n% Invalid input detected at '^' marker."),
        ("cisco_nxos", "                  ^\n% Invalid command at '^' marker."),
        ("arista_eos", "% Invalid input (at token 1: 'shw')"),
        ("cisco_xr", "% Failed to commit one or more configuration items during a pseudo-atomic "
         "operation. All changes made have been reverted."),
        ("juniper_junos", "               ^\nsyntax error, expecting <command>."),
        ("juniper_junos", "error: configuration check-out failed"),
        ("juniper_junos", "          ^\nunknown command."),
        ("juniper_junos", "'sh' is ambiguous.\nPossible completions:"),
    ],
)
def test_device_errors_are_rejections(platform: str, output: str) -> None:
    assert profile_for(platform).rejected(output)


@pytest.mark.parametrize(
    ("platform", "output"),
    [
        ("cisco_ios", "interface Gi1\n description % Error budget link"),
        ("cisco_xr", "Fri Nov 27 23:10:05.123 UTC\n% No configuration changes to commit."),
        ("juniper_junos", 'set system login message "error: call NOC"'),
        ("juniper_junos", "commit complete"),
        ("arista_eos", "Copy completed successfully."),
    ],
)
def test_ordinary_output_is_not_a_rejection(platform: str, output: str) -> None:
    assert not profile_for(platform).rejected(output)


@pytest.mark.parametrize(
    ("platform", "text", "kept"),
    [
        (
            "cisco_ios",
            "Building configuration...\n\nCurrent configuration : 1234 bytes\n"
            "! Last configuration change at 10:00:00 UTC Fri Nov 27 2026 by admin\n"
            "ntp clock-period 17179865\nhostname r1\nend",
            ["hostname r1"],
        ),
        (
            "arista_eos",
            "! Command: show running-config\n! device: sw1 (DCS-7050TX-64, EOS-4.30.1F)\n"
            "!\nhostname sw1\nend",
            ["!", "hostname sw1"],
        ),
        (
            "cisco_nxos",
            "!Command: show running-config\n!Running configuration last done at: Fri Nov 27 "
            "23:00:00 2026\n!Time: Fri Nov 27 23:01:00 2026\nhostname n1",
            ["hostname n1"],
        ),
        (
            "cisco_xr",
            "Fri Nov 27 23:10:05.123 UTC\nBuilding configuration...\n!! IOS XR Configuration "
            "7.9.2\n!! Last configuration change at Fri Nov 27 23:00:00 2026 by admin\n"
            "hostname x1\nend",
            ["hostname x1"],
        ),
        (
            "juniper_junos",
            "## Last commit: 2026-11-27 23:00:01 UTC by admin\n{master:0}\n"
            "Disabling complete-on-space\nset system host-name j1",
            ["set system host-name j1"],
        ),
    ],
)
def test_volatile_lines_are_dropped(platform: str, text: str, kept: list[str]) -> None:
    assert clean_running(text, platform).splitlines() == kept


def test_junos_read_only_verbs_are_junos_ones() -> None:
    assert refusal("show configuration | display set", JUNOS) is None
    assert refusal("show interfaces terse | match ge-", JUNOS) is None
    for command in ("configure", "request system reboot", "file delete /var/tmp/x", "clear arp"):
        assert refusal(command, JUNOS) is not None, command
    assert refusal("show configuration | save /var/tmp/x", JUNOS) is not None
    assert refusal("terminal length 0", JUNOS) is not None  # not a Junos command
    assert refusal("terminal length 0", IOS) is None


def test_commit_lines() -> None:
    xr = profile_for("cisco_xr")
    assert JUNOS.confirmed_commit(300) == "commit confirmed 5"
    assert JUNOS.confirmed_commit(10) == "commit confirmed 1"
    assert xr.confirmed_commit(300) == "commit confirmed 300"
    assert xr.confirmed_commit(5) == "commit confirmed 30"  # XR's minimum
    assert JUNOS.commit_line("commit") == 0
    assert JUNOS.commit_line("commit  confirmed 5") == 5
    assert xr.commit_line("commit confirmed 300") == 300
    assert JUNOS.commit_line("set system ntp server 192.0.2.1") is None
    assert IOS.commit_line("commit") is None  # not a commit platform
    assert JUNOS.rollback_points(True) == 2 and xr.rollback_points(True) == 1


def test_aliases_and_conflicts() -> None:
    assert PLATFORMS.canonical("junos") == "juniper_junos"
    assert PLATFORMS.canonical("IOSXR") == "cisco_xr"
    assert PLATFORMS.canonical("hp_procurve") == "hp_procurve"
    with pytest.raises(InputError, match="host r9: platform 'vyos' is not supported"):
        profile_for("vyos", "r9")
    registry = PlatformRegistry(BUILT_IN)
    registry.register(IOS)  # the same profile again is fine
    clash = PlatformProfile(
        name="my_ios",
        title="x",
        config_model="running",
        running_config="show run",
        startup_config="show start",
        save="write",
        netmiko_device_type="cisco_ios",
        family="ios",
        aliases=("ios",),
    )
    with pytest.raises(InputError, match="'ios' is already the platform 'cisco_ios'"):
        registry.register(clash, "plugins/x.py")
    with pytest.raises(InputError, match="built in"):
        registry.unregister("cisco_ios")


def test_a_profile_must_say_how_to_make_a_change_durable() -> None:
    with pytest.raises(ValueError, match="needs commit"):
        PlatformProfile(
            name="x",
            title="x",
            config_model="candidate",
            running_config="show",
            startup_config="show",
            netmiko_device_type="x",
            family="x",
        )


def test_connection_views_follow_the_profiles() -> None:
    assert {
        p.name: p.scrapli_driver for p in BUILT_IN if p.scrapli_driver
    } == connection_views.SCRAPLI_DRIVERS
    assert set(connection_views.HIER_CONFIG_PLATFORMS) == {p.name for p in BUILT_IN}
