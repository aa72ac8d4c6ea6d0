"""``--executor celery`` end to end: two real ``netraven worker`` processes on the machine's
Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432), against the lab over SSH.

What is asserted is what the devices saw (the lab's command log), what the store recorded,
and that the job's status and exit code are the local executor's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from netraven.vault import encrypt
from tests.conftest import free_port_range, netraven, run_json
from tests.fixtures.postgres import temporary_schema
from tests.integration.conftest import Lab

pytestmark = pytest.mark.postgres

BROKER_DB = 8 + os.getpid() % 6  # this session's Redis databases: BROKER_DB and BROKER_DB + 1


@dataclass
class Cluster:
    broker: str
    db_url: str
    workers: dict[str, subprocess.Popen[str]]
    logs: Path

    @property
    def env(self) -> dict[str, str]:
        return {"NETRAVEN_BROKER_URL": self.broker, "NETRAVEN_DB_URL": self.db_url}

    def run(self, *args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return netraven("run", *args, "--executor", "celery", cwd=cwd, env=self.env,
                        timeout=timeout)  # fmt: skip

    def job_logs(self, job_id: int) -> list[tuple[str | None, str, str]]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT host, level, message FROM log_entry WHERE job_id = :j ORDER BY id"
                    ),
                    {"j": job_id},
                ).all()
        finally:
            engine.dispose()
        return [(r[0], r[1], r[2]) for r in rows]

    def host_rows(self, job_id: int) -> list[tuple[str, str]]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT host, status FROM host_result WHERE job_id = :j ORDER BY id"),
                    {"j": job_id},
                ).all()
        finally:
            engine.dispose()
        return [(r[0], r[1]) for r in rows]


def _flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def start_workers(
    broker: str, db_url: str, names: list[str], logs: Path, **extra_env: str
) -> dict[str, subprocess.Popen[str]]:
    env = {**os.environ, "NETRAVEN_BROKER_URL": broker, "NETRAVEN_DB_URL": db_url, **extra_env}
    workers = {}
    for name in names:
        out = (logs / f"{name}.log").open("w")
        workers[name] = subprocess.Popen(
            [sys.executable, "-m", "netraven", "worker", "--name", f"{name}@test",
             "--concurrency", "2", "--loglevel", "WARNING"],
            stdout=out, stderr=subprocess.STDOUT, text=True, env=env, cwd=logs,
        )  # fmt: skip
    client = redis.Redis.from_url(broker)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if all(client.exists(f"netraven:worker:{n}@test") for n in names):
                return workers
            dead = [n for n, p in workers.items() if p.poll() is not None]
            if dead:
                raise AssertionError(
                    f"worker {dead[0]} exited: {(logs / f'{dead[0]}.log').read_text()}"
                )
            time.sleep(0.2)
    finally:
        client.close()
    raise AssertionError("workers did not start within 60 s")


def stop_workers(workers: dict[str, subprocess.Popen[str]]) -> None:
    for process in workers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in workers.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    with temporary_schema() as (url, _schema):
        yield url


@pytest.fixture(scope="module")
def cluster(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    broker = f"redis://127.0.0.1:6379/{BROKER_DB}"
    _flush(broker)
    logs = tmp_path_factory.mktemp("workers")
    workers = start_workers(broker, store_url, ["w1", "w2"], logs)
    yield Cluster(broker, store_url, workers, logs)
    stop_workers(workers)
    _flush(broker)


def _lanes(cluster: Cluster, job_id: int) -> set[str]:
    """The workers that ran a lane of the job, from its log."""
    return {
        m.rsplit("on worker ", 1)[1]
        for host, _level, m in cluster.job_logs(job_id)
        if host is None and " on worker " in m
    }


def test_job_runs_on_both_workers_and_matches_the_local_executor(
    cluster: Cluster, lab: Lab, workdir: Path
) -> None:
    location = f"celery-{uuid.uuid4().hex[:8]}"
    book = workdir / "change.yml"
    book.write_text(
        "- name: location\n"
        "  hosts: sw-lab-9,sw-lab-10,sw-lab-11,sw-lab-12\n"
        "  tasks:\n"
        f"    - config: {{lines: ['snmp-server location {location}']}}\n"
        "    - name: once per job\n"
        "      command: show clock\n"
        "      run_once: true\n"
        "      register: clock\n"
        "    - assert: {that: ['clock.stdout is defined']}\n"
        "    - backup: {}\n"
    )
    since = time.time()
    result = cluster.run(str(book), "-i", str(lab.inventory), "--output", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    document = run_json(result)
    job_id = document["job"]["id"]
    assert {h: v["status"] for h, v in document["hosts"].items()} == {
        f"sw-lab-{i}": "ok" for i in (9, 10, 11, 12)
    }
    assert all(v["changed"] for v in document["hosts"].values())
    assert document["job"]["status"] == "succeeded"
    # Both workers ran hosts; the rows are in the shared PostgreSQL store, once each.
    assert _lanes(cluster, job_id) == {"w1@test", "w2@test"}
    assert sorted(cluster.host_rows(job_id)) == [(f"sw-lab-{i}", "ok") for i in (10, 11, 12, 9)]
    # run_once ran once for the whole job, and every host got its registered result.
    clocks = [c for i in (9, 10, 11, 12) for c in lab.commands(f"sw-lab-{i}", since)
              if c["command"] == "show clock"]  # fmt: skip
    assert len(clocks) == 1
    # The workers really configured the devices: the local executor has nothing left to do.
    again = netraven("run", str(book), "-i", str(lab.inventory), "--output", "json",
                     "--db", cluster.db_url, cwd=workdir)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert not any(v["changed"] for v in run_json(again)["hosts"].values())


def _unreachable_inventory(lab: Lab, target: Path, *names: str) -> Path:
    dead = {name: {"port": 1} for name in names}  # nothing listens on port 1
    return lab.inventory_copy(target, **dead)


def test_serial_failure_budget_is_summed_over_workers(
    cluster: Cluster, lab: Lab, workdir: Path
) -> None:
    """2 of the first batch's 4 hosts fail, one on each worker: only the sum exceeds 25%."""
    inventory = _unreachable_inventory(lab, workdir / "inv", "sw-lab-1", "sw-lab-2")
    book = workdir / "serial.yml"
    book.write_text(
        "- hosts: sw-lab-1,sw-lab-2,sw-lab-3,sw-lab-4,sw-lab-5,sw-lab-6,sw-lab-7,sw-lab-8\n"
        "  serial: 4\n"
        "  max_fail_percentage: 25\n"
        "  tasks:\n"
        "    - command: show version\n"
    )
    remote = cluster.run(str(book), "-i", str(inventory), "--output", "json", cwd=workdir)
    local = netraven("run", str(book), "-i", str(inventory), "--output", "json",
                     "--db", f"sqlite:///{workdir / 'local.db'}", cwd=workdir)  # fmt: skip
    assert local.returncode == remote.returncode == 8, remote.stderr
    for document in (run_json(remote), run_json(local)):
        statuses = {h: v["status"] for h, v in document["hosts"].items()}
        assert statuses["sw-lab-1"] == statuses["sw-lab-2"] == "unreachable"
        # In flight when the budget ran out: finished, or stopped before the next task.
        assert {statuses["sw-lab-3"], statuses["sw-lab-4"]} <= {"ok", "aborted"}
        assert {statuses[f"sw-lab-{i}"] for i in (5, 6, 7, 8)} == {"skipped"}
    job_id = run_json(remote)["job"]["id"]
    assert _lanes(cluster, job_id) == {"w1@test", "w2@test"}
    assert "max_fail_percentage" in (run_json(remote)["job"]["aborted"] or "")


