"""bench/scale_bench.py at tiny scale, so the scale bench cannot rot unnoticed.

Two labs of five devices: the merged inventory must reach all ten (hosts renumbered
across the labs, one known_hosts for both), the run must be recorded as the store saw it,
and the figures must be the process's own, not constants.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT))

from bench import scale_bench  # noqa: E402


def test_local_part_at_tiny_scale(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scale_bench.py"),
            "local",
            "--devices",
            "10",
            "--labs",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(out.read_text())
    assert document["part"] == "local"
    assert document["labs"] == [5, 5]
    (first_low, first_high), (second_low, second_high) = document["ports"]
    assert first_high - first_low == 4 and second_high - second_low == 4
    assert first_high < second_low or second_high < first_low  # two separate blocks
    assert max(first_high, second_high) < 32768
    run = document["run"]
    assert run["ok"] is True
    assert run["returncode"] == 0
    assert run["job"]["status"] == "succeeded"
    assert run["job"]["exit_code"] == 0
    assert run["job"]["hosts"] == 10 and run["job"]["hosts_ok"] == 10
    # Measured, not made up: a real interpreter's memory and CPU, consistent with each other.
    assert 30 < run["peak_rss_mb"] < 1024
    assert run["cpu_s"] > 0.1
    assert run["cpu_ms_per_device"] == pytest.approx(run["cpu_s"] / 10 * 1000, rel=1e-3)
    assert run["wall_s"] >= run["job"]["duration_s"]
    # The base run (start-up, 5 hosts) costs about as much as the run at this size, either
    # may be the larger on a busy machine; the per-device figure beyond it is their difference.
    assert document["base_cpu_s"] > 0.1
    assert document["marginal_cpu_ms_per_device"] == pytest.approx(
        (run["cpu_s"] - document["base_cpu_s"]) / 5 * 1000, abs=0.5
    )
    printed = re.search(r"base run \(5 hosts, whole inventory\): cpu ([\d.]+) s", result.stdout)
    assert printed is not None, result.stdout
    assert float(printed.group(1)) == pytest.approx(document["base_cpu_s"], abs=0.006)
    estimate = document["estimate"]
    assert estimate["devices"] == 50_000 and estimate["cpu_ms_measured"] == run["cpu_ms_per_device"]
    assert estimate["processes"] >= estimate["processes_by_cpu"] >= 1
    # The printed figures are the same as the JSON's.
    assert "hosts ok 10/10" in result.stdout
    assert f"peak RSS {run['peak_rss_mb']:7.1f} MB" in result.stdout
    assert f"=> {estimate['processes']} worker process(es)" in result.stdout


def _fake_lab(directory: Path, count: int, base: int, key: str) -> Path:
    """A lab directory as ``lab up`` leaves it: inventory/ and known_hosts."""
    from netraven.lab import control

    settings = control.LabSettings(devices=count, base_port=base)
    (directory).mkdir()
    (directory / "known_hosts").write_text(
        "".join(f"[127.0.0.1]:{base + i} ssh-ed25519 {key}\n" for i in range(count))
    )
    control.write_inventory(directory / "inventory", settings, directory / "known_hosts")
    return directory


def test_merged_inventory_renumbers_hosts_and_joins_known_hosts(tmp_path: Path) -> None:
    first = _fake_lab(tmp_path / "lab1", 3, 20000, "AAAA")
    second = _fake_lab(tmp_path / "lab2", 2, 25000, "BBBB")
    merged = scale_bench.merge_inventories([first, second], tmp_path / "inventory")
    hosts = yaml.safe_load((merged / "hosts.yaml").read_text())
    assert {name: h["port"] for name, h in hosts.items()} == {
        "sw-lab-1": 20000,
        "sw-lab-2": 20001,
        "sw-lab-3": 20002,
        "sw-lab-4": 25000,
        "sw-lab-5": 25001,
    }
    defaults = yaml.safe_load((merged / "defaults.yaml").read_text())
    known = Path(defaults["data"]["ssh"]["known_hosts"])
    assert known == (merged / "known_hosts").resolve()
    assert known.read_text().count("AAAA") == 3 and known.read_text().count("BBBB") == 2


def test_ports_stay_below_the_ephemeral_range() -> None:
    assert scale_bench.split(10_000, 4) == [2500] * 4
    assert scale_bench.split(10, 3) == [4, 3, 3]
    assert scale_bench.plan_ports([2500] * 4, 20022) == [20022, 22522, 25022, 27522]
    with pytest.raises(scale_bench.BenchError, match="ephemeral"):
        scale_bench.plan_ports([2500] * 4, 22769)  # the last port would be 32768
    with pytest.raises(scale_bench.BenchError, match="at most 5000"):
        scale_bench.split(10_001, 2)
