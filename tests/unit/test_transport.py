"""How a host is reached: data.transport, Nornir's connection_options, and who can speak it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from netraven.connections import platforms
from netraven.connections.base import HostParams, default_registry
from netraven.connections.ssh_options import SshOptions
from netraven.errors import InputError
from netraven.inventory import load_inventory


def params(tmp_path: Path, hosts: str, groups: str = "", defaults: str = "") -> dict[str, Any]:
    (tmp_path / "hosts.yaml").write_text(hosts)
    if groups:
        (tmp_path / "groups.yaml").write_text(groups)
    if defaults:
        (tmp_path / "defaults.yaml").write_text(defaults)
    inventory, _ = load_inventory(tmp_path)
    return {name: HostParams.from_host(host) for name, host in inventory.hosts.items()}


def test_transport_from_host_group_defaults_and_port_23_by_default(tmp_path: Path) -> None:
    hosts = params(
        tmp_path,
        """\
plain: {}
by_group: {groups: [old]}
by_host: {data: {transport: telnet}, port: 2323}
back_to_ssh: {groups: [old], data: {transport: ssh}}
""",
        "old: {data: {transport: telnet}}\n",
        "platform: cisco_ios\n",
    )
    assert (hosts["plain"].transport, hosts["plain"].port) == ("ssh", 22)
    assert (hosts["by_group"].transport, hosts["by_group"].port) == ("telnet", 23)
    assert (hosts["by_host"].transport, hosts["by_host"].port) == ("telnet", 2323)
    assert (hosts["back_to_ssh"].transport, hosts["back_to_ssh"].port) == ("ssh", 22)


def test_defaults_data_transport_applies_to_every_host(tmp_path: Path) -> None:
    hosts = params(tmp_path, "r1: {}\n", defaults="data: {transport: telnet}\n")
    assert hosts["r1"].transport == "telnet" and hosts["r1"].port == 23


def test_nornir_connection_options_mean_telnet_too(tmp_path: Path) -> None:
    hosts = params(
        tmp_path,
        """\
scrapli_user:
  platform: cisco_nxos
  connection_options: {scrapli: {extras: {transport: asynctelnet}}}
netmiko_user:
  connection_options: {netmiko: {platform: hp_procurve_telnet}}
grouped: {groups: [telnet_scrapli]}
plain_netmiko_style: {platform: cisco_xr_telnet}
scrapli_ssh:
  connection_options: {scrapli: {extras: {transport: asyncssh}}}
""",
        "telnet_scrapli: {connection_options: {scrapli: {extras: {transport: asynctelnet}}}}\n",
    )
    assert hosts["scrapli_user"].transport == "telnet"
    assert hosts["scrapli_user"].platform == "cisco_nxos"
    assert hosts["netmiko_user"].transport == "telnet"
    assert hosts["netmiko_user"].platform == "hp_procurve"  # the platform the option names
    assert hosts["grouped"].transport == "telnet" and hosts["grouped"].port == 23
    assert hosts["scrapli_ssh"].transport == "ssh"
    assert (hosts["plain_netmiko_style"].platform, hosts["plain_netmiko_style"].transport) == (
        "cisco_xr",
        "telnet",
    )


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("r1: {data: {transport: serial}}\n", "host r1: data.transport 'serial'"),
        (
            "r1: {connection_options: {scrapli: {extras: {transport: carrier_pigeon}}}}\n",
            "host r1: connection_options.scrapli.extras.transport 'carrier_pigeon'",
        ),
        (
            "r1:\n  data: {transport: ssh}\n"
            "  connection_options: {scrapli: {extras: {transport: asynctelnet}}}\n",
            "host r1: contradictory transports",
        ),
    ],
)
def test_unknown_or_contradictory_transport_is_input_error(
    tmp_path: Path, host: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        params(tmp_path, host)


def _p(platform: str, transport: str, extras: dict[str, Any] | None = None) -> HostParams:
    return HostParams(
        "r1", "127.0.0.1", 23, "u", "p", None, platform, 5.0, extras or {}, transport=transport,
        ssh=SshOptions(host_key_checking=False),  # not about host keys
    )  # fmt: skip


def test_registry_picks_scrapli_telnet_then_netmiko_telnet_and_refuses_neither() -> None:
    registry = default_registry()
    assert registry.validate(_p("cisco_ios", "telnet")).name == "scrapli"
    assert registry.validate(_p("cisco_ios", "telnet"), "netmiko").name == "netmiko"
    assert registry.validate(_p("hp_procurve", "telnet")).name == "netmiko"
    # netmiko has no linux_telnet (nor does scrapli cover linux): refused before connecting.
    assert registry.validate(_p("linux", "ssh")).name == "netmiko"
    with pytest.raises(InputError, match="host r1: transport telnet: .*'linux'"):
        registry.validate(_p("linux", "telnet"))


def test_transport_in_connection_extras_is_refused_for_scrapli() -> None:
    with pytest.raises(InputError, match="connection_extras.transport"):
        default_registry().validate(_p("cisco_ios", "ssh", {"transport": "asynctelnet"}))


def test_scrapli_gets_asynctelnet_for_telnet_hosts() -> None:
    from netraven.connections.scrapli_conn import ScrapliConnection

    telnet = ScrapliConnection(_p("cisco_ios", "telnet"))
    ssh = ScrapliConnection(_p("cisco_ios", "ssh"))
    assert telnet._driver.transport_name == "asynctelnet"
    assert ssh._driver.transport_name == "asyncssh"


def test_netmiko_gets_the_telnet_device_type(monkeypatch: pytest.MonkeyPatch) -> None:
    from netraven.connections.netmiko_conn import NetmikoConnection

    seen: list[str] = []

    class Handler:
        def __init__(self, **kwargs: Any) -> None:
            seen.append(kwargs["device_type"])

    monkeypatch.setattr("netmiko.ConnectHandler", Handler)
    for transport in ("telnet", "ssh"):
        conn = NetmikoConnection(_p("hp_procurve", transport))
        asyncio.run(conn.open())
        asyncio.run(conn.close())
    assert seen == ["hp_procurve_telnet", "hp_procurve"]


def test_netmiko_telnet_platforms_match_the_installed_netmiko() -> None:
    from netmiko.ssh_dispatcher import CLASS_MAPPER

    installed = {name.removesuffix("_telnet") for name in CLASS_MAPPER if name.endswith("_telnet")}
    assert installed == platforms.NETMIKO_TELNET_PLATFORMS
