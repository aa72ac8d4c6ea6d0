"""Start-up time of the CLI: median of 10 runs each, on an idle machine.

    python bench/startup.py

Targets (2-core machine): ``netraven --help`` under 0.3 s, ``netraven validate`` of the
sample playbook under 0.5 s. ``python -c pass`` is measured in the same run as the floor.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.lab.control import LabSettings, write_inventory  # noqa: E402

RUNS = 10


def median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        inventory = Path(scratch) / "inventory"
        write_inventory(inventory, LabSettings(devices=10))
        cli = [sys.executable, "-m", "netraven"]
        cases = [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
            ("netraven --help", [*cli, "--help"], 0.3),
            ("netraven --version", [*cli, "--version"], 0.3),
            (
                "netraven validate site.yml",
                [*cli, "validate", "playbooks/site.yml", "-i", str(inventory)],
                0.5,
            ),
        ]
        failed = False
        for name, argv, target in cases:
            seconds = median_seconds(argv)
            verdict = ""
            if target is not None:
                ok = seconds < target
                failed |= not ok
                verdict = f"(target < {target} s: {'met' if ok else 'MISSED'})"
            print(f"{name:<28} median of {RUNS}: {seconds:6.3f} s {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
