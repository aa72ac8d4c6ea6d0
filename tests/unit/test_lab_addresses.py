"""The lab's listen address and inventory host name, and a container's stale state file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from netraven.errors import InputError, LabError
from netraven.lab import control


def test_written_inventory_uses_the_inventory_host(tmp_path: Path) -> None:
    settings = control.LabSettings(devices=3, base_port=20000, inventory_host="lab")
    control.write_inventory(tmp_path, settings)
    hosts = yaml.safe_load((tmp_path / "hosts.yaml").read_text())
    assert [(h["hostname"], h["port"]) for h in hosts.values()] == [
        ("lab", 20000),
        ("lab", 20001),
        ("lab", 20002),
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (control.LabSettings(listen="lab"), "--listen 'lab': not an IP address"),
        (control.LabSettings(listen="0.0.0.0:22"), "not an IP address"),
        (control.LabSettings(inventory_host="-lab"), "not a host name or address"),
        (control.LabSettings(inventory_host="a b"), "not a host name or address"),
        (control.LabSettings(inventory_host="lab", https=True), "certificate is only for"),
    ],
)
def test_bad_addresses_are_input_errors(
    tmp_path: Path, settings: control.LabSettings, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        control.up(tmp_path, settings)
    assert not (tmp_path / "faults.json").exists()  # refused before touching the directory


@pytest.mark.parametrize("host", ["lab", "lab.example.net", "10.0.0.5", "::1", "localhost"])
def test_good_addresses_pass(host: str) -> None:
    control._check_addresses(control.LabSettings(listen="0.0.0.0", inventory_host=host))
    control._check_addresses(control.LabSettings(listen="::", inventory_host=host))


def write_state(lab_dir: Path, pid: int) -> None:
    lab_dir.mkdir(parents=True, exist_ok=True)
    (lab_dir / "state.json").write_text(json.dumps({"pid": pid, "devices": 1}))


def test_a_state_naming_another_live_process_is_a_running_lab(tmp_path: Path) -> None:
    write_state(tmp_path, os.getppid())
    with pytest.raises(LabError, match="already running"):
        control._prepare(tmp_path, control.LabSettings(devices=1))


def test_a_state_naming_this_process_is_stale(tmp_path: Path) -> None:
    """A restarted container's lab has the pid (1) its killed predecessor wrote down."""
    write_state(tmp_path, os.getpid())
    assert control._prepare(tmp_path, control.LabSettings(devices=1)) == []
    assert not (tmp_path / "state.json").exists()
