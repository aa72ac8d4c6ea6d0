"""NetRaven vs. Nornir+netmiko vs. raw scrapli, measured in one invocation.

    python bench/run_bench.py --devices 1000 [--workers 100] [--skip-netmiko] [--rounds 3]

Brings up a lab of N devices, runs each case as its own process against it — a warm-up
round first, then the cases alternating for ``--rounds`` rounds — and prints wall time,
peak RSS and the ratios (of the medians) the targets are stated in:
NetRaven within 1.10x of raw scrapli, at least 4x faster than Nornir+netmiko,
peak RSS under 250 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.lab import control  # noqa: E402

PLAYBOOK = """\
- name: bench
  hosts: all
  tasks:
    - command: show version
    - command: show running-config
    - backup: {}
"""


@dataclass
class Measure:
    name: str
    seconds: float
    cpu_seconds: float  # user + sys of the process (the fair figure on a shared machine)
    peak_rss_mb: float
    returncode: int
    tail: str


def child_env(work: Path) -> dict[str, str]:
    """Every case with a bytecode cache, as an installed package has (pip compiles it).

    The libraries all cases load come with theirs in site-packages; NetRaven's own modules,
    run from this checkout with PYTHONDONTWRITEBYTECODE set (as in this dev VM), would
    otherwise be compiled from source in every measured process (~0.1 s of CPU).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def measure(name: str, argv: list[str], env: dict[str, str] | None = None) -> Measure:
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, text=True, env=env
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    tail = "\n".join(output.strip().splitlines()[-2:])
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(name, seconds, cpu, usage.ru_maxrss / 1024, code, tail)


def argv_for(
    name: str, work: Path, inventory: Path, forks: int, workers: int, tag: object
) -> list[str]:
    backups = work / f"backups-{name}-{tag}"
    backups.mkdir()
    if name == "netraven":
        return [
            sys.executable,
            "-m",
            "netraven",
            "run",
            str(work / "bench.yml"),
            "-i",
            str(inventory),
            "-f",
            str(forks),
            "--db",
            f"sqlite:///{work / f'bench-{tag}.db'}",
        ]
    if name == "scrapli":
        script = "bench/baseline_scrapli_gather.py"
        return [sys.executable, str(ROOT / script), str(inventory), str(backups), str(forks)]
    script = "bench/baseline_nornir_netmiko.py"
    return [sys.executable, str(ROOT / script), str(inventory), str(backups), str(workers)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument(
        "--workers",
        type=int,
        default=100,
        help="Nornir threaded runner workers for the netmiko baseline",
    )
    parser.add_argument(
        "--forks",
        type=int,
        default=0,
        help="devices in flight for netraven and the scrapli gather (default: all of them)",
    )
    parser.add_argument("--base-port", type=int, default=20022)
    parser.add_argument("--latency", type=float, default=0.0, help="lab think-time, ms")
    parser.add_argument("--skip-netmiko", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    args = parser.parse_args()
    forks = args.forks or args.devices

    work = Path(tempfile.mkdtemp(prefix="netraven-bench-"))
    lab_dir = work / "lab"
    settings = control.LabSettings(
        devices=args.devices, base_port=args.base_port, latency_ms=args.latency
    )
    print(
        f"lab: {args.devices} devices, latency {args.latency} ms; netraven/scrapli in flight: "
        f"{forks}; nornir threaded workers: {args.workers}; {os.cpu_count()} CPUs"
    )
    control.up(lab_dir, settings)
    inventory = lab_dir / "inventory"
    (work / "bench.yml").write_text(PLAYBOOK)
    results: dict[str, list[Measure]] = {}
    cases = ["scrapli", "netraven"] + ([] if args.skip_netmiko else ["netmiko"])
    try:
        # A warm-up run of the two asyncio cases (which also fills the bytecode cache), then
        # the cases alternate, so that neither profits from a lab the other warmed up or
        # suffers from a noisy minute alone.
        env = child_env(work)
        for name in ("scrapli", "netraven"):
            measure("warm-up", argv_for(name, work, inventory, forks, args.workers, "warmup"), env)
        for round_no in range(1, args.rounds + 1):
            for name in cases:
                m = measure(
                    name, argv_for(name, work, inventory, forks, args.workers, round_no), env
                )
                results.setdefault(name, []).append(m)
                print(
                    f"round {round_no} {name:<9} {m.seconds:8.2f} s  cpu {m.cpu_seconds:7.2f} s  "
                    f"peak RSS "
                    f"{m.peak_rss_mb:7.1f} MB  exit {m.returncode}  "
                    f"({m.tail.splitlines()[-1] if m.tail else ''})"
                )
    finally:
        control.down(lab_dir)
    median = {name: statistics.median(m.seconds for m in ms) for name, ms in results.items()}
    rss = max(m.peak_rss_mb for m in results["netraven"])
    ratios = [
        n.seconds / r.seconds for n, r in zip(results["netraven"], results["scrapli"], strict=True)
    ]
    print(
        f"\nmedian of {args.rounds} rounds: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in median.items())
    )
    print(
        f"netraven / raw scrapli   = {statistics.median(ratios):5.2f}x, the rounds' median "
        f"(per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"ratio of the medians {median['netraven'] / median['scrapli']:.2f}; target <= 1.10x)"
    )
    if "netmiko" in median:
        print(
            f"nornir+netmiko / netraven = {median['netmiko'] / median['netraven']:5.2f}x  "
            "(target >= 4x)"
        )
    cpu_ratios = [
        n.cpu_seconds / r.cpu_seconds
        for n, r in zip(results["netraven"], results["scrapli"], strict=True)
    ]
    cpu = {name: statistics.median(m.cpu_seconds for m in ms) for name, ms in results.items()}
    print(
        "cpu (user+sys), median: "
        + ", ".join(
            f"{k} {v:.2f} s ({v / args.devices * 1000:.2f} ms/device)" for k, v in cpu.items()
        )
    )
    print(
        f"netraven / raw scrapli cpu = {statistics.median(cpu_ratios):5.2f}x, the rounds' median "
        f"(per round: {', '.join(f'{r:.2f}' for r in cpu_ratios)})"
    )
    print(f"netraven peak RSS         = {rss:5.1f} MB (target < 250 MB)")
    shutil.rmtree(work, ignore_errors=True)
    failed = sorted({m.name for ms in results.values() for m in ms if m.returncode != 0})
    if failed:
        print(f"cases with failures: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
