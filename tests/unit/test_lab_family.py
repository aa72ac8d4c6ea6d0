"""`lab up --platforms`: the layout rule, device names, and the inventory's platforms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netraven.errors import InputError
from netraven.lab import control
from netraven.lab.family import LayoutError, parse_layout


def test_layout_in_the_order_given_and_default_all_ios() -> None:
    assert parse_layout(None, None) == ("ios",) * 3
    assert parse_layout(None, 5) == ("ios",) * 5
    assert parse_layout("ios:2,eos:1,junos:2", None) == ("ios", "ios", "eos", "junos", "junos")
    assert parse_layout("junos:1,ios:1", 2) == ("junos", "ios")


@pytest.mark.parametrize(
    ("spec", "devices", "message"),
    [
        ("ios:2,eos:2", 5, "adds up to 4 device\\(s\\), but --devices is 5"),
        ("vyos:2", None, "unknown family 'vyos'"),
        ("ios:2,ios:1", None, "'ios' given twice"),
        ("eos", None, "expected FAMILY:COUNT"),
        ("eos:x", None, "expected FAMILY:COUNT"),
        ("ios:0", None, "no devices"),
    ],
)
def test_bad_layouts(spec: str, devices: int | None, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        parse_layout(spec, devices)


def test_names_number_devices_across_the_whole_lab() -> None:
    settings = control.LabSettings(devices=5, platforms="ios:2,eos:2,junos:1")
    assert settings.names == ["sw-lab-1", "sw-lab-2", "eos-lab-3", "eos-lab-4", "junos-lab-5"]
    assert control.describe(settings.names) == (
        "sw-lab-1 … sw-lab-2, eos-lab-3 … eos-lab-4, junos-lab-5"
    )


def test_inventory_gives_each_host_its_platform(tmp_path: Path) -> None:
    settings = control.LabSettings(devices=4, base_port=20000, platforms="ios:2,eos:1,junos:1")
    control.write_inventory(tmp_path, settings)
    hosts = yaml.safe_load((tmp_path / "hosts.yaml").read_text())
    defaults = yaml.safe_load((tmp_path / "defaults.yaml").read_text())
    assert defaults["platform"] == "cisco_ios"
    assert "platform" not in hosts["sw-lab-1"]
    assert hosts["eos-lab-3"]["platform"] == "arista_eos"
    assert hosts["junos-lab-4"]["platform"] == "juniper_junos"
    assert [h["port"] for h in hosts.values()] == [20000, 20001, 20002, 20003]


def test_xr_and_nxos_families_name_and_platform(tmp_path: Path) -> None:
    spec = "ios:4,eos:2,junos:2,xr:2,nxos:2"
    settings = control.LabSettings(devices=12, base_port=20000, platforms=spec)
    assert settings.names[8:] == ["xr-lab-9", "xr-lab-10", "nxos-lab-11", "nxos-lab-12"]
    control.write_inventory(tmp_path, settings)
    hosts = yaml.safe_load((tmp_path / "hosts.yaml").read_text())
    assert hosts["xr-lab-9"]["platform"] == "cisco_xr"
    assert hosts["nxos-lab-12"]["platform"] == "cisco_nxos"
    assert hosts["nxos-lab-12"]["port"] == 20011


def test_bad_platforms_are_input_errors_before_anything_starts(tmp_path: Path) -> None:
    for settings in (
        control.LabSettings(devices=3, platforms="ios:1,eos:1"),
        control.LabSettings(devices=2, platforms="ios:1,eos:1", faults=("sw-lab-2:hang",)),
        control.LabSettings(devices=2, platforms="ios:1,junos:1", legacy=("sw-lab-2",)),
        control.LabSettings(devices=1, confirm_seconds_per_minute=0),
    ):
        with pytest.raises(InputError):
            control.up(tmp_path / "lab", settings)
    assert not (tmp_path / "lab").exists()
