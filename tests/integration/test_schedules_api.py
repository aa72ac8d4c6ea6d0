"""Schedules and templates over real HTTP: ``netraven serve`` in its own process, tokens
with roles, the background scheduler firing, jobs queued through the service's runner."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port_range, netraven
from tests.fixtures.postgres import temporary_schema
from tests.integration.conftest import Lab

HOST = "sw-lab-9"
MOTD = "banner for {{ inventory_hostname }} at {{ site }}\n"


@dataclass
class Service:
    url: str
    root: Path
    db: str
    tokens: dict[str, str]

    def client(self, role: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def _token(root: Path, db: str, name: str, role: str) -> str:
    result = netraven("tokens", "create", name, "--role", role, "--db", db, cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(params=["sqlite", "postgres"])
def service(request: pytest.FixtureRequest, lab: Lab, tmp_path: Path) -> Iterator[Service]:
    root = tmp_path / "project"
    root.mkdir()
    lab.inventory_copy(root / "inventory")
    with temporary_schema() if request.param == "postgres" else _sqlite(tmp_path) as (db, _):
        tokens = {
            role: _token(root, db, f"{role}-bot", role) for role in ("viewer", "operator", "admin")
        }
        port = free_port_range(1)
        log = (tmp_path / "serve.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netraven",
                "serve",
                "--port",
                str(port),
                "--db",
                db,
                "--playbook-dir",
                str(root),
                "--log-level",
                "warning",
            ],
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, process, tmp_path / "serve.log")
            yield Service(url, root, db, tokens)
        finally:
            process.terminate()
            process.wait(30)
            log.close()


class _sqlite:  # noqa: N801 - a context manager shaped like temporary_schema()
    def __init__(self, tmp_path: Path) -> None:
        self.url = f"sqlite:///{tmp_path / 'service.db'}"

    def __enter__(self) -> tuple[str, str]:
        return self.url, ""

    def __exit__(self, *_: object) -> None:
        return None


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve never became ready: {log.read_text()}")


def _wait_job(client: httpx.Client, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        detail: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if detail["job"]["status"] not in ("queued", "running"):
            return detail
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish")


def test_roles_guard_schedules_and_the_background_scheduler_fires(service: Service) -> None:
    anonymous, viewer, operator = (service.client(r) for r in (None, "viewer", "operator"))
    body = {
        "name": "reach",
        "handler": "reachability",
        "inventory": "inventory",
        "limit": f"{HOST},sw-lab-10",
        "timing": "every 2s",
    }
    assert anonymous.get("/schedules").status_code == 401
    assert viewer.post("/schedules", json=body).status_code == 403
    outside = operator.post("/schedules", json={**body, "inventory": "/etc"})
    assert (
        outside.status_code == 400
        and "outside the service's playbook directory" in (outside.json()["detail"])
    )
    bad = operator.post("/schedules", json={**body, "timing": "sometimes"})
    assert bad.status_code == 400 and "not understood" in bad.json()["detail"]
    created = operator.post("/schedules", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/schedules/reach"
    assert created.json()["inventory"] == str((service.root / "inventory").resolve())

    # The service's scheduler was woken by the add and runs it every two seconds.
    deadline, jobs = time.monotonic() + 30, []
    while time.monotonic() < deadline and len(jobs) < 2:
        jobs = [j for j in viewer.get("/jobs").json() if j["user"] == "schedule:reach"]
        time.sleep(0.3)
    assert len(jobs) >= 2, jobs
    assert operator.post("/schedules/reach/disable").json()["enabled"] is False
    finished = _wait_job(viewer, jobs[-1]["id"])
    assert {h: v["status"] for h, v in finished["hosts"].items()} == {
        HOST: "ok",
        "sw-lab-10": "ok",
    }
    assert finished["hosts"][HOST]["tasks"][0]["output"].startswith("SSH-2.0-")
    view = viewer.get("/schedules/reach").json()
    assert view["last_status"] == "succeeded" and view["next_run_at"] is None

    started = operator.post("/schedules/reach/run")
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["schedule"] == "reach" and run["status"] == "succeeded"
    assert _wait_job(viewer, run["job_id"])["job"]["user"] == "schedule:reach"
    assert viewer.post("/schedules/reach/run").status_code == 403
    assert operator.post("/schedules/nope/run").status_code == 400

    audit = service.client("admin").get("/audit").json()
    actions = [(a["who"], a["action"], a["status_code"]) for a in audit]
    assert ("operator-bot", "schedule.add", 201) in actions
    assert ("operator-bot", "schedule.add", 400) in actions
    assert ("operator-bot", "schedule.disable", 200) in actions
    assert ("operator-bot", "schedule.run", 202) in actions
    assert operator.delete("/schedules/reach").status_code == 204
    assert viewer.get("/schedules").json() == []


def test_templates_over_http_and_a_scheduled_run_that_renders_one(service: Service) -> None:
    viewer, operator = service.client("viewer"), service.client("operator")
    assert viewer.post("/templates", json={"name": "motd", "body": MOTD}).status_code == 403
    created = operator.post(
        "/templates", json={"name": "ios/motd", "body": MOTD, "message": "first"}
    )
    assert created.status_code == 201, created.text
    assert (created.json()["version"], created.json()["author"]) == (1, "operator-bot")
    broken = operator.post("/templates/ios/motd/versions", json={"body": "{% if %}"})
    assert broken.status_code == 400 and "template syntax error" in broken.json()["detail"]
    same = operator.post("/templates/ios/motd/versions", json={"body": MOTD})
    assert same.status_code == 200 and same.json()["created"] is False
    second = operator.post(
        "/templates/ios/motd/versions", json={"body": "! managed\n" + MOTD, "message": "mark"}
    )
    assert second.status_code == 201 and second.json()["version"]["version"] == 2
    assert [v["version"] for v in viewer.get("/templates/ios/motd/versions").json()] == [1, 2]
    diff = viewer.get("/templates/ios/motd/diff", params={"old": 1, "new": 2}).json()
    assert "+! managed" in diff["diff"] and diff["identical"] is False
    assert viewer.get("/templates/ios/motd", params={"version": 1}).json()["body"] == MOTD
    preview = viewer.post(
        "/templates/ios/motd/preview", json={"inventory": "inventory", "host": HOST}
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["text"].splitlines()[1].startswith(f"banner for {HOST} at ")
    assert (
        viewer.post(
            "/templates/ios/motd/preview", json={"inventory": "../..", "host": HOST}
        ).status_code
        == 400
    )

    (service.root / "motd.yml").write_text(
        f"- hosts: {HOST}\n  tasks:\n"
        '    - template: {src: "repo:ios/motd", dest: "{{ playbook_dir }}/motd.txt"}\n'
    )
    added = operator.post(
        "/schedules",
        json={
            "name": "motd",
            "handler": "playbook",
            "playbook": "motd.yml",
            "inventory": "inventory",
            "timing": "daily 05:00",
        },
    )
    assert added.status_code == 201, added.text
    refused = operator.delete("/templates/ios/motd")
    assert refused.status_code == 400 and "used by schedule(s) motd" in refused.json()["detail"]
    run = operator.post("/schedules/motd/run")
    assert run.status_code == 202 and run.json()["status"] == "queued", run.text
    detail = _wait_job(viewer, run.json()["job_id"])
    assert detail["job"]["status"] == "succeeded" and detail["job"]["user"] == "schedule:motd"
    assert detail["templates"] == [
        {"name": "ios/motd", "version": 2, "sha256": second.json()["version"]["sha256"]}
    ]
    assert (service.root / "motd.txt").read_text().startswith("! managed\nbanner for sw-lab-9")
    deadline = time.monotonic() + 10  # the claim is let go once the job has finished
    while viewer.get("/schedules/motd").json()["running"] and time.monotonic() < deadline:
        time.sleep(0.2)
    schedule = viewer.get("/schedules/motd").json()
    assert (schedule["last_job_id"], schedule["last_status"]) == (detail["job"]["id"], "succeeded")
    assert operator.delete("/schedules/motd").status_code == 204
    assert operator.delete("/templates/ios/motd").status_code == 204
    assert viewer.get("/templates").json() == []
