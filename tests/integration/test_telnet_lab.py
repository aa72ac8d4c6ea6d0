"""`netraven run` over Telnet against `lab up --telnet`: scrapli's asynctelnet and netmiko's
``cisco_ios_telnet``, proven by the lab's connection log and by reading the devices over SSH.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netraven.engine.config_diff import clean_running
from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

BACKUP = """\
- hosts: all
  tasks:
    - name: Back up
      backup: {}
"""
NTP = """\
- hosts: all
  tasks:
    - name: NTP
      config:
        lines:
          - ntp server 198.51.100.{n}
          - interface GigabitEthernet1/0/7
          - " description via telnet {{{{ inventory_hostname }}}}"
"""


@pytest.fixture(scope="module")
def telnet_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(tmp_path_factory.mktemp("telnetlab"), devices=3, telnet=True)
    yield lab
    control.down(lab.directory)


def netmiko_inventory(lab: Lab, workdir: Path, **extra: object) -> Path:
    """sw-lab-2 through netmiko (cisco_ios_telnet), the others through scrapli."""
    return lab.inventory_copy(
        workdir / "inv", **{"sw-lab-2": {"data": {"connection": "netmiko"}, **extra}}
    )


def ssh_running_config(lab: Lab, device: str, workdir: Path) -> str:
    """The device's running config read over SSH: a witness that is not the Telnet path."""
    index = int(device.rsplit("-", 1)[1])
    inventory = lab.inventory_copy(
        workdir / f"ssh-{device}",
        **{device: {"port": lab.base_port + index - 1, "data": {"transport": "ssh"}}},
    )
    started = time.time()
    result = netraven(
        "run",
        str(write(workdir / "show.yml", "- hosts: all\n  tasks:\n    - command: show run\n")),
        "-i",
        str(inventory),
        "-l",
        device,
        "--output",
        "json",
        "--db",
        f"sqlite:///{workdir / 'ssh-probe.db'}",
        cwd=workdir,
    )
    assert transports(lab, device, started) == ["ssh"]
    return str(run_json(result)["hosts"][device]["tasks"][0]["output"])


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def transports(lab: Lab, device: str, since: float) -> list[str]:
    """Which listener each connection since ``since`` came through."""
    return [
        c.get("via", "?")
        for c in lab.commands(device, since)
        if c["mode"] == "connection" and c["command"] == "open"
    ]


