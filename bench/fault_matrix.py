"""The recovery fault matrix: fault x policy -> outcome, and how long recovery took.

    python bench/fault_matrix.py

Brings up a small lab, injects each fault through the lab's live fault control, runs
a playbook with the policy under test through the real CLI, and prints a Markdown
table of what happened (exit code, per-host status, attempts) and the wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.lab import control  # noqa: E402

SHOW = "    - command: show version\n    - command: show clock\n"
PUSH = (
    "    - config:\n        lines: [interface GigabitEthernet1/0/4, ' description matrix',"
    " ntp server 192.0.2.50, ntp server 192.0.2.51]\n"
)


@dataclass
class Scenario:
    fault: str
    policy: str
    hosts: str
    faults: list[tuple[str, str, str | None]]
    recovery: str = "{}"
    tasks: str = SHOW
    forks: int = 10
    expect: str = ""
    extra_hosts: dict[str, dict[str, object]] = field(default_factory=dict)


BACKOFF = "backoff: {initial: 0.5, max: 2, jitter: false}"
SCENARIOS = [
    Scenario(
        "flap 2",
        f"retries 3, {BACKOFF}",
        "sw-lab-1",
        [("sw-lab-1", "flap", "2")],
        f"{{retries: 3, {BACKOFF}}}",
        expect="ok after 3 attempts",
    ),
    Scenario("flap 2", "none", "sw-lab-2", [("sw-lab-2", "flap", "2")], expect="unreachable"),
    Scenario(
        "auth",
        "retries 3",
        "sw-lab-3",
        [("sw-lab-3", "auth", None)],
        f"{{retries: 3, {BACKOFF}}}",
        expect="unreachable, 1 attempt (not retried)",
    ),
    Scenario(
        "refuse",
        "retries 2",
        "sw-lab-4",
        [("sw-lab-4", "refuse", None)],
        f"{{retries: 2, {BACKOFF}}}",
        expect="unreachable after 3 attempts",
    ),
    Scenario(
        "drop-after 4",
        "retries 1",
        "sw-lab-5",
        [("sw-lab-5", "drop-after", "4")],
        f"{{retries: 1, {BACKOFF}}}",
        expect="ok; 2nd task reconnects once",
    ),
    Scenario(
        "hang (timeout 2 s)",
        "none",
        "sw-lab-6,sw-lab-8",
        [("sw-lab-6", "hang", None)],
        expect="sw-lab-6 unreachable (timed out), sw-lab-8 ok",
    ),
    Scenario("slow 500 ms", "none", "sw-lab-7", [("sw-lab-7", "slow", "500")], expect="ok"),
    Scenario(
        "reject-config",
        "on_failure: continue",
        "sw-lab-9",
        [("sw-lab-9", "reject-config", "ntp server 192.0.2.51")],
        "{on_failure: continue}",
        PUSH,
        expect="failed, half-applied",
    ),
    Scenario(
        "reject-config",
        "on_failure: rollback",
        "sw-lab-10",
        [("sw-lab-10", "reject-config", "ntp server 192.0.2.51")],
        "{on_failure: rollback}",
        PUSH,
        expect="rolled_back, config verified",
    ),
    Scenario(
        "reject-config on 2nd of 4",
        "on_failure: abort (-f 1)",
        "sw-lab-11,sw-lab-12,sw-lab-13,sw-lab-14",
        [("sw-lab-12", "reject-config", "ntp server 192.0.2.51")],
        "{on_failure: abort}",
        PUSH,
        forks=1,
        expect="exit 8, rest skipped",
    ),
    Scenario(
        "refuse x3 in group ams",
        "circuit_breaker group/3",
        "ams",
        [("sw-lab-1", "refuse", None), ("sw-lab-3", "refuse", None), ("sw-lab-5", "refuse", None)],
        "{circuit_breaker: {scope: group, threshold: 3, reset_after: 300}}",
        expect="3 unreachable, rest of ams skipped, not contacted",
    ),
]
for pct, expect in (
    (0, "exit 8 at 1st failure"),
    (50, "no abort, exit 4"),
    (100, "no abort, exit 4"),
):
    SCENARIOS.append(
        Scenario(
            "2 of 4 unreachable",
            f"max_fail_percentage {pct} (-f 1)",
            "dead-1,dead-2,sw-lab-15,sw-lab-16",
            [],
            f"{{max_fail_percentage: {pct}}}",
            forks=1,
            expect=expect,
            extra_hosts={
                "dead-1": {"hostname": "127.0.0.1", "port": 1},
                "dead-2": {"hostname": "127.0.0.1", "port": 1},
            },
        )
    )


def run(work: Path, lab_dir: Path, index: int, scenario: Scenario) -> tuple[str, float]:
    inventory = work / f"inv{index}"
    hosts = yaml.safe_load((lab_dir / "inventory" / "hosts.yaml").read_text())
    hosts["sw-lab-6"]["data"]["timeout"] = 2
    hosts = {**scenario.extra_hosts, **hosts}
    inventory.mkdir()
    for name in ("groups", "defaults"):
        (inventory / f"{name}.yaml").write_text(
            (lab_dir / "inventory" / f"{name}.yaml").read_text()
        )
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    for device, kind, argument in scenario.faults:
        control.set_fault(lab_dir, device, kind, argument)
    book = work / f"play{index}.yml"
    book.write_text(
        f"- hosts: {scenario.hosts}\n  recovery: {scenario.recovery}\n  tasks:\n{scenario.tasks}"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "netraven",
            "run",
            str(book),
            "-i",
            str(inventory),
            "-f",
            str(scenario.forks),
            "--output",
            "json",
            "--db",
            f"sqlite:///{work / f'matrix{index}.db'}",
        ],
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, "NO_COLOR": "1"},
    )
    elapsed = time.perf_counter() - started
    for device, _, _ in scenario.faults:
        control.set_fault(lab_dir, device, "clear")
    doc = json.loads(result.stdout)
    parts = []
    for host, entry in doc["hosts"].items():
        attempts = max((t.get("attempts", 1) for t in entry["tasks"]), default=0)
        parts.append(f"{host}: {entry['status']}" + (f" ({attempts} att.)" if attempts > 1 else ""))
    return f"exit {result.returncode}; " + ", ".join(parts), elapsed


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="netraven-matrix-"))
    lab_dir = work / "lab"
    base = 47000 + os.getpid() % 1000
    control.up(lab_dir, control.LabSettings(devices=16, base_port=base))
    print("| fault | policy | expected | outcome | wall time |")
    print("| --- | --- | --- | --- | --- |")
    try:
        for index, scenario in enumerate(SCENARIOS):
            outcome, elapsed = run(work, lab_dir, index, scenario)
            print(
                f"| {scenario.fault} | {scenario.policy} | {scenario.expect} | {outcome} "
                f"| {elapsed:.1f} s |",
                flush=True,
            )
    finally:
        control.down(lab_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
