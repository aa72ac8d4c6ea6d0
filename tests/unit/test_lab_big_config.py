"""A lab device with a very large running config stays quick; bad lab input is exit-5 input."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from netraven.errors import InputError
from netraven.lab import control
from netraven.lab.device import Device, Session, bulk_config, seed_config


def big_session(extra: int) -> Session:
    device = Device(
        name="sw1", enable_secret="en", serial="X1", running=seed_config("sw1", "$1$h", "p", extra)
    )
    cli = Session(device)
    cli.privileged = True
    return cli


def test_bulk_config_adds_about_the_asked_number_of_lines() -> None:
    base = len(Device("sw1", "en", "X", seed_config("sw1", "$1$h", "p")).render().splitlines())
    for extra in (1, 500, 20_000):
        rendered = Device("sw1", "en", "X", seed_config("sw1", "$1$h", "p", extra)).render()
        assert extra <= len(rendered.splitlines()) - base < extra + 4
    blocks = bulk_config(20_000)
    assert len({b.line for b in blocks}) == len(blocks)  # no duplicate blocks
    assert any(b.line.startswith("vlan ") for b in blocks)
    assert any(b.line.startswith("interface Loopback") for b in blocks)


def test_show_running_config_on_20000_lines_is_quick_and_complete() -> None:
    cli = big_session(20_000)
    started = time.perf_counter()
    output = cli.handle("show running-config")
    elapsed = time.perf_counter() - started
    lines = output.splitlines()
    assert len(lines) > 20_000
    assert lines[-1] == "end" and "hostname sw1" in lines
    # the line blocks stay last, after the bulk
    assert lines.index("line con 0") > lines.index("interface Loopback1000")
    assert elapsed < 1.0, f"show running-config took {elapsed:.2f}s"
    assert cli.handle("show running-config | include ^vlan 3999") == "vlan 3999"
    assert "ip address" in cli.handle("show running-config interface Loopback1500")


def test_pushing_config_into_a_big_config_is_quick() -> None:
    cli = big_session(20_000)
    cli.handle("configure terminal")
    started = time.perf_counter()
    for i in range(100):
        cli.handle(f"ntp server 192.0.2.{i}")
        cli.handle(f"interface GigabitEthernet2/0/{i}")
        cli.handle("description uplink")
    cli.handle("line vty 5 15")
    cli.handle("transport input ssh")
    cli.handle("end")
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"300 config lines took {elapsed:.2f}s"
    lines = cli.handle("show running-config").splitlines()
    assert "ntp server 192.0.2.99" in lines
    assert lines.index("interface GigabitEthernet2/0/99") < lines.index("line con 0")
    # a new line block joins the line blocks at the end, as IOS keeps them
    assert lines.index("interface GigabitEthernet2/0/99") < lines.index("line vty 5 15")
    assert all(line.startswith(("line ", " ", "!", "end")) for line in lines[-12:])


def test_parse_big_config() -> None:
    names = control.LabSettings(devices=4, platforms="ios:3,eos:1").names
    assert control.parse_big_config("sw-lab-2:20000", names) == ("sw-lab-2", 20000)
    for spec, message in (
        ("eos-lab-4:10", "only IOS-like devices"),
        ("sw-lab-2", "expected DEVICE:LINES"),
        ("sw-lab-4:10", "no lab device 'sw-lab-4'"),
        ("sw-lab-01:10", "no lab device 'sw-lab-01'"),
        ("sw-lab-1:many", "'many' is not a number"),
        ("sw-lab-1:0", "LINES must be"),
    ):
        with pytest.raises(InputError, match=message):
            control.parse_big_config(spec, names)


def test_bad_lab_up_input_is_input_error_before_anything_starts(tmp_path: Path) -> None:
    for settings in (
        control.LabSettings(devices=2, faults=("sw-lab-3:hang",)),
        control.LabSettings(devices=2, faults=("sw-lab-1:explode",)),
        control.LabSettings(devices=2, faults=("sw-lab-1:slow:fast",)),
        control.LabSettings(devices=2, big_configs=("sw-lab-1:x",)),
    ):
        with pytest.raises(InputError):
            control.up(tmp_path / "lab", settings)
    assert not (tmp_path / "lab").exists()


def test_bad_lab_fault_input_is_input_error_and_changes_nothing(tmp_path: Path) -> None:
    # A "running" lab whose pid is this test: read_state accepts it, nothing is signalled
    # because every call below fails validation first.
    (tmp_path / "state.json").write_text(json.dumps({"pid": os.getpid(), "devices": 3}))
    control.faults.save(tmp_path / "faults.json", {})
    for args, message in (
        (("sw-lab-4", "hang", None), "no lab device 'sw-lab-4'"),
        (("sw-lab-1", "explode", None), "unknown fault 'explode'"),
        (("sw-lab-1", "slow", "soon"), "'soon' is not a number"),
        (("sw-lab-1", "slow", None), "needs an argument"),
        (("sw-lab-1", "hang", "3"), "takes no argument"),
        (("sw-lab-1", "clear", "3"), "takes no argument"),
    ):
        with pytest.raises(InputError, match=message):
            control.set_fault(tmp_path, *args)
    assert control.faults.load(tmp_path / "faults.json") == {}
    with pytest.raises(control.NoLab):
        control.set_fault(tmp_path / "elsewhere", "sw-lab-1", "hang")
