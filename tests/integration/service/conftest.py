"""The real job service in a subprocess on a free loopback port, and a project for it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from netraven.app.read_models import JobEvent
from netraven.cli.remote import parse_sse
from netraven.service.tokens import create_token
from netraven.store.engine import open_engine
from tests.conftest import free_port_range, netraven
from tests.fixtures.postgres import temporary_schema
from tests.integration.conftest import Lab

SHOW = """\
- name: facts
  hosts: all
  tasks:
    - name: version
      command: show version
    - name: clock
      command: show clock
"""


@dataclass
class Service:
    project: Path
    db_url: str
    port: int
    max_jobs: int = 2
    process: subprocess.Popen[str] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log = self.project / f"serve-{time.monotonic_ns()}.log"
        handle = self.log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "netraven", "serve", "--port", str(self.port),
                "--db", self.db_url, "--max-jobs", str(self.max_jobs),
                "--playbook-dir", str(self.project), "--log-level", "warning",
            ],
            cwd=self.project,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        handle.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"service exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"service did not start:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)
        self.process = None

    def client(self, who: str = "operator") -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=60,
        )

    def make_token(self, name: str, role: str) -> str:
        store = open_engine(self.db_url)
        try:
            self.tokens[name] = create_token(store, name, role, "test")[1]
        finally:
            store.dispose()
        return self.tokens[name]

    def wait_job(self, job_id: int, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.client("viewer") as client:
            while time.monotonic() < deadline:
                job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()["job"]
                if job["status"] not in ("queued", "running"):
                    return job
                time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish")


def events(client: httpx.Client, job_id: int, last: int | None = None) -> list[JobEvent]:
    headers = {"Last-Event-ID": str(last)} if last is not None else {}
    with client.stream("GET", f"/jobs/{job_id}/events", headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(parse_sse(response.iter_lines()))


def project_for(lab: Lab, directory: Path, playbooks: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "inventory").exists():
        shutil.copytree(lab.inventory, directory / "inventory")
    for name, text in playbooks.items():
        (directory / name).write_text(text)
    return directory


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    with temporary_schema() as (url, _schema):
        yield url


def start_service(project: Path, db_url: str, *, max_jobs: int = 2) -> Service:
    """Tokens first (the bootstrap admin through the CLI, as the docs say), then serve."""
    created = netraven("tokens", "create", "root", "--role", "admin", "--db", db_url, cwd=project)
    assert created.returncode == 0, created.stderr
    service = Service(project, db_url, free_port_range(1), max_jobs)
    service.tokens["root"] = created.stdout.strip()
    service.make_token("viewer", "viewer")
    service.make_token("operator", "operator")
    service.start()
    return service
