"""The job service under load: 50 API clients listing and polling while a big job runs.

    python bench/service_load.py [--devices 1000] [--clients 50] [--base-port 21022]

Brings up a lab of N devices and measures, one after the other:

1. the job (show version, show running-config, backup on every device) from the CLI;
2. the same job through ``netraven serve`` with no API traffic;
3. the same job through the service while ``--clients`` concurrent clients each loop
   ``GET /jobs?limit=50`` then ``GET /jobs/{id}/summary`` until it ends.

The service runs with ``pool_idle_seconds`` at 1 ms, so each of its jobs logs in to
every device like the CLI does: otherwise the second service job would reuse the first
one's sessions (the ConnectionPool) and look faster for a reason that is not load.
Job times are the recorded ones (``started_at`` → ``finished_at``), the same clock for
CLI and service; the target is (3) within 1.10x of (1). API latency is measured by the
clients (this process, on the same machine: they compete with the service for CPU).

Each service job is also reported as the CPU time (user + system) the service process
used from the job's POST to its end, read from ``/proc``: on a machine other work is
loading, wall times swing by 2x, while the extra CPU a job with pollers costs over the
one without is the API's own price, and it moves little. The clients' CPU (this
process's) is printed too: on a 2-core machine it is taken from the lab and the job.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

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


def netraven(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netraven", *args], cwd=cwd, capture_output=True, text=True
    )


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli_job(work: Path, forks: int) -> float:
    db = f"sqlite:///{work / 'cli.db'}"
    args = ["run", "bench.yml", "-i", "inventory", "-f", str(forks), "--db", db]
    started = time.perf_counter()
    ran = netraven(*args, "--output", "json", "--output-file", str(work / "cli.json"), cwd=work)
    wall = time.perf_counter() - started
    document = json.loads((work / "cli.json").read_text())
    print(f"cli: exit {ran.returncode}, process wall {wall:.2f} s")
    return float(document["job"]["duration_s"])


async def service_job(
    url: str, token: str, forks: int, clients: int, interval: float = 0.0
) -> tuple[float, list[float]]:
    """The job's recorded duration and the clients' request latencies."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: list[str] = []
    # The watcher opens a connection per poll: with 50 clients flooding this process's
    # loop, its 0.5 s pause can outlast uvicorn's 5 s keep-alive, and a request on a
    # connection the server just closed fails for a reason that is ours, not the service's.
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=fresh) as client:
        body = {"playbook": "bench.yml", "inventory": "inventory", "forks": forks}
        job = (await client.post("/jobs", json=body)).json()
        done = asyncio.Event()

        async def hammer() -> None:
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as own:
                while not done.is_set():
                    for path in ("/jobs?limit=50", f"/jobs/{job['id']}/summary"):
                        started = time.perf_counter()
                        try:
                            answer = await own.get(path)
                        except httpx.TransportError as exc:
                            errors.append(f"{type(exc).__name__}: {exc}")
                            continue
                        latencies.append(time.perf_counter() - started)
                        if answer.status_code != 200:
                            errors.append(f"HTTP {answer.status_code}")
                    if interval:
                        await asyncio.sleep(interval)

        workers = [asyncio.create_task(hammer()) for _ in range(clients)]
        while True:
            summary = (await client.get(f"/jobs/{job['id']}/summary")).json()
            if summary["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.5)
        done.set()
        await asyncio.gather(*workers)
    print(f"service job {job['id']}: {summary['status']} exit {summary['exit_code']}")
    if errors:
        print(f"    {len(errors)} failed requests, e.g. {sorted(set(errors))[:3]}")
    return float(summary["duration_s"]), latencies


def start_service(work: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    db = f"sqlite:///{work / 'service.db'}"
    made = netraven("tokens", "create", "bench", "--role", "operator", "--db", db, cwd=work)
    token = made.stdout.strip()
    process = subprocess.Popen(
        [sys.executable, "-m", "netraven", "serve", "--port", str(port), "--db", db,
         "--playbook-dir", str(work), "--max-jobs", "1", "--log-level", "warning"],
        cwd=work, stdout=(work / "serve.log").open("wb"), stderr=subprocess.STDOUT,
        env={**os.environ, "NETRAVEN_POOL_IDLE_SECONDS": "0.001"},
    )  # fmt: skip
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return process, token
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the service did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--base-port", type=int, default=0, help="lab's first port (default: a free range)"
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, help="each client's pause between polls, s"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="netraven-service-bench-"))
    from tests.conftest import free_port_range  # locks the ports against parallel test runs

    base = args.base_port or free_port_range(args.devices + 1)
    service_port = base + args.devices
    settings = control.LabSettings(devices=args.devices, base_port=base)
    print(
        f"lab: {args.devices} devices; {args.clients} API clients; {os.cpu_count()} CPUs",
        flush=True,
    )
    control.up(work / "lab", settings)
    shutil.copytree(work / "lab" / "inventory", work / "inventory")
    (work / "bench.yml").write_text(PLAYBOOK)
    process = None
    try:
        cli = cli_job(work, args.devices)
        process, token = start_service(work, service_port)
        url = f"http://127.0.0.1:{service_port}"
        cpu: list[float] = []
        client_cpu: list[float] = []  # this process: the clients, on the same cores

        def measured(clients: int, interval: float) -> tuple[float, list[float]]:
            assert process is not None
            before, ours = process_cpu(process.pid), time.process_time()
            outcome = asyncio.run(service_job(url, token, args.devices, clients, interval))
            cpu.append(process_cpu(process.pid) - before)
            client_cpu.append(time.process_time() - ours)
            return outcome

        idle, _ = measured(0, 0.0)
        loaded, latencies = measured(args.clients, args.interval)
        hammered, hammer_latencies = measured(args.clients, 0.0)
    except BaseException:
        print(f"service log: {work / 'serve.log'}")
        raise
    finally:
        if process is not None:
            process.terminate()
            process.wait()
        control.down(work / "lab")
    print(f"job from the CLI                      {cli:7.2f} s (recorded duration)")
    print(f"job in the service, no clients        {idle:7.2f} s  ({idle / cli:.2f}x the CLI)")
    print(f"    service process CPU {cpu[0]:.2f} s")
    for label, seconds, used, clients_used, times in (
        (f"{args.clients} clients polling every {args.interval:g} s", loaded, cpu[1],
         client_cpu[1], latencies),
        (f"{args.clients} clients back to back", hammered, cpu[2], client_cpu[2],
         hammer_latencies),
    ):  # fmt: skip
        times.sort()
        p99 = times[max(0, int(len(times) * 0.99) - 1)]
        print(
            f"job in the service, {label}: {seconds:7.2f} s ({seconds / cli:.2f}x the CLI, "
            f"{seconds / idle:.2f}x the idle service; target <= 1.10x)"
        )
        print(
            f"    API: {len(times)} requests, {len(times) / seconds:.0f}/s; latency p50 "
            f"{statistics.median(times) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {times[-1] * 1000:.1f} ms"
        )
        print(
            f"    service process CPU {used:.2f} s ({used - cpu[0]:+.2f} s over the idle job; "
            f"{(used - cpu[0]) / len(times) * 1000:.2f} ms a request); "
            f"the clients' own CPU {clients_used:.2f} s"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