def rows(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


def test_lab_inventory_reaches_devices_over_telnet(telnet_lab: Lab) -> None:
    defaults = (telnet_lab.inventory / "defaults.yaml").read_text()
    assert "transport: telnet" in defaults
    hosts = (telnet_lab.inventory / "hosts.yaml").read_text()
    assert f"port: {telnet_lab.base_port + 3}" in hosts  # sw-lab-1: the block after SSH


def test_backup_over_telnet_equals_the_running_config(telnet_lab: Lab, workdir: Path) -> None:
    inventory = netmiko_inventory(telnet_lab, workdir)
    started = time.time()
    result = netraven(
        "run", str(write(workdir / "b.yml", BACKUP)), "-i", str(inventory), cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for device in ("sw-lab-1", "sw-lab-2", "sw-lab-3"):
        assert transports(telnet_lab, device, started) == ["telnet"], device
    stored = dict(rows(workdir, "select host, text from config_backup"))
    assert set(stored) == {"sw-lab-1", "sw-lab-2", "sw-lab-3"}
    for device in ("sw-lab-1", "sw-lab-2"):  # scrapli, netmiko
        running = ssh_running_config(telnet_lab, device, workdir)
        assert f"hostname {device}" in running
        assert stored[device] == clean_running(running), device


def test_config_over_telnet_is_idempotent(telnet_lab: Lab, workdir: Path) -> None:
    inventory = netmiko_inventory(telnet_lab, workdir)
    book = write(workdir / "ntp.yml", NTP.format(n=21))
    args = ("run", str(book), "-i", str(inventory), "-l", "sw-lab-1,sw-lab-2", "--output", "json")
    first = netraven(*args, cwd=workdir)
    assert first.returncode == 0, first.stdout + first.stderr
    for device in ("sw-lab-1", "sw-lab-2"):
        assert run_json(first)["stats"][device]["changed"] == 1, device
    started = time.time()
    second = netraven(*args, cwd=workdir)
    assert second.returncode == 0, second.stdout + second.stderr
    for device in ("sw-lab-1", "sw-lab-2"):
        assert run_json(second)["stats"][device]["changed"] == 0, device
        sent = [c for c in telnet_lab.commands(device, started) if c["mode"] == "config"]
        assert sent == [], f"{device}: second run sent configuration: {sent}"
        assert transports(telnet_lab, device, started) == ["telnet"]
        running = ssh_running_config(telnet_lab, device, workdir)
        assert "ntp server 198.51.100.21" in running
        assert f" description via telnet {device}" in running


def test_check_mode_over_telnet_sends_no_configuration(telnet_lab: Lab, workdir: Path) -> None:
    book = write(workdir / "ntp.yml", NTP.format(n=99))
    started = time.time()
    result = netraven(
        "run",
        str(book),
        "-i",
        str(telnet_lab.inventory),
        "-l",
        "sw-lab-3",
        "--check",
        "--diff",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "+ntp server 198.51.100.99" in result.stdout
    received = telnet_lab.commands("sw-lab-3", started)
    assert transports(telnet_lab, "sw-lab-3", started) == ["telnet"]
    assert received and "config" not in {c["mode"] for c in received}
    assert not any(c["command"].startswith(("conf", "ntp", "interface")) for c in received)
    assert "198.51.100.99" not in ssh_running_config(telnet_lab, "sw-lab-3", workdir)


@pytest.mark.parametrize("device", ["sw-lab-1", "sw-lab-2"])  # scrapli, netmiko
def test_wrong_password_over_telnet_is_unreachable_exit_4(
    telnet_lab: Lab, workdir: Path, device: str
) -> None:
    inventory = telnet_lab.inventory_copy(
        workdir / "inv",
        **{
            "sw-lab-2": {"data": {"connection": "netmiko"}},
            device: {"password": "not-the-password"}
            | ({"data": {"connection": "netmiko"}} if device == "sw-lab-2" else {}),
        },
    )
    book = write(
        workdir / "p.yml",
        "- hosts: all\n  recovery: {retries: 2, backoff: {initial: 0.1}}\n"
        "  tasks:\n    - command: show clock\n",
    )
    started = time.time()
    result = netraven("run", str(book), "-i", str(inventory), "-l", device, cwd=workdir)
    assert result.returncode == 4, result.stdout + result.stderr
    assert rows(workdir, "select host, status, attempts from task_result") == [
        (device, "unreachable", 1)
    ]
    assert rows(workdir, "select status, exit_code from job") == [("failed", 4)]
    events = [c["command"] for c in telnet_lab.commands(device, started) if c["mode"] != "exec"]
    assert events[0] == "open" and "login-failed" in events
    assert not any(
        c["mode"] in ("privileged", "config") for c in telnet_lab.commands(device, started)
    )


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ({"data": {"transport": "serial"}}, "host sw-lab-1: data.transport 'serial'"),
        (
            {"platform": "linux", "data": {"connection": "netmiko"}},
            "host sw-lab-1: transport telnet: connection 'netmiko' cannot reach platform 'linux'",
        ),
    ],
)
def test_transport_mistakes_are_input_errors_before_any_connection(
    telnet_lab: Lab, workdir: Path, host: dict[str, object], message: str
) -> None:
    inventory = telnet_lab.inventory_copy(workdir / "inv", **{"sw-lab-1": host})
    started = time.time()
    result = netraven(
        "run", str(write(workdir / "b.yml", BACKUP)), "-i", str(inventory), cwd=workdir
    )
    assert result.returncode == 5, result.stdout + result.stderr
    assert message in result.stderr
    for device in ("sw-lab-1", "sw-lab-2", "sw-lab-3"):
        assert telnet_lab.commands(device, started) == []
