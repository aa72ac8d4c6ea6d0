"""``lab up --foreground --listen --inventory-host``: the lab as a container's main process.

Real processes on loopback: the lab serves SSH from the process that was started (no
daemon), its inventory and known_hosts name the host given, a run through that inventory
logs in with host keys checked, and SIGTERM (what ``docker stop`` sends) ends it with
exit 0 and nothing left listening.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import free_port_range, netraven, run_json

DEVICES = 2


def start_foreground(lab_dir: Path, *options: str) -> subprocess.Popen[str]:
    """``netraven lab up --foreground`` in a child process, once it says the lab is up."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netraven",
            "lab",
            "up",
            "--foreground",
            "--dir",
            str(lab_dir),
            "-n",
            str(DEVICES),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the lab is up, or the process exits
    if not line.startswith("lab up:"):
        process.kill()
        raise AssertionError(f"lab did not come up: {line}{process.stdout.read()}")
    return process


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)


def ssh_banner(family: socket.AddressFamily, address: str, port: int) -> bytes:
    with socket.socket(family) as sock:
        sock.settimeout(5)
        sock.connect((address, port))
        return sock.recv(64)


@pytest.fixture
def foreground_lab(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, int]]:
    base = free_port_range(DEVICES)
    lab_dir = tmp_path / "lab"
    process = start_foreground(lab_dir, "--base-port", str(base), "--inventory-host", "localhost")
    yield process, lab_dir, base
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serves_ssh_from_the_started_process_and_stops_on_sigterm(
    foreground_lab: tuple[subprocess.Popen[str], Path, int],
) -> None:
    process, lab_dir, base = foreground_lab
    state = json.loads((lab_dir / "state.json").read_text())
    assert state["pid"] == process.pid  # no daemon: the process we started serves
    for port in (base, base + DEVICES - 1):
        assert ssh_banner(socket.AF_INET, "127.0.0.1", port).startswith(b"SSH-2.0-")

    assert stop(process) == 0
    assert not (lab_dir / "state.json").exists()
    with pytest.raises(ConnectionRefusedError):
        ssh_banner(socket.AF_INET, "127.0.0.1", base)


def test_inventory_reaches_the_devices_by_the_given_host_name(
    foreground_lab: tuple[subprocess.Popen[str], Path, int], tmp_path: Path
) -> None:
    process, lab_dir, base = foreground_lab
    hosts = yaml.safe_load((lab_dir / "inventory" / "hosts.yaml").read_text())
    assert {host["hostname"] for host in hosts.values()} == {"localhost"}
    known = (lab_dir / "known_hosts").read_text().splitlines()
    assert [line.split()[0] for line in known] == [
        f"[localhost]:{port}" for port in range(base, base + DEVICES)
    ]
    # Host keys are checked by default: the login only works if known_hosts names the
    # host the inventory gives.
    probe = tmp_path / "probe.yml"
    probe.write_text("- hosts: all\n  tasks:\n    - command: show version\n")
    result = netraven(
        "run",
        str(probe),
        "-i",
        str(lab_dir / "inventory"),
        "--output",
        "json",
        "--db",
        f"sqlite:///{tmp_path / 'probe.db'}",
        cwd=tmp_path,
    )
    document = run_json(result)
    assert result.returncode == 0, result.stdout
    assert sorted(document["hosts"]) == ["sw-lab-1", "sw-lab-2"]
    assert stop(process) == 0


def test_listen_binds_the_given_address_only(tmp_path: Path) -> None:
    base = free_port_range(DEVICES)
    process = start_foreground(tmp_path / "lab6", "--base-port", str(base), "--listen", "::1")
    try:
        assert ssh_banner(socket.AF_INET6, "::1", base).startswith(b"SSH-2.0-")
        with pytest.raises(ConnectionRefusedError):
            ssh_banner(socket.AF_INET, "127.0.0.1", base)
        status = netraven("lab", "status", "--dir", str(tmp_path / "lab6"), cwd=tmp_path)
        assert status.returncode == 0 and f"on ::1:{base}-" in status.stdout
    finally:
        assert stop(process) == 0


def test_sigint_also_ends_it_cleanly(tmp_path: Path) -> None:
    base = free_port_range(DEVICES)
    process = start_foreground(tmp_path / "lab", "--base-port", str(base))
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0
    assert not (tmp_path / "lab" / "state.json").exists()
