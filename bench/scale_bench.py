"""Issue 11 §2: 10,000 lab devices on one machine, 1 vs 2 Celery workers, and a paper estimate.

    python bench/scale_bench.py local --devices 10000 --labs 4 [--forks 1000] [--json FILE]
    python bench/scale_bench.py workers --devices 1000 [--rounds 3] [--json FILE]
    python bench/scale_bench.py estimate --cpu-ms 9.05 [--rss-mb 339 --rss-base-mb 188 --forks 1000]

``local``: one lab process serves at most 5,000 devices, so N devices are split over
``--labs`` lab processes, each with its own directory and block of ports (all below 32768;
the lab's Telnet and HTTPS blocks are not used). Their inventories are merged into one —
hosts renumbered ``sw-lab-1 … sw-lab-N`` across the labs, their ``known_hosts`` files
concatenated. A run on 5 hosts fills the bytecode cache, a second one (the base) measures
start-up with the whole inventory, then ``netraven run`` of run_bench.py's playbook (show
version, show running-config, backup) runs once on all N as a child process with the
local executor.
Printed: wall time, peak RSS (``wait4`` of that process; goal < 1 GB), CPU (user + sys)
per device, and the job as the store recorded it (status, exit code, hosts ok). Then the
estimate below, from the measured CPU per device.

``workers``: the same job against a throwaway PostgreSQL database (created on
127.0.0.1:5432 and dropped afterwards) and a Redis database on 127.0.0.1:6379, first with
one ``netraven worker`` (``--concurrency 4``), then with two; each ``--executor celery``
run follows a local-executor run against the same store, and the ratio of the two wall
times is the overhead of distribution (goal ≤ 1.15 for 1 and 2 workers; on 2 cores no
speed-up is expected). CPU of the coordinator and of the workers' process trees is
printed beside it.

``estimate``: a paper estimate of the worker processes (cores) that 50,000 devices in 10
minutes need, with its assumptions printed and adjustable.

The bench exits non-zero when a run did not end with exit 0 and every host ok.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.lab import control  # noqa: E402
from netraven.system import raise_fd_limit  # noqa: E402
from tests.conftest import free_port_range  # noqa: E402

PLAYBOOK = """\
- name: bench
  hosts: all
  tasks:
    - command: show version
    - command: show running-config
    - backup: {}