def test_any_errors_fatal_stops_the_other_workers_hosts(
    cluster: Cluster, slow_lab: Lab, workdir: Path
) -> None:
    book = workdir / "fatal.yml"
    book.write_text(
        "- hosts: all\n"
        "  any_errors_fatal: true\n"
        "  tasks:\n"
        "    - command: \"{{ 'show bogus-thing' if inventory_hostname == 'sw-lab-1' "
        "else 'show version' }}\"\n" + "    - command: show version\n" * 5
    )
    since = time.time()
    result = cluster.run(str(book), "-i", str(slow_lab.inventory), "--output", "json",
                         cwd=workdir)  # fmt: skip
    assert result.returncode == 8, result.stderr
    document = run_json(result)
    assert document["hosts"]["sw-lab-1"]["status"] == "failed"
    assert _lanes(cluster, document["job"]["id"]) == {"w1@test", "w2@test"}
    for i in range(2, 7):  # every host stopped long before its sixth command
        shown = [
            c for c in slow_lab.commands(f"sw-lab-{i}", since) if c["command"] == "show version"
        ]
        assert len(shown) < 4, (i, len(shown))


def test_no_worker_is_a_one_line_error_and_records_nothing(lab: Lab, workdir: Path) -> None:
    broker = f"redis://127.0.0.1:6379/{BROKER_DB + 1}"
    _flush(broker)
    book = workdir / "pb.yml"
    book.write_text("- hosts: sw-lab-1\n  tasks:\n    - command: show version\n")
    db = f"sqlite:///{workdir / 'none.db'}"
    result = netraven("run", str(book), "-i", str(lab.inventory), "--executor", "celery",
                      "--db", db, cwd=workdir, env={"NETRAVEN_BROKER_URL": broker})  # fmt: skip
    assert result.returncode == 1
    assert "no netraven worker is running" in result.stderr
    assert "Traceback" not in result.stderr
    listed = netraven("jobs", "list", "--json", "--db", db, cwd=workdir)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_secret_extra_vars_never_go_through_the_broker(
    cluster: Cluster, lab: Lab, workdir: Path
) -> None:
    book = workdir / "pb.yml"
    book.write_text("- hosts: sw-lab-1\n  tasks:\n    - command: show version\n")
    result = cluster.run(str(book), "-i", str(lab.inventory), "-e", "api_password=hunter2",
                         cwd=workdir)  # fmt: skip
    assert result.returncode == 5
    assert "secret extra vars" in result.stderr and "hunter2" not in result.stderr


