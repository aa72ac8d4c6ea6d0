"""NetRaven's own CPU per host, without SSH: the engine against in-memory fake devices.

    python bench/engine_overhead.py [--hosts 1000] [--rounds 3] [--profile FILE]

Runs the run_bench.py playbook (show version, show running-config, backup) through
``execute`` on N ``FakeNetwork`` devices with a real SQLite job store, and prints the CPU
time (user+sys of this process, the writer thread included) per host. What it measures is
exactly what NetRaven adds on top of the device sessions — bookkeeping, events, redaction,
recording — so a change there shows up here without the noise of SSH and the lab.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.domain import JobOutcome  # noqa: E402
from netraven.engine import JobSpec, Owner, RunOptions, execute  # noqa: E402
from netraven.inventory import load_inventory  # noqa: E402
from netraven.playbook.loader import load_playbook  # noqa: E402
from netraven.store.engine import open_engine  # noqa: E402
from netraven.store.queries import get_job  # noqa: E402
from netraven.testing import FakeNetwork  # noqa: E402

PLAYBOOK = """\
- name: bench
  hosts: all
  tasks:
    - command: show version
    - command: show running-config
    - backup: {}
"""
CONFIG_LINES = 200  # about the size of a lab device's running config


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_round(work: Path, hosts: int, profiler: cProfile.Profile | None = None) -> float:
    inventory_dir = work / "inventory"
    inventory_dir.mkdir(exist_ok=True)
    names = [f"r{i}" for i in range(1, hosts + 1)]
    (inventory_dir / "hosts.yaml").write_text(
        yaml.safe_dump({n: {"platform": "cisco_ios", "groups": ["all_sites"]} for n in names})
    )
    (inventory_dir / "groups.yaml").write_text(yaml.safe_dump({"all_sites": {}}))
    (inventory_dir / "defaults.yaml").write_text(
        yaml.safe_dump({"username": "admin", "password": "lab-Pa55word"})
    )
    (work / "bench.yml").write_text(PLAYBOOK)
    network = FakeNetwork()
    for name in names:
        device = network.device(name)
        device.outputs["show version"] = "Cisco IOS XE Software, Version 17.9.4\n" * 20
        device.config.update(
            {f"interface GigabitEthernet1/0/{i}": [" switchport"] for i in range(CONFIG_LINES)}
        )
    inventory, secrets = load_inventory(inventory_dir)
    spec = JobSpec(
        playbook=load_playbook(work / "bench.yml"),
        inventory=inventory,
        owner=Owner("bench"),
        options=RunOptions(forks=hosts),
        secrets=tuple(secrets),
    )
    store = open_engine(f"sqlite:///{work / f'bench-{time.monotonic_ns()}.db'}")
    outcomes: list[JobOutcome] = []

    async def job() -> None:
        # The outcome is not the main task's value: leaving asyncio.run, CPython 3.11 formats
        # the repr of the main task, result included (the CLI's signal handling avoids it).
        outcomes.append(await execute(spec, store=store, connections=network.registry()))

    if profiler is not None:
        profiler.enable()
    started = cpu()
    asyncio.run(job())
    spent = cpu() - started
    if profiler is not None:
        profiler.disable()
    outcome = outcomes[0]
    row = get_job(store, outcome.job_id)
    store.dispose()
    if outcome.exit_code != 0 or row is None or row.status != "succeeded":
        raise SystemExit(f"run failed: exit {outcome.exit_code}, {outcome.error}")
    return spent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile of the last round here")
    parser.add_argument(
        "--cli-gc",
        action="store_true",
        help="tune the garbage collector as `netraven run` does (default: CPython's settings, "
        "as a service embedding the engine has them)",
    )
    args = parser.parse_args()
    if args.cli_gc:
        from netraven.cli.collector import freeze_loaded, tune_for_run

        tune_for_run()
        freeze_loaded()
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        for number in range(1, args.rounds + 1):
            work = Path(scratch) / str(number)
            work.mkdir()
            profiler = cProfile.Profile() if args.profile and number == args.rounds else None
            spent = one_round(work, args.hosts, profiler)
            if profiler is not None:
                profiler.dump_stats(args.profile)
            figures.append(spent)
            print(f"round {number}: {spent:.2f} s CPU, {spent / args.hosts * 1000:.3f} ms/host")
    median = statistics.median(figures)
    print(f"median: {median:.2f} s CPU, {median / args.hosts * 1000:.3f} ms/host")
    return 0


if __name__ == "__main__":
    sys.exit(main())
