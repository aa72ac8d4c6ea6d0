"""Ctrl-C, SIGTERM and SIGKILL mid-run: finished work is kept, the job says what happened."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import netraven
from tests.integration.conftest import Lab

SLOW = """\
- hosts: all
  tasks:
    - command: show version
    - command: show clock
"""


def start(lab: Lab, workdir: Path) -> subprocess.Popen[str]:
    (workdir / "slow.yml").write_text(SLOW)
    return subprocess.Popen(
        [sys.executable, "-m", "netraven", "run", "slow.yml", "-i", str(lab.inventory), "-f", "2"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_finished_hosts(workdir: Path, count: int, timeout: float = 60) -> None:
    db = workdir / ".netraven" / "netraven.db"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    done = conn.execute("select count(*) from host_result").fetchone()[0]
                if done >= count:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.1)
    raise AssertionError("no host finished in time")


def rows(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_keeps_finished_hosts(slow_lab: Lab, workdir: Path, sig: int) -> None:
    process = start(slow_lab, workdir)
    wait_for_finished_hosts(workdir, 2)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 99, out + err
    assert rows(workdir, "select status, exit_code from job") == [("interrupted", 99)]
    statuses = dict(rows(workdir, "select host, status from host_result"))
    assert sum(s == "ok" for s in statuses.values()) >= 2
    assert "interrupted" in statuses.values()
    assert len(statuses) < 6  # hosts that never started are not invented
    ok_hosts = [h for h, s in statuses.items() if s == "ok"]
    tasks = rows(workdir, f"select host from task_result where host = '{ok_hosts[0]}'")
    assert len(tasks) == 2


def test_killed_run_is_marked_interrupted_on_next_open(slow_lab: Lab, workdir: Path) -> None:
    process = start(slow_lab, workdir)
    wait_for_finished_hosts(workdir, 1)
    process.kill()
    process.communicate(timeout=30)
    assert rows(workdir, "select status from job") == [("running",)]
    listed = netraven("jobs", "list", "--json", cwd=workdir)
    assert listed.returncode == 0
    assert json.loads(listed.stdout)[0]["status"] == "interrupted"
