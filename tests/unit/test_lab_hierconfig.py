"""The lab's EOS- and Junos-like configurations agree with hier-config's model of those
platforms: the remediation hier-config computes from a device's own output, typed into the
device, leaves it exactly at the intended configuration. This is what NetRaven's config
and rollback rely on; a lab that parsed or printed differently would fail here."""

from __future__ import annotations

from hier_config import Platform, WorkflowRemediation, get_hconfig

from netraven.engine.config_diff import clean_running
from netraven.lab import eos, junos, nxos, xr


def remediation(platform: Platform, running: str, intended: str) -> list[str]:
    return list(
        WorkflowRemediation(
            get_hconfig(platform, running), get_hconfig(platform, intended)
        ).remediation_config.dump_simple()
    )


def same(platform: Platform, one: str, other: str) -> bool:
    a, b = get_hconfig(platform, one), get_hconfig(platform, other)
    return not tuple(a.difference(b).dump_simple()) and not tuple(b.difference(a).dump_simple())


def test_junos_remediation_applied_and_committed_reaches_the_intended_config() -> None:
    device = junos.new_device(4, "public")
    cli = device.session("admin")
    running = cli.handle("show configuration | display set")
    intended = "\n".join(
        line for line in running.splitlines() if "ntp" not in line and "ge-0/0/3 desc" not in line
    ) + (
        "\nset system ntp server 192.0.2.9"
        '\nset interfaces ge-0/0/3 description "to core 3"'
        "\nset interfaces ge-0/0/3 mtu 9000"
    )
    lines = remediation(Platform.JUNIPER_JUNOS, running, intended)
    assert lines[0] == "delete system ntp server 10.0.0.123"
    cli.handle("configure")
    assert [cli.handle(line) for line in lines] == [""] * len(lines)
    assert cli.handle("commit and-quit").startswith("commit complete")
    after = cli.handle("show configuration | display set")
    assert same(Platform.JUNIPER_JUNOS, intended, after)
    assert not same(Platform.JUNIPER_JUNOS, running, after)
    # and back again, as a rollback by remediation would
    cli.handle("configure")
    for line in remediation(Platform.JUNIPER_JUNOS, after, running):
        assert cli.handle(line) == ""
    cli.handle("commit and-quit")
    assert cli.handle("show configuration | display set") == running


def test_eos_remediation_reaches_the_intended_config() -> None:
    device = eos.new_device(3, "en", "public")
    cli = device.session("admin")
    cli.privileged = True
    running = cli.handle("show running-config")
    intended = running.replace("description access port 2", "description uplink").replace(
        "ip routing\n", "ip routing\nntp server 192.0.2.1\n"
    )
    lines = remediation(Platform.ARISTA_EOS, running, intended)
    assert "ntp server 192.0.2.1" in lines
    cli.handle("configure")
    assert [cli.handle(line) for line in lines] == [""] * len(lines)
    cli.handle("end")
    after = cli.handle("show running-config")
    assert same(Platform.ARISTA_EOS, intended, after)
    cli.handle("configure")
    for line in remediation(Platform.ARISTA_EOS, after, running):
        assert cli.handle(line) == ""
    cli.handle("end")
    assert same(Platform.ARISTA_EOS, running, cli.handle("show running-config"))


def test_nxos_remediation_reaches_the_intended_config() -> None:
    device = nxos.new_device(5, "en", "public")
    cli = device.session("admin")
    running = clean_running(cli.handle("show running-config"), "cisco_nxos")
    intended = running.replace("description access port 2", "description uplink").replace(
        "ip domain-lookup\n", "ip domain-lookup\nntp server 192.0.2.1\n"
    )
    lines = remediation(Platform.CISCO_NXOS, running, intended)
    assert "ntp server 192.0.2.1" in lines
    cli.handle("configure terminal")
    assert [cli.handle(line) for line in lines] == [""] * len(lines)
    cli.handle("end")
    after = clean_running(cli.handle("show running-config"), "cisco_nxos")
    assert same(Platform.CISCO_NXOS, intended, after)
    cli.handle("configure terminal")
    for line in remediation(Platform.CISCO_NXOS, after, running):
        assert cli.handle(line) == ""
    cli.handle("end")
    assert same(
        Platform.CISCO_NXOS, running, clean_running(cli.handle("show running-config"), "cisco_nxos")
    )


def test_xr_remediation_committed_reaches_the_intended_config() -> None:
    device = xr.new_device(6, "en", "public")
    cli = device.session("admin")
    running = clean_running(cli.handle("show running-config"), "cisco_xr")
    intended = running.replace("description uplink 2", "description to core").replace(
        "domain name lab.netraven.test\n",
        "domain name lab.netraven.test\ndomain name-server 192.0.2.1\n",
    )
    lines = remediation(Platform.CISCO_XR, running, intended)
    assert "domain name-server 192.0.2.1" in lines
    cli.handle("configure")
    assert [cli.handle(line) for line in lines] == [""] * len(lines)
    assert not cli.handle("commit").endswith("commit.")  # not "No configuration changes"
    cli.handle("end")
    after = clean_running(cli.handle("show running-config"), "cisco_xr")
    assert same(Platform.CISCO_XR, intended, after)
    assert not same(Platform.CISCO_XR, running, after)
