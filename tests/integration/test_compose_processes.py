"""compose.yaml's services as plain processes: api + 2 workers + lab, on the machine's
PostgreSQL and Redis, with the commands and settings compose.yaml gives them.

There is no Docker daemon here, so the image is never built and compose never starts. What
the containers would run is still ordinary processes: this test starts exactly those
commands (from compose.yaml and deploy/netraven.env.example), changing only what cannot hold
outside containers — ports, 127.0.0.1 for 0.0.0.0 and for the service names ``postgres``,
``redis`` and ``lab``, a temporary /project, and a node name per worker (containers have a
host name each) — then starts the sample playbook through the API and checks that the
workers ran it into the shared store.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import yaml

from tests.conftest import ROOT, free_port_range
from tests.fixtures.postgres import temporary_schema

pytestmark = pytest.mark.postgres

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
BROKER = f"redis://127.0.0.1:6379/{14 + os.getpid() % 2}"


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def command(service: str, replace: dict[str, str], extra: tuple[str, ...] = ()) -> list[str]:
    """``service``'s command with the values of some options replaced (``--port``: new)."""
    args = [str(a) for a in SERVICES[service]["command"]]
    for option, new in replace.items():
        assert option in args, f"{option!r} not in {service}'s command"
        args[args.index(option) + 1] = new
    return [sys.executable, "-m", "netraven", *args, *extra]


def wait_for(check: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError(f"{what} not ready within {seconds:g} s")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in reversed(started):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in reversed(started):
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_the_compose_services_run_a_job_on_two_workers(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "playbooks", project / "playbooks")
    lab_dir = project / "lab"
    base = free_port_range(6)
    api_port = free_port_range(1)
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    with temporary_schema() as (db_url, _schema):
        # Settings as compose gives them: the env file, then the services' environment.
        settings = env_file(ROOT / "deploy" / "netraven.env.example")
        settings.update(SERVICES["api"]["environment"])
        assert settings["NETRAVEN_EXECUTOR"] == "celery"
        assert settings["NETRAVEN_BROKER_URL"].startswith("redis://redis:6379")
        settings["NETRAVEN_DB_URL"] = db_url  # postgres:5432 → the machine's, own schema
        settings["NETRAVEN_BROKER_URL"] = BROKER  # redis:6379 → the machine's
        settings["NETRAVEN_SERVICE_PLAYBOOK_DIR"] = str(project)
        env = {**os.environ, **settings}
        logs = tmp_path / "logs"
        logs.mkdir()

        def start(name: str, argv: list[str]) -> subprocess.Popen[bytes]:
            out = (logs / f"{name}.log").open("wb")
            process = subprocess.Popen(argv, env=env, cwd=project, stdout=out, stderr=out)
            processes.append(process)
            return process

        lab = {"--listen": "127.0.0.1", "--inventory-host": "127.0.0.1",
               "--dir": str(lab_dir), "--base-port": str(base)}  # fmt: skip
        start("lab", command("lab", lab))
        wait_for(lambda: (lab_dir / "inventory" / "hosts.yaml").is_file(), "lab")
        start("api", command("api", {"--host": "127.0.0.1", "--port": str(api_port)}))
        url = f"http://127.0.0.1:{api_port}"

        def healthy() -> bool:
            try:
                return httpx.get(f"{url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, "api")
        replicas = SERVICES["worker"]["deploy"]["replicas"]
        assert replicas == 2
        names = [f"replica{i}@%h" for i in range(1, replicas + 1)]
        for i, name in enumerate(names, 1):
            start(f"worker{i}", command("worker", {}, ("--name", name)))
        for name in names:  # the worker's compose health check, as written
            check = [str(a) for a in SERVICES["worker"]["healthcheck"]["test"][1:]]
            assert check == ["netraven", "worker", "--check"]
            argv = [sys.executable, "-m", "netraven", "worker", "--check", "--name", name]
            wait_for(
                lambda argv=argv: subprocess.run(
                    argv, env=env, capture_output=True, timeout=30
                ).returncode
                == 0,
                name,
            )
        token = subprocess.run(
            [sys.executable, "-m", "netraven", "tokens", "create", "compose-test",
             "--role", "operator"],
            env=env, cwd=project, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        started = httpx.post(
            f"{url}/jobs",
            json={"playbook": "playbooks/site.yml", "inventory": "lab/inventory"},
            headers=headers,
            timeout=30,
        )
        assert started.status_code == 201, started.text
        job_id = started.json()["id"]

        def finished() -> bool:
            view = httpx.get(f"{url}/jobs/{job_id}/summary", headers=headers, timeout=10)
            return view.json()["status"] not in ("queued", "running")

        wait_for(finished, f"job {job_id}", seconds=120)
        detail = httpx.get(f"{url}/jobs/{job_id}/summary", headers=headers, timeout=10).json()
        assert detail["status"] == "succeeded", detail
        hosts = httpx.get(f"{url}/jobs/{job_id}/hosts", headers=headers, timeout=10).json()
        assert sorted(hosts) == [f"sw-lab-{i}" for i in range(1, 7)]
        assert {h["status"] for h in hosts.values()} == {"ok"}
        entries = httpx.get(f"{url}/jobs/{job_id}/logs", headers=headers, timeout=10).json()
        lanes = {e["message"].rsplit("on worker ", 1)[1] for e in entries
                 if e["host"] is None and " on worker replica" in e["message"]}  # fmt: skip
        assert {n.split("@")[0] for n in lanes} == {"replica1", "replica2"}
        for process in processes:
            assert process.poll() is None, "a service exited"
    client.flushdb()
    client.close()
