"""A canary rollout over real SSH: six lab switches in batches of 1, 2 and 3, a device of the
second batch rejects a line, and ``rollback_scope`` decides what is put back.

Device state is read back from the devices themselves; statuses from the job store.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

HOSTS = [f"sw-lab-{i}" for i in range(1, 7)]


@pytest.fixture(scope="module")
def six_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(tmp_path_factory.mktemp("rolloutlab"), devices=6)
    yield lab
    control.down(lab.directory)


def _host_rows(workdir: Path) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        for host, status in conn.execute("select host, status from host_result order by id"):
            rows.setdefault(host, []).append(status)
    return rows


@pytest.mark.parametrize("scope", ["batch", "play"])
def test_canary_rollout_rolls_back_as_far_as_the_scope_says(
    six_lab: Lab, workdir: Path, scope: str
) -> None:
    ntp = f"ntp server 192.0.2.{70 if scope == 'batch' else 71}"
    description = f" description canary {scope}"
    before = {name: six_lab.running_config(name, workdir) for name in HOSTS}
    fault = netraven(
        "lab", "fault", "sw-lab-3", "reject-config", ntp, "--dir", str(six_lab.directory),
        cwd=six_lab.directory,
    )
    assert fault.returncode == 0, fault.stderr
    (workdir / "canary.yml").write_text(
        f"""\
- hosts: all
  serial: [1, 2, 3]
  recovery: {{on_failure: rollback, rollback_scope: {scope}}}
  tasks:
    - name: describe
      config:
        lines: [interface GigabitEthernet1/0/5, "{description}"]
    - name: ntp
      config:
        lines: ["{ntp}"]
"""
    )
    started = time.time()
    try:
        result = netraven(
            "run", "canary.yml", "-i", str(six_lab.inventory), "--output", "json", cwd=workdir
        )
    finally:
        control.set_fault(six_lab.directory, "sw-lab-3", "clear")
    # A stopped rollout is an abort by a failure policy: exit 8 (README, exit codes).
    assert result.returncode == 8, result.stderr
    doc = run_json(result)
    assert doc["job"]["aborted"].startswith("batch 2/3: 1 of 2 hosts failed")
    status = {h: doc["hosts"][h]["status"] for h in HOSTS}
    rows = _host_rows(workdir)

    # Batch 2: the host that failed rolled itself back, its batch-mate was rolled back for it.
    assert status["sw-lab-3"] == "rolled_back" and rows["sw-lab-3"] == ["rolled_back"]
    assert status["sw-lab-2"] == "rolled_back" and rows["sw-lab-2"] == ["ok", "rolled_back"]
    for name in ("sw-lab-2", "sw-lab-3"):
        assert six_lab.running_config(name, workdir) == before[name]

    # The canary: kept with scope batch, rolled back with scope play.
    canary = six_lab.running_config("sw-lab-1", workdir)
    if scope == "batch":
        assert status["sw-lab-1"] == "ok" and rows["sw-lab-1"] == ["ok"]
        assert ntp in canary and description in canary
        assert canary != before["sw-lab-1"]
    else:
        assert status["sw-lab-1"] == "rolled_back" and rows["sw-lab-1"] == ["ok", "rolled_back"]
        assert canary == before["sw-lab-1"]

    # Batch 3 was never contacted and is recorded skipped with the reason.
    for name in ("sw-lab-4", "sw-lab-5", "sw-lab-6"):
        assert status[name] == "skipped" and rows[name] == ["skipped"]
        assert doc["hosts"][name]["error"].startswith("rollout stopped: batch 2/3")
        assert six_lab.commands(name, started) == []  # not even a login
        assert six_lab.running_config(name, workdir) == before[name]
    # The batch-mate's rollback is a recorded task, verified against the pre-change config.
    rollback = doc["hosts"]["sw-lab-2"]["tasks"][-1]
    assert (rollback["action"], rollback["status"]) == ("rollback", "rolled_back")