"""

MAX_PER_LAB = 5000  # what `netraven lab up -n` accepts
PORT_CEILING = 32768  # the kernel's ephemeral ports start here
RSS_GOAL_MB = 1024.0
OVERHEAD_GOAL = 1.15
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARM_HOSTS = 5

try:  # libyaml: the merged 10,000-host inventory is read and written in a second, not ten
    from yaml import CSafeDumper as Dumper
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - the venv has libyaml
    from yaml import SafeDumper as Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as Loader  # type: ignore[assignment]


class BenchError(Exception):
    """The bench could not set up what it measures (ports, labs, database, workers)."""


@dataclass
class Measure:
    name: str
    seconds: float
    cpu_seconds: float  # user + sys of the process, from wait4
    peak_rss_mb: float
    returncode: int
    tail: str


@dataclass
class JobRecord:
    """The job as the store recorded it, read back with ``netraven jobs``."""

    id: int
    status: str
    exit_code: int | None
    hosts: int
    hosts_ok: int
    duration_s: float | None
    # The commonest host errors (first 160 characters) and how many hosts had each.
    errors: dict[str, int] = field(default_factory=dict)

    def good(self, devices: int) -> bool:
        return self.exit_code == 0 and self.hosts == devices and self.hosts_ok == devices


@dataclass
class RunResult:
    label: str
    measure: Measure
    job: JobRecord
    worker_cpu_seconds: float = 0.0  # the workers' process trees, during the run
    worker_peak_rss_mb: float = 0.0  # the largest worker's peak RSS (VmHWM) after the run

    def summary(self, devices: int) -> dict[str, Any]:
        m = self.measure
        cpu = m.cpu_seconds + self.worker_cpu_seconds
        return {
            "label": self.label,
            "wall_s": round(m.seconds, 3),
            "cpu_s": round(m.cpu_seconds, 3),
            "worker_cpu_s": round(self.worker_cpu_seconds, 3),
            "worker_peak_rss_mb": round(self.worker_peak_rss_mb, 1),
            "cpu_ms_per_device": round(cpu / devices * 1000, 3),
            "peak_rss_mb": round(m.peak_rss_mb, 1),
            "returncode": m.returncode,
            "job": asdict(self.job),
            "ok": m.returncode == 0 and self.job.good(devices),
        }


# ---------------------------------------------------------------------------- labs


def split(devices: int, labs: int) -> list[int]:
    """Devices per lab, as even as possible; every lab within what one lab process serves."""
    if devices < 1 or labs < 1 or labs > devices:
        raise BenchError(f"{devices} devices over {labs} labs: need 1 <= labs <= devices")
    sizes = [devices // labs + (1 if i < devices % labs else 0) for i in range(labs)]
    if sizes[0] > MAX_PER_LAB:
        raise BenchError(
            f"{sizes[0]} devices per lab: one lab process serves at most {MAX_PER_LAB} "
            f"(use --labs {math.ceil(devices / MAX_PER_LAB)} or more)"
        )
    return sizes


def plan_ports(sizes: list[int], base_port: int | None) -> list[int]:
    """Each lab's base port: consecutive blocks from ``base_port``, or free locked ranges.

    Device i of a lab listens on base + i - 1, so the last port of a block is base + n - 1;
    every one must stay below the ephemeral range. Without ``--base-port`` each block is a
    range no other test session holds (tests/conftest.py's slot locks, kept until exit).
    """
    if base_port is None:
        return [free_port_range(n) for n in sizes]
    bases = []
    for n in sizes:
        last = base_port + n - 1
        if last >= PORT_CEILING:
            raise BenchError(
                f"ports {base_port}-{last} reach {PORT_CEILING} (the ephemeral range): "
                "lower --base-port or --devices"
            )
        bases.append(base_port)
        base_port += n
    return bases


def merge_inventories(lab_dirs: list[Path], target: Path) -> Path:
    """One inventory over every lab: hosts renumbered across labs, one known_hosts file.

    Each lab names its devices sw-lab-1 … sw-lab-n; lab k's device i becomes
    sw-lab-(offset + i), keeping its port, groups and data. The labs write the same groups
    and defaults (they differ only in where their known_hosts lives), so lab 1's are kept,
    pointing at the concatenation of every lab's known_hosts (entries are per port).
    """
    target.mkdir(parents=True, exist_ok=True)
    hosts: dict[str, Any] = {}
    known: list[str] = []
    groups: Any = None
    defaults: Any = None
    for lab_dir in lab_dirs:
        inventory = lab_dir / "inventory"
        lab_hosts = yaml.load((inventory / "hosts.yaml").read_text(), Loader=Loader)
        offset = len(hosts)
        for i, (name, host) in enumerate(lab_hosts.items(), start=1):
            prefix, _, number = name.rpartition("-")
            if int(number) != i:
                raise BenchError(f"{lab_dir}: host {name} is not device {i} of its lab")
            hosts[f"{prefix}-{offset + i}"] = host
        lab_groups = yaml.load((inventory / "groups.yaml").read_text(), Loader=Loader)
        lab_defaults = yaml.load((inventory / "defaults.yaml").read_text(), Loader=Loader)
        lab_defaults["data"]["ssh"].pop("known_hosts")
        if groups is None:
            groups, defaults = lab_groups, lab_defaults
        elif (lab_groups, lab_defaults) != (groups, defaults):
            raise BenchError(f"{lab_dir}: groups or defaults differ from the first lab's")
        known.append((lab_dir / "known_hosts").read_text())
    assert defaults is not None
    (target / "known_hosts").write_text("".join(known))
    defaults["data"]["ssh"]["known_hosts"] = str((target / "known_hosts").resolve())
    for name, content in (("hosts", hosts), ("groups", groups), ("defaults", defaults)):
        (target / f"{name}.yaml").write_text(yaml.dump(content, Dumper=Dumper, sort_keys=False))
    return target


@dataclass
class Labs:
    directories: list[Path]
    bases: list[int]
    sizes: list[int]
    up_seconds: float
    inventory: Path
    pids: list[int] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the lab processes', known once they are stopped and reaped

    def describe(self) -> str:
        blocks = ", ".join(f"{b}-{b + n - 1}" for b, n in zip(self.bases, self.sizes, strict=True))
        return (
            f"{sum(self.sizes)} devices in {len(self.sizes)} lab process(es) "
            f"({'/'.join(map(str, self.sizes))}), ports {blocks}, up in {self.up_seconds:.1f} s"
        )


@contextlib.contextmanager
def labs_up(
    work: Path, devices: int, labs: int, base_port: int | None, latency_ms: float
) -> Iterator[Labs]:
    """Every lab started at once (each ``up`` waits for its listeners), stopped at exit."""
    sizes = split(devices, labs)
    bases = plan_ports(sizes, base_port)
    directories = [work / f"lab{k + 1}" for k in range(len(sizes))]
    settings = [
        control.LabSettings(devices=n, base_port=b, latency_ms=latency_ms)
        for n, b in zip(sizes, bases, strict=True)
    ]
    started = time.perf_counter()
    running = Labs(directories, bases, sizes, 0.0, work / "inventory")
    try:
        with ThreadPoolExecutor(len(sizes)) as pool:
            states = list(pool.map(control.up, directories, settings))
        running.pids = [int(s["pid"]) for s in states]
        running.up_seconds = time.perf_counter() - started
        merge_inventories(directories, running.inventory)
        yield running
    finally:
        for directory in directories:
            control.down(directory)
        running.cpu_seconds = sum(_reap(pid) for pid in running.pids)


def _reap(pid: int) -> float:
    """The stopped lab's CPU (user + sys); 0 if someone else reaped it already."""
    try:
        _, _, usage = os.wait4(pid, 0)
    except ChildProcessError:
        return 0.0
    return float(usage.ru_utime + usage.ru_stime)


# ---------------------------------------------------------------------- netraven runs


def child_env(work: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A bytecode cache every run shares, as an installed package has (see run_bench.py)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def measure(name: str, argv: list[str], env: dict[str, str], log: Path) -> Measure:
    """Run one process to its end; its own wall, CPU and peak RSS, output to ``log``."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    lines = log.read_text(errors="replace").strip().splitlines()
    return Measure(
        name,
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        process.returncode,
        "\n".join(lines[-3:]),
    )


def run_argv(
    playbook: Path, inventory: Path, forks: int, db: str, executor: str = "local",
    limit: Path | None = None,
) -> list[str]:  # fmt: skip
    """``netraven run`` of the bench playbook; the local executor is the default, unnamed."""
    return [
        sys.executable,
        "-m",
        "netraven",
        "run",
        str(playbook),
        "-i",
        str(inventory),
        "-f",
        str(forks),
        "--db",
        db,
        *(["--executor", executor] if executor != "local" else []),
        *(["-l", f"@{limit}"] if limit else []),
    ]


def cli_json(args: list[str], env: dict[str, str]) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "netraven", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise BenchError(
            f"netraven {' '.join(args[:2])}: exit {result.returncode}: {result.stderr}"
        )
    return json.loads(result.stdout)


def last_job(db: str, env: dict[str, str]) -> JobRecord:
    """The newest job of the store, with how many of its hosts ended ok."""
    newest = cli_json(["jobs", "list", "--json", "--limit", "1", "--db", db], env)
    if not newest:
        raise BenchError("the store recorded no job")
    detail = cli_json(["jobs", "show", str(newest[0]["id"]), "--json", "--db", db], env)
    job = detail["job"]
    statuses = [host["status"] for host in detail["hosts"].values()]
    errors = Counter(str(host["error"])[:160] for host in detail["hosts"].values() if host["error"])
    return JobRecord(
        id=job["id"],
        status=job["status"],
        exit_code=job["exit_code"],
        hosts=len(statuses),
        hosts_ok=statuses.count("ok"),
        duration_s=job["duration_s"],
        errors=dict(errors.most_common(3)),
    )


def warm_limit(work: Path, inventory: Path) -> Path:
    """A few hosts for the warm-up run that fills the bytecode cache before measuring."""
    names = list(yaml.load((inventory / "hosts.yaml").read_text(), Loader=Loader))
    path = work / "warm-hosts.txt"
    path.write_text("\n".join(names[:WARM_HOSTS]) + "\n")
    return path


def show(result: RunResult, devices: int) -> None:
    m, job = result.measure, result.job
    workers = f" + workers {result.worker_cpu_seconds:.2f} s" if result.worker_cpu_seconds else ""
    worker_rss = (
        f" (largest worker {result.worker_peak_rss_mb:.1f} MB)" if result.worker_peak_rss_mb else ""
    )
    cpu = m.cpu_seconds + result.worker_cpu_seconds
    print(
        f"{result.label:<18} wall {m.seconds:8.2f} s  cpu {m.cpu_seconds:7.2f} s{workers} "
        f"({cpu / devices * 1000:.2f} ms/device)  peak RSS {m.peak_rss_mb:7.1f} MB{worker_rss}  "
        f"exit {m.returncode}  job {job.id} {job.status} (exit {job.exit_code}), "
        f"hosts ok {job.hosts_ok}/{devices}"
    )
    for error, count in job.errors.items():
        print(f"  {count} host(s): {error}")


# ------------------------------------------------------------------------- part local


def part_local(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    devices = args.devices
    labs = args.labs or math.ceil(devices / 2500)
    forks = args.forks or min(devices, 1000)
    playbook = work / "bench.yml"
    playbook.write_text(PLAYBOOK)
    db = f"sqlite:///{work / 'local.db'}"
    env = child_env(work)
    load = os.getloadavg()[0]
    print(
        f"local: {devices} devices, {labs} lab(s), forks {forks}, {os.cpu_count()} CPUs, "
        f"load average {load:.1f}"
    )
    with labs_up(work, devices, labs, args.base_port, args.latency) as running:
        print(f"labs: {running.describe()}")
        limit = warm_limit(work, running.inventory)
        # The first run on a few hosts fills the bytecode cache (compiling costs ~3 s of CPU
        # and memory the measured run would not have); the second, the same, is the base:
        # start-up with the whole inventory, before any number of sessions.
        for name in ("warm-up", "base"):
            small_db = f"sqlite:///{work / f'{name}.db'}"
            base = measure(
                name, run_argv(playbook, running.inventory, forks, small_db, limit=limit),
                env, work / f"{name}.log",
            )  # fmt: skip
        print(
            f"base run ({WARM_HOSTS} hosts, whole inventory): cpu {base.cpu_seconds:.2f} s, "
            f"peak RSS {base.peak_rss_mb:.1f} MB, exit {base.returncode}"
        )
        m = measure(
            "local", run_argv(playbook, running.inventory, forks, db), env, work / "local.log"
        )
        result = RunResult("local executor", m, last_job(db, env))
        show(result, devices)
    print(f"lab processes' CPU: {running.cpu_seconds:.2f} s")
    cpu_ms = m.cpu_seconds / devices * 1000
    marginal = (m.cpu_seconds - base.cpu_seconds) / max(devices - WARM_HOSTS, 1) * 1000
    rss_met = m.peak_rss_mb < RSS_GOAL_MB
    print(
        f"peak RSS {m.peak_rss_mb:.1f} MB (goal < {RSS_GOAL_MB:.0f} MB: "
        f"{'met' if rss_met else 'MISSED'}); CPU {cpu_ms:.2f} ms/device "
        f"({marginal:.2f} ms/device beyond the base run's); "
        f"{devices / m.seconds:.1f} devices/s"
    )
    if not result.summary(devices)["ok"]:
        print(f"the run did not succeed on every host:\n{m.tail}")
    return {
        "part": "local",
        "devices": devices,
        "labs": running.sizes,
        "ports": [[b, b + n - 1] for b, n in zip(running.bases, running.sizes, strict=True)],
        "labs_up_s": round(running.up_seconds, 2),
        "lab_cpu_s": round(running.cpu_seconds, 2),
        "forks": forks,
        "cpus": os.cpu_count(),
        "load_before": load,
        # The base run (whole inventory, WARM_HOSTS hosts, bytecode cached): what a process
        # costs before its sessions, so (peak - this) / forks is what one in flight adds.
        "base_rss_mb": round(base.peak_rss_mb, 1),
        "base_cpu_s": round(base.cpu_seconds, 3),
        "marginal_cpu_ms_per_device": round(marginal, 3),
        "rss_goal_met": rss_met,
        "run": result.summary(devices),
    }


# ----------------------------------------------------------------------- part workers


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A PostgreSQL database of this bench's own, dropped (connections and all) at exit."""
    from sqlalchemy import create_engine, text

    name = f"nr_bench_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:
        admin.dispose()
        raise BenchError(f"cannot create a database on 127.0.0.1:5432: {exc}") from None
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextlib.contextmanager
def redis_database(requested: int | None) -> Iterator[str]:
    """A Redis database nothing else uses (empty when taken), emptied again at exit."""
    import redis

    candidates = [requested] if requested is not None else [
        1 + (os.getpid() + k) % 15 for k in range(15)
    ]  # fmt: skip
    for db in candidates:
        client = redis.Redis(host="127.0.0.1", port=6379, db=db)
        if client.dbsize() == 0:
            break
        client.close()
    else:
        raise BenchError("no empty Redis database on 127.0.0.1:6379 (pass --redis-db)")
    try:
        yield f"redis://127.0.0.1:6379/{db}"
    finally:
        client.flushdb()
        client.close()


def tree_cpu_seconds(root: int) -> float:
    """User + sys of a process and its descendants (with their reaped children) so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            # fields after "(comm)": state ppid ... utime(11) stime(12) cutime(13) cstime(14)
            total += sum(int(stats[pid][i]) for i in (11, 12, 13, 14))
        todo.extend(children.get(pid, []))
    return total / ticks


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory so far (VmHWM); 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


def worker_argv(name: str, concurrency: int) -> list[str]:
    """The worker as issue 11 specifies it; the broker and store come from the environment."""
    return [
        sys.executable,
        "-m",
        "netraven",
        "worker",
        "--name",
        f"{name}@%h",
        "--concurrency",
        str(concurrency),
    ]


def answers_ping(broker: str, node: str) -> bool:
    """Whether the Celery node answers a remote-control ping through the broker.

    A ping needs no knowledge of the worker's app or queues (it goes through the broker's
    pidbox), and is what "ready" means here: the worker consumes. Its log's "ready." line
    depends on the log level the worker was given, so it is not relied on.
    """
    from celery import Celery

    app = Celery(broker=broker, set_as_current=False)
    try:
        return bool(app.control.ping(destination=[node], timeout=1.0))
    finally:
        app.close()


def start_worker(
    name: str, concurrency: int, env: dict[str, str], work: Path, argv: list[str] | None = None
) -> Worker:
    """A worker in its own session (so it can be stopped as a group), once it answers a ping."""
    log = work / f"worker-{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            argv or worker_argv(name, concurrency),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=work,
            env=env,
            start_new_session=True,
        )
    worker = Worker(name, process, log)
    node = f"{name}@{socket.gethostname()}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(
                    f"worker {name} exited {process.returncode}: {log.read_text()[-600:]}"
                )
            if answers_ping(env["NETRAVEN_BROKER_URL"], node):
                return worker
            time.sleep(0.5)
        raise BenchError(f"worker {node} did not answer a ping in 120 s: {log.read_text()[-600:]}")
    except BaseException:
        # Not yet in the caller's list of workers to stop: a ping that raised (a broker
        # unreachable) or ^C here would otherwise leave it running, detached, for good.
        stop_worker(worker)
        raise


def stop_worker(worker: Worker) -> None:
    """SIGTERM (Celery's warm shutdown) to the worker's own process group, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.process.pid, signal.SIGTERM)
    try:
        worker.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()


def stop_workers(workers: list[Worker]) -> None:
    for worker in workers:
        stop_worker(worker)


def part_workers(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    devices = args.devices
    labs = args.labs or math.ceil(devices / 2500)
    forks = args.forks or devices
    playbook = work / "bench.yml"
    playbook.write_text(PLAYBOOK)
    print(
        f"workers: {devices} devices, {labs} lab(s), forks {forks}, worker concurrency "
        f"{args.concurrency}, {args.rounds} round(s), {os.cpu_count()} CPUs"
    )
    # Celery lets these win over the broker an app is given: neither the ping here nor the
    # workers may end up on another broker than the bench's own database.
    for variable in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        os.environ.pop(variable, None)
    phases: dict[int, list[tuple[RunResult, RunResult]]] = {}
    workers: list[Worker] = []
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(throwaway_database())
        broker = stack.enter_context(redis_database(args.redis_db))
        running = stack.enter_context(labs_up(work, devices, labs, args.base_port, args.latency))
        print(f"labs: {running.describe()}; store {db}; broker {broker}")
        stack.callback(stop_workers, workers)
        env = child_env(work, {"NETRAVEN_BROKER_URL": broker, "NETRAVEN_DB_URL": db})
        limit = warm_limit(work, running.inventory)
        for count in (1, 2):
            while len(workers) < count:
                workers.append(start_worker(f"w{len(workers) + 1}", args.concurrency, env, work))
            # A warm-up of each executor: bytecode cache, and each worker's lazy imports.
            for executor in ("local", "celery"):
                warm = measure(
                    "warm-up",
                    run_argv(playbook, running.inventory, forks, db, executor, limit),
                    env,
                    work / f"warm-{executor}-{count}.log",
                )
                if warm.returncode != 0:
                    raise BenchError(f"warm-up with --executor {executor} failed:\n{warm.tail}")
            for round_no in range(1, args.rounds + 1):
                pair: list[RunResult] = []
                for executor in ("local", "celery"):
                    before = sum(tree_cpu_seconds(w.process.pid) for w in workers)
                    m = measure(
                        executor,
                        run_argv(playbook, running.inventory, forks, db, executor),
                        env,
                        work / f"{executor}-{count}-{round_no}.log",
                    )
                    spent = sum(tree_cpu_seconds(w.process.pid) for w in workers) - before
                    if executor == "local":  # the idle workers' polling is not its work
                        label, spent = "local executor", 0.0
                    else:
                        label = f"celery, {count} worker{'s' if count > 1 else ''}"
                    result = RunResult(label, m, last_job(db, env), spent)
                    if executor != "local":
                        result.worker_peak_rss_mb = max(peak_rss_mb(w.process.pid) for w in workers)
                    show(result, devices)
                    pair.append(result)
                phases.setdefault(count, []).append((pair[0], pair[1]))
    print(f"lab processes' CPU: {running.cpu_seconds:.2f} s")
    summary: dict[str, Any] = {
        "part": "workers",
        "devices": devices,
        "forks": forks,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "phases": {},
    }
    for count, pairs in phases.items():
        ratios = [c.measure.seconds / loc.measure.seconds for loc, c in pairs]
        cpu_ratios = [
            (c.measure.cpu_seconds + c.worker_cpu_seconds) / loc.measure.cpu_seconds
            for loc, c in pairs
        ]
        ratio = statistics.median(ratios)
        print(
            f"{count} worker(s): celery / local wall = {ratio:.2f}x, the rounds' median "
            f"(per round: {', '.join(f'{r:.2f}' for r in ratios)}; goal <= {OVERHEAD_GOAL}: "
            f"{'met' if ratio <= OVERHEAD_GOAL else 'MISSED'}); CPU (coordinator + workers) / "
            f"local = {statistics.median(cpu_ratios):.2f}x"
        )
        summary["phases"][str(count)] = {
            "wall_ratio": round(ratio, 3),
            "wall_ratios": [round(r, 3) for r in ratios],
            "cpu_ratio": round(statistics.median(cpu_ratios), 3),
            "goal_met": ratio <= OVERHEAD_GOAL,
            "rounds": [
                {"local": loc.summary(devices), "celery": c.summary(devices)} for loc, c in pairs
            ],
        }
    summary["lab_cpu_s"] = round(running.cpu_seconds, 2)
    return summary


# ---------------------------------------------------------------------- part estimate


def estimate(
    cpu_ms: float,
    *,
    devices: int,
    minutes: float,
    device_seconds: float,
    config_factor: float,
    utilization: float,
    forks: int,
    rss_base_mb: float | None,
    rss_mb_per_host: float | None,
    cores_per_machine: int,
) -> dict[str, Any]:
    """Worker processes for ``devices`` in ``minutes``, from CPU per device and Little's law.

    Each worker process runs one asyncio engine in one interpreter: it can use one core,
    so CPU-bound it handles 1000 / cpu_ms devices a second. Real devices answer slower and
    send longer configs than the lab: ``config_factor`` scales the CPU per device, and
    ``device_seconds`` (login + three reads on a real device) sets how many devices must
    be in flight at once to keep the rate, which the processes' forks must cover.
    """
    seconds = minutes * 60
    rate = devices / seconds
    cpu_per_device = cpu_ms * config_factor / 1000
    cpu_total = devices * cpu_per_device
    by_cpu = math.ceil(cpu_total / (seconds * utilization))
    in_flight = math.ceil(rate * device_seconds)
    by_forks = math.ceil(in_flight / forks)
    processes = max(by_cpu, by_forks, 1)
    per_process_in_flight = math.ceil(in_flight / processes)
    memory_mb = (
        None
        if rss_base_mb is None or rss_mb_per_host is None
        else round(rss_base_mb + rss_mb_per_host * per_process_in_flight, 1)
    )
    return {
        "devices": devices,
        "minutes": minutes,
        "rate_per_s": round(rate, 2),
        "cpu_ms_measured": round(cpu_ms, 3),
        "config_factor": config_factor,
        "cpu_s_total": round(cpu_total, 1),
        "utilization": utilization,
        "processes_by_cpu": by_cpu,
        "device_seconds": device_seconds,
        "in_flight": in_flight,
        "forks": forks,
        "processes_by_forks": by_forks,
        "processes": processes,
        "machines": math.ceil(processes / cores_per_machine),
        "cores_per_machine": cores_per_machine,
        "rss_mb_per_host": None if rss_mb_per_host is None else round(rss_mb_per_host, 3),
        "rss_mb_per_process": memory_mb,
    }


def print_estimate(e: dict[str, Any]) -> None:
    print(
        f"\nestimate: {e['devices']:,} devices in {e['minutes']:g} minutes = "
        f"{e['rate_per_s']} devices/s\n"
        f"  CPU: {e['cpu_ms_measured']} ms/device measured against the lab x "
        f"{e['config_factor']} for real devices' longer configs and sessions = "
        f"{e['cpu_s_total']:,} s of CPU; a worker process (one interpreter, one core) "
        f"kept {e['utilization']:.0%} busy -> {e['processes_by_cpu']} process(es)\n"
        f"  latency: a real device takes ~{e['device_seconds']:g} s (login + 3 reads), so "
        f"{e['in_flight']:,} devices must be in flight (Little's law); at forks "
        f"{e['forks']} per process -> {e['processes_by_forks']} process(es)\n"
        f"  => {e['processes']} worker process(es) (Celery pool slots, one core each), "
        f"{e['machines']} machine(s) of {e['cores_per_machine']} cores"
        + (
            f"; ~{e['rss_mb_per_process']:,} MB RSS per process with its "
            f"{math.ceil(e['in_flight'] / e['processes']):,} devices in flight "
            f"(measured: {e['rss_mb_per_host']} MB per session in flight, an upper bound: "
            "(peak - base RSS) / forks also counts the job's results held in memory)"
            if e["rss_mb_per_process"] is not None
            else ""
        )
    )


def estimate_from(
    args: argparse.Namespace, cpu_ms: float, rss_base: float | None, rss_per_host: float | None
) -> dict[str, Any]:
    e = estimate(
        cpu_ms,
        devices=args.target_devices,
        minutes=args.minutes,
        device_seconds=args.device_seconds,
        config_factor=args.config_factor,
        utilization=args.utilization,
        forks=args.worker_forks,
        rss_base_mb=rss_base,
        rss_mb_per_host=rss_per_host,
        cores_per_machine=args.cores_per_machine,
    )
    print_estimate(e)
    return e


# ------------------------------------------------------------------------------ main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parts = parser.add_subparsers(dest="part", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    assumptions = argparse.ArgumentParser(add_help=False)
    assumptions.add_argument("--target-devices", type=int, default=50_000)
    assumptions.add_argument("--minutes", type=float, default=10.0)
    assumptions.add_argument(
        "--device-seconds", type=float, default=20.0,
        help="wall time of one real device's login + 3 reads (default 20)",
    )  # fmt: skip
    assumptions.add_argument(
        "--config-factor", type=float, default=2.0,
        help="CPU per real device / CPU per lab device (longer configs; default 2)",
    )  # fmt: skip
    assumptions.add_argument(
        "--utilization", type=float, default=0.5,
        help="share of its core a worker process may use (headroom; default 0.5)",
    )  # fmt: skip
    assumptions.add_argument("--worker-forks", type=int, default=1000)
    assumptions.add_argument("--cores-per-machine", type=int, default=8)
    labs = argparse.ArgumentParser(add_help=False)
    labs.add_argument("--labs", type=int, default=0, help="lab processes (default N / 2500)")
    labs.add_argument(
        "--base-port", type=int, default=None,
        help="first lab's base port; labs follow in consecutive blocks (default: free ranges)",
    )  # fmt: skip
    labs.add_argument("--latency", type=float, default=0.0, help="lab think-time, ms")
    local = parts.add_parser("local", parents=[common, labs, assumptions])
    local.add_argument("--devices", type=int, default=10_000)
    local.add_argument("--forks", type=int, default=0, help="default: min(N, 1000)")
    workers = parts.add_parser("workers", parents=[common, labs])
    workers.add_argument("--devices", type=int, default=1000)
    workers.add_argument("--forks", type=int, default=0, help="default: N (all in flight)")
    workers.add_argument("--concurrency", type=int, default=4)
    workers.add_argument("--rounds", type=int, default=1)
    workers.add_argument("--redis-db", type=int, default=None)
    paper = parts.add_parser("estimate", parents=[common, assumptions])
    paper.add_argument("--cpu-ms", type=float, required=True, help="measured CPU per device")
    paper.add_argument("--rss-mb", type=float, default=None, help="measured peak RSS")
    paper.add_argument(
        "--rss-base-mb", type=float, default=110.0,
        help="RSS of the same process with (almost) no session in flight",
    )  # fmt: skip
    paper.add_argument("--forks", type=int, default=1000, help="forks of that measurement")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_fd_limit()  # 10,000 client sessions; children inherit the limit
    work = Path(tempfile.mkdtemp(prefix="netraven-scale-"))
    try:
        if args.part == "local":
            document = part_local(args, work)
            run = document["run"]
            base = document["base_rss_mb"]
            per_host = max(run["peak_rss_mb"] - base, 0.0) / document["forks"]
            document["estimate"] = estimate_from(args, run["cpu_ms_per_device"], base, per_host)
            ok = bool(run["ok"])
        elif args.part == "workers":
            document = part_workers(args, work)
            ok = all(
                r[kind]["ok"]
                for phase in document["phases"].values()
                for r in phase["rounds"]
                for kind in ("local", "celery")
            )
        else:
            per_host = None
            if args.rss_mb is not None:
                per_host = max(args.rss_mb - args.rss_base_mb, 0.0) / args.forks
            document = {
                "part": "estimate",
                "estimate": estimate_from(args, args.cpu_ms, args.rss_base_mb, per_host),
            }
            ok = True
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json is not None:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if not ok:
        print("FAILED: a run did not end with exit 0 and every host ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