def _forget_runs(broker: str) -> None:
    """Drop earlier jobs' coordination keys, so that ``_wait_until_begun`` sees this job's."""
    client = redis.Redis.from_url(broker)
    for key in client.scan_iter(match="netraven:run:*"):
        client.delete(key)
    client.close()


def _wait_until_begun(broker: str, worker: str, seconds: float = 60) -> None:
    """Until ``worker`` has claimed a lane and begun one of its hosts (keys.py's layout)."""
    client = redis.Redis.from_url(broker)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            for key in client.scan_iter(match="netraven:run:*:claim:*"):
                started = key.replace(b":claim:", b":started:")
                if client.get(key) == worker.encode() and client.scard(started):
                    return
            time.sleep(0.1)
    finally:
        client.close()
    raise AssertionError(f"{worker} began no host within {seconds:g} s")


def test_worker_killed_mid_lane_its_hosts_finish_elsewhere_and_say_so(
    store_url: str, slow_lab: Lab, workdir: Path
) -> None:
    broker = f"redis://127.0.0.1:6379/{BROKER_DB + 1}"
    _flush(broker)
    workers = start_workers(broker, store_url, ["k1", "k2"], workdir)
    try:
        book = workdir / "slow.yml"
        book.write_text("- hosts: all\n  tasks:\n" + "    - command: show version\n" * 4)
        since = time.time()
        env = {**os.environ, "NO_COLOR": "1", "NETRAVEN_BROKER_URL": broker,
               "NETRAVEN_DB_URL": store_url}  # fmt: skip
        job = subprocess.Popen(
            [sys.executable, "-m", "netraven", "run", str(book), "-i", str(slow_lab.inventory),
             "--executor", "celery", "-f", "1", "--output", "json"],
            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_until_begun(broker, "k1@test")  # k1 is inside a host: one at a time, ~2 s each
        workers["k1"].send_signal(signal.SIGKILL)
        out, err = job.communicate(timeout=120)
    finally:
        stop_workers(workers)
        _flush(broker)
    assert job.returncode == 0, err
    document = json.loads(out)
    job_id = document["job"]["id"]
    hosts = [f"sw-lab-{i}" for i in range(1, 7)]
    assert {h: v["status"] for h, v in document["hosts"].items()} == dict.fromkeys(hosts, "ok")
    cluster = Cluster(broker, store_url, {}, workdir)
    # Exactly one outcome per host, none lost, none recorded twice.
    assert sorted(h for h, _ in cluster.host_rows(job_id)) == sorted(hosts)
    logs = cluster.job_logs(job_id)
    assert any("worker k1@test lost" in m for _h, _l, m in logs), logs
    rerun = [h for h, level, m in logs if level == "warning" and "run again on worker k2@test" in m]
    assert rerun, logs  # the host k1 was in the middle of ran again, and the log says so
    for host in rerun:
        shown = [c for c in slow_lab.commands(host, since) if c["command"] == "show version"]
        assert len(shown) >= 4  # all of it on k2 (k1 may have sent some first)


def test_worker_with_a_wrong_vault_password_fails_loudly(
    store_url: str, lab: Lab, workdir: Path
) -> None:
    right = b"correct horse battery staple"
    inventory = lab.inventory_copy(workdir / "inv")
    defaults = (inventory / "defaults.yaml").read_text()
    line = next(x for x in defaults.splitlines() if x.startswith("password:"))
    body = encrypt(line.split(":", 1)[1].strip(), right).strip().splitlines()
    vaulted = "!vault |\n" + "".join(f"  {x}\n" for x in body)
    (inventory / "defaults.yaml").write_text(
        defaults.replace(line, f"password: {vaulted}".rstrip())
    )
    (workdir / "right").write_bytes(right + b"\n")
    (workdir / "wrong").write_bytes(b"not the password\n")
    broker = f"redis://127.0.0.1:6379/{BROKER_DB + 1}"
    _flush(broker)
    workers = start_workers(broker, store_url, ["v1"], workdir,
                            NETRAVEN_VAULT_PASSWORD_FILE=str(workdir / "wrong"))  # fmt: skip
    try:
        book = workdir / "pb.yml"
        book.write_text("- hosts: sw-lab-1,sw-lab-2\n  tasks:\n    - command: show version\n")
        result = netraven("run", str(book), "-i", str(inventory), "--executor", "celery",
                          "--vault-password-file", str(workdir / "right"), "--output", "json",
                          cwd=workdir, env={"NETRAVEN_BROKER_URL": broker,
                                            "NETRAVEN_DB_URL": store_url})  # fmt: skip
    finally:
        stop_workers(workers)
        _flush(broker)
    assert result.returncode == 2, result.stderr
    document = run_json(result)
    for host in ("sw-lab-1", "sw-lab-2"):
        entry = document["hosts"][host]
        assert entry["status"] == "failed"
        assert "worker v1@test" in entry["error"] and "vault" in entry["error"].lower()
    assert document["job"]["status"] == "failed"
    assert "not the password" not in result.stdout + result.stderr


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    """A Redis of the test's own that keeps nothing on disk, as the broker to restart."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"redis-server on {port} did not start")


def test_the_broker_restarting_mid_job_loses_no_host(
    store_url: str, slow_lab: Lab, workdir: Path
) -> None:
    """Redis killed and started again (empty: no persistence) while lanes run."""
    port = free_port_range(1)
    broker = f"redis://127.0.0.1:{port}/0"
    server = _redis_server(port)
    workers: dict[str, subprocess.Popen[str]] = {}
    try:
        workers = start_workers(broker, store_url, ["b1", "b2"], workdir)
        book = workdir / "slow.yml"
        book.write_text("- hosts: all\n  tasks:\n" + "    - command: show version\n" * 4)
        env = {**os.environ, "NO_COLOR": "1", "NETRAVEN_BROKER_URL": broker,
               "NETRAVEN_DB_URL": store_url}  # fmt: skip
        job = subprocess.Popen(
            [sys.executable, "-m", "netraven", "run", str(book), "-i", str(slow_lab.inventory),
             "--executor", "celery", "-f", "1", "--output", "json"],
            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_until_begun(broker, "b1@test")  # lanes claimed and running
        _wait_until_begun(broker, "b2@test")
        server.kill()
        server.wait()
        time.sleep(2.0)
        server = _redis_server(port)
        out, err = job.communicate(timeout=180)
    finally:
        stop_workers(workers)
        server.kill()
        server.wait()
    assert job.returncode == 0, err
    document = json.loads(out)
    hosts = [f"sw-lab-{i}" for i in range(1, 7)]
    assert {h: v["status"] for h, v in document["hosts"].items()} == dict.fromkeys(hosts, "ok")
    rows = Cluster(broker, store_url, {}, workdir).host_rows(document["job"]["id"])
    assert sorted(h for h, _ in rows) == sorted(hosts)  # one outcome each, none lost


def test_template_versions_rendered_on_workers_are_recorded_with_the_job(
    cluster: Cluster, lab: Lab, workdir: Path
) -> None:
    body = workdir / "contact.j2"
    body.write_text("snmp-server contact {{ inventory_hostname }}-celery\n")
    made = netraven("templates", "create", "celery-contact", str(body), "-m", "first",
                    cwd=workdir, env=cluster.env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    book = workdir / "tpl.yml"
    book.write_text(
        "- hosts: sw-lab-5,sw-lab-6\n"
        "  tasks:\n"
        "    - config: {template: 'repo:celery-contact'}\n"
    )
    result = cluster.run(str(book), "-i", str(lab.inventory), "--output", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    document = run_json(result)
    assert _lanes(cluster, document["job"]["id"]) == {"w1@test", "w2@test"}
    assert [(t["name"], t["version"]) for t in document["templates"]] == [("celery-contact", 1)]
    for host in ("sw-lab-5", "sw-lab-6"):
        assert f"snmp-server contact {host}-celery" in lab.running_config(host, workdir)


def test_ctrl_c_stops_every_workers_hosts_and_their_rows_are_kept(
    cluster: Cluster, slow_lab: Lab, workdir: Path
) -> None:
    book = workdir / "long.yml"
    book.write_text("- hosts: all\n  tasks:\n" + "    - command: show version\n" * 8)
    env = {**os.environ, "NO_COLOR": "1", **cluster.env}
    _forget_runs(cluster.broker)
    since = time.time()
    job = subprocess.Popen(
        [sys.executable, "-m", "netraven", "run", str(book), "-i", str(slow_lab.inventory),
         "--executor", "celery", "--output", "json"],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _wait_until_begun(cluster.broker, "w2@test")
    job.send_signal(signal.SIGINT)
    out, err = job.communicate(timeout=60)
    assert job.returncode == 99, err
    job_id = json.loads(out)["job"]["id"]
    hosts = [f"sw-lab-{i}" for i in range(1, 7)]
    deadline = time.monotonic() + 30
    while len(cluster.host_rows(job_id)) < len(hosts) and time.monotonic() < deadline:
        time.sleep(0.5)  # the workers finish their hosts' current task, then record them
    rows = dict(cluster.host_rows(job_id))
    assert sorted(rows) == hosts
    assert set(rows.values()) <= {"aborted", "ok"}
    for host in hosts:  # every host stopped well before its eighth command
        shown = [c for c in slow_lab.commands(host, since) if c["command"] == "show version"]
        assert len(shown) < 8
