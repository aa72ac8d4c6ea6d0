"""A lab of simulated devices for the whole integration session, over real SSH."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from netraven.lab import control
from tests.conftest import free_port_range, netraven, run_json

DEVICES = 12


@dataclass
class Lab:
    directory: Path
    base_port: int
    settings: control.LabSettings

    @property
    def inventory(self) -> Path:
        return self.directory / "inventory"

    def commands(self, device: str, since: float = 0.0) -> list[dict[str, Any]]:
        return [
            c
            for c in control.command_log(self.directory)
            if c["device"] == device and c["t"] >= since
        ]

    def running_config(self, device: str, workdir: Path) -> str:
        """The device's running config, read through netraven itself (own scratch store)."""
        probe = workdir / "probe-running.yml"
        probe.write_text("- hosts: all\n  tasks:\n    - command: show running-config\n")
        result = netraven(
            "run",
            str(probe),
            "-i",
            str(self.inventory),
            "-l",
            device,
            "--output",
            "json",
            "--db",
            f"sqlite:///{workdir / 'probe.db'}",
            cwd=workdir,
        )
        return str(run_json(result)["hosts"][device]["tasks"][0]["output"])

    def inventory_copy(self, target: Path, **host_overrides: dict[str, Any]) -> Path:
        """A copy of the lab inventory, with some hosts changed or added."""
        shutil.copytree(self.inventory, target)
        hosts = yaml.safe_load((target / "hosts.yaml").read_text())
        for name, values in host_overrides.items():
            hosts.setdefault(name, {}).update(values)
        (target / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
        return target


def start_lab(directory: Path, **settings: Any) -> Lab:
    count = settings.get("devices", DEVICES)
    base = free_port_range(count * 2 if settings.get("telnet") else count)
    lab_settings = control.LabSettings(base_port=base, **{"devices": DEVICES, **settings})
    control.up(directory, lab_settings)
    return Lab(directory, base, lab_settings)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    running = start_lab(tmp_path_factory.mktemp("lab"))
    yield running
    control.down(running.directory)


@pytest.fixture(scope="session")
def slow_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Devices that think for 400 ms per command, for interrupting runs mid-way."""
    running = start_lab(tmp_path_factory.mktemp("slowlab"), devices=6, latency_ms=400)
    yield running
    control.down(running.directory)
