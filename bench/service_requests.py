"""The job service's CPU per polling request, without a lab: what a poller costs the job.

    python bench/service_requests.py [--requests 2000] [--clients 50]

Starts ``netraven serve`` on a fresh SQLite store holding 60 finished jobs, then has
``--clients`` concurrent clients send ``--requests`` requests between them, alternating
``GET /jobs?limit=50`` and ``GET /jobs/60/summary`` with one token (as the pollers of
``bench/service_load.py`` do, back to back). Prints the CPU time (user + system) the
service process spent on them, per request, read from ``/proc`` after a warm-up pass of
the same size: a figure a loaded machine changes little, unlike wall time or latency.
In the service that CPU is taken from the interpreter a running job shares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from netraven.service.tokens import create_token  # noqa: E402
from netraven.store.engine import open_engine  # noqa: E402
from netraven.store.models import Job  # noqa: E402

JOBS = 60


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed(db: str) -> str:
    """The store's jobs and a viewer token (returned)."""
    store = open_engine(db)
    try:
        token = create_token(store, "bench", "viewer", "bench")[1]
        with Session(store) as session:
            for n in range(JOBS):
                session.add(
                    Job(
                        playbook=f"/srv/playbooks/p{n}.yml",
                        playbook_sha256="0" * 64,
                        user="bench",
                        options=json.dumps({"forks": 50, "check": False}),
                        status="succeeded",
                        exit_code=0,
                    )
                )
            session.commit()
    finally:
        store.dispose()
    return token


async def poll(url: str, token: str, requests: int, clients: int) -> list[float]:
    latencies: list[float] = []
    left = requests
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        nonlocal left
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as own:
            turn = 0
            while left > 0:
                left -= 1
                path = "/jobs?limit=50" if turn % 2 == 0 else f"/jobs/{JOBS}/summary"
                turn += 1
                started = time.perf_counter()
                answer = await own.get(path)
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code} {answer.text}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    from tests.conftest import free_port_range  # locks the port against parallel test runs

    port = args.port or free_port_range(1)
    work = Path(tempfile.mkdtemp(prefix="netraven-requests-bench-"))
    db = f"sqlite:///{work / 'service.db'}"
    token = seed(db)
    process = subprocess.Popen(
        [sys.executable, "-m", "netraven", "serve", "--port", str(port), "--db", db,
         "--playbook-dir", str(work), "--log-level", "warning"],
        cwd=work, stdout=(work / "serve.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(poll(url, token, args.requests, args.clients))  # warm-up
        before = process_cpu(process.pid)
        started = time.perf_counter()
        latencies = sorted(asyncio.run(poll(url, token, args.requests, args.clients)))
        wall = time.perf_counter() - started
        used = process_cpu(process.pid) - before
    finally:
        process.terminate()
        process.wait()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"{args.requests} requests from {args.clients} clients: service CPU {used:.2f} s, "
        f"{used / args.requests * 1000:.2f} ms a request; wall {wall:.2f} s "
        f"({args.requests / wall:.0f}/s); latency p50 "
        f"{latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
