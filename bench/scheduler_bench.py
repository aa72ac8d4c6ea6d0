"""Scheduler figures: next-run computation, a tick over many schedules, a 1,000-host
reachability check. Prints figures; asserts nothing (see docs/schedules.md).

    python bench/scheduler_bench.py [SCHEDULES=1000] [HOSTS=1000]

Uses a scratch SQLite store and one SSH-banner server on 127.0.0.1 (a free port below
32768) that every host of the generated inventory points at.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from netraven.app.schedules import ScheduleRequest, add_schedule
from netraven.engine.spec import Owner
from netraven.scheduler.handlers import HandlerEnv, Target
from netraven.scheduler.loop import Scheduler
from netraven.scheduler.reachability import ReachabilityHandler
from netraven.scheduler.timing import next_run, parse_timing, zone
from netraven.store import queries
from netraven.store.engine import open_engine


def free_port() -> int:
    for port in range(20000, 32000, 7):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


def bench_next_run(count: int = 20_000) -> None:
    tz = zone("Europe/Amsterdam")
    for text in ("cron */15 * * * *", "weekly mon,thu 02:30", "every 1h30m"):
        timing, after = parse_timing(text), datetime(2026, 3, 1, tzinfo=UTC)
        started = time.perf_counter()
        for _ in range(count):
            after = next_run(timing, tz, after, datetime(2026, 1, 1, tzinfo=UTC))
        per = (time.perf_counter() - started) / count * 1e6
        print(f"next_run {text!r}: {per:.1f} µs per call ({count} consecutive runs)")


async def bench_tick(root: Path, schedules: int) -> None:
    store = open_engine(f"sqlite:///{root / 'tick.db'}")
    inventory = root / "inv"
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text("r1: {hostname: 127.0.0.1, port: 1}\n")
    created = datetime(2026, 6, 1, tzinfo=UTC)
    started = time.perf_counter()
    for i in range(schedules):
        add_schedule(
            store,
            ScheduleRequest(
                name=f"s{i}",
                handler="reachability",
                inventory=str(inventory),
                timing="every 1h",
            ),
            created_by="bench",
            now=created,
        )
    print(f"add {schedules} schedules: {time.perf_counter() - started:.2f} s")
    launched: list[object] = []

    async def launch(spec: object) -> int:
        launched.append(spec)
        return 0

    clock = Clock(created + timedelta(minutes=1))
    scheduler = Scheduler(store, launch, clock=clock)
    started = time.perf_counter()
    await scheduler.tick()
    idle = (time.perf_counter() - started) * 1000
    print(f"tick over {schedules} schedules, none due: {idle:.0f} ms")
    clock.current = created + timedelta(hours=1, seconds=1)
    started = time.perf_counter()
    tick = await scheduler.tick()
    claimed = time.perf_counter() - started
    await scheduler.wait_idle()
    total = time.perf_counter() - started
    print(
        f"tick with {len(tick.started)} due: {claimed * 1000:.0f} ms to claim and start them, "
        f"{total:.1f} s until all {schedules} reachability jobs were recorded"
    )
    store.dispose()


async def bench_reachability(root: Path, hosts: int) -> None:
    async def banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-BenchSSH_1.0\r\n")
        await writer.drain()
        writer.close()

    port = free_port()
    server = await asyncio.start_server(banner, "127.0.0.1", port, backlog=4096)
    inventory = root / "big"
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text(
        yaml.safe_dump({f"d{i}": {"hostname": "127.0.0.1", "port": port} for i in range(hosts)})
    )
    store = open_engine(f"sqlite:///{root / 'reach.db'}")
    env = HandlerEnv(store=store, owner=Owner("bench"), launch=None)  # type: ignore[arg-type]
    started = time.perf_counter()
    job_id = await ReachabilityHandler().run(Target("bench", "reachability", inventory), env)
    took = time.perf_counter() - started
    job = queries.get_job(store, job_id)
    ok = sum(1 for h in queries.host_results(store, job_id) if h.status == "ok")
    print(
        f"reachability over {hosts} hosts: {took:.2f} s end to end, "
        f"{ok} ok, job {job.status if job else '?'}"
    )
    server.close()
    await server.wait_closed()
    store.dispose()


def main() -> None:
    schedules = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    hosts = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    bench_next_run()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench_tick(Path(folder), schedules))
        asyncio.run(bench_reachability(Path(folder), hosts))


if __name__ == "__main__":
    main()
