"""The netmiko connection kind over SSH against the lab: backup, idempotent config, check
mode and rollback — the same guarantees as the scrapli path, proven by the lab's own logs
and by reading the device back through scrapli (a witness that is not the netmiko path).
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

DEVICE = "sw-lab-2"
NTP = """\
- hosts: all
  tasks:
    - name: NTP and a port
      config:
        lines:
          - ntp server 203.0.113.{n}
          - interface GigabitEthernet1/0/9
          - " description via netmiko {{{{ inventory_hostname }}}}"
"""


@pytest.fixture(scope="module")
def netmiko_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(tmp_path_factory.mktemp("netmikolab"), devices=2)
    yield lab
    control.down(lab.directory)


@pytest.fixture
def inventory(netmiko_lab: Lab, workdir: Path) -> Path:
    return netmiko_lab.inventory_copy(
        workdir / "inv", **{DEVICE: {"data": {"connection": "netmiko"}}}
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def rows(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


def config_sent(lab: Lab, since: float) -> list[str]:
    return [c["command"] for c in lab.commands(DEVICE, since) if c["mode"] == "config"]


def test_backup_through_netmiko_equals_the_running_config(
    netmiko_lab: Lab, inventory: Path, workdir: Path
) -> None:
    book = write(workdir / "b.yml", "- hosts: all\n  tasks:\n    - backup: {}\n")
    result = netraven("run", str(book), "-i", str(inventory), "-l", DEVICE, cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    ((stored,),) = rows(workdir, "select text from config_backup")
    running = netmiko_lab.running_config(DEVICE, workdir)  # read through scrapli
    assert f"hostname {DEVICE}" in running
    assert stored == clean_running(running)


def test_config_through_netmiko_is_idempotent_and_check_mode_sends_nothing(
    netmiko_lab: Lab, inventory: Path, workdir: Path
) -> None:
    book = write(workdir / "ntp.yml", NTP.format(n=31))
    args = ("run", str(book), "-i", str(inventory), "-l", DEVICE, "--output", "json")

    started = time.time()
    preview = netraven(*args, "--check", "--diff", cwd=workdir)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert run_json(preview)["stats"][DEVICE]["changed"] == 1
    assert config_sent(netmiko_lab, started) == []
    assert "203.0.113.31" not in netmiko_lab.running_config(DEVICE, workdir)

    first = netraven(*args, cwd=workdir)
    assert first.returncode == 0, first.stdout + first.stderr
    assert run_json(first)["stats"][DEVICE]["changed"] == 1
    running = netmiko_lab.running_config(DEVICE, workdir)
    assert "ntp server 203.0.113.31" in running
    assert f" description via netmiko {DEVICE}" in running

    again = time.time()
    second = netraven(*args, cwd=workdir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert run_json(second)["stats"][DEVICE]["changed"] == 0
    assert config_sent(netmiko_lab, again) == []


def test_rollback_through_netmiko_restores_the_pre_change_config(
    netmiko_lab: Lab, inventory: Path, workdir: Path
) -> None:
    before = netmiko_lab.running_config(DEVICE, workdir)
    book = write(
        workdir / "rb.yml",
        "- hosts: all\n  recovery: {on_failure: rollback}\n  tasks:\n"
        "    - config: {lines: ['ntp server 203.0.113.77']}\n"
        "    - assert: {that: 'false', fail_msg: verification failed}\n",
    )
    result = netraven("run", str(book), "-i", str(inventory), "-l", DEVICE, cwd=workdir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert rows(workdir, "select status from host_result") == [("rolled_back",)]
    after = netmiko_lab.running_config(DEVICE, workdir)
    assert "203.0.113.77" not in after
    assert clean_running(after) == clean_running(before)
