"""The job service over real HTTP against the lab, on an SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from netraven.app.read_models import JobDetail
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab
from tests.integration.service.conftest import SHOW, events, project_for, start_service

SIX = ",".join(f"sw-lab-{n}" for n in range(1, 7))
BACKUP_CHANGE_BACKUP = """\
- name: backups around a change
  hosts: sw-lab-1,sw-lab-2
  tasks:
    - name: before
      backup: {}
    - name: banner
      config:
        lines: ["banner motd ^service test {{ stamp }}^"]
    - name: after
      backup: {}
"""


def _results(detail: dict[str, Any]) -> dict[str, Any]:
    """What a run recorded per host, without times and ids (which differ run to run)."""
    return {
        host: {
            "status": view["status"],
            "changed": view["changed"],
            "tasks": [
                (t["name"], t["action"], t["status"], t["changed"], t["output"], t["error"])
                for t in view["tasks"]
            ],
            "plays": [(p["play"], p["status"], p["credential"]) for p in view["plays"]],
        }
        for host, view in detail["hosts"].items()
    }


def test_a_job_over_http_streams_resumes_and_records_what_the_cli_records(
    lab: Lab, tmp_path: Path, db_url: str
) -> None:
    project = project_for(lab, tmp_path / "project", {"show.yml": SHOW})
    service = start_service(project, db_url)
    try:
        with service.client("operator") as client:
            body = {"playbook": "show.yml", "inventory": "inventory", "limit": SIX}
            started = client.post("/jobs", json=body)
            assert started.status_code == 201, started.text
            job = started.json()
            assert job["status"] in ("queued", "running") and job["user"] == "operator"
            assert started.headers["location"] == f"/jobs/{job['id']}"
            # A poller keeps the service's shared answer to /summary fresh all along; the
            # first poll after the end event must still see the end (the runner's change
            # drops cached answers), not a "running" kept from a moment before.
            stop, polled = threading.Event(), []

            def poll() -> None:
                with service.client("viewer") as poller:
                    while not stop.is_set():
                        polled.append(poller.get(f"/jobs/{job['id']}/summary").json()["status"])

            polling = threading.Thread(target=poll)
            polling.start()
            try:
                stream = events(client, job["id"])
                at_end = client.get(f"/jobs/{job['id']}/summary").json()
                listed_at_end = client.get("/jobs").json()
            finally:
                stop.set()
                polling.join()
        assert at_end["status"] == "succeeded" and listed_at_end[0]["status"] == "succeeded"
        assert "running" in polled, polled
        # One event per task and per host, numbered 1..n, ending with the job.
        assert [e.seq for e in stream] == list(range(1, len(stream) + 1))
        kinds = [e.kind for e in stream]
        assert kinds[0] == "job" and kinds[-1] == "end" and kinds.count("play") == 1, stream
        assert kinds.count("task") == 12 and kinds.count("host") == 6
        end = stream[-1].job
        assert end is not None and end.status == "succeeded" and end.exit_code == 0
        # Resuming after event 7 gives exactly the rest, same numbers, same content.
        with service.client("viewer") as client:
            resumed = events(client, job["id"], last=7)
            detail = client.get(f"/jobs/{job['id']}").json()
            hosts = client.get(f"/jobs/{job['id']}/hosts").json()
            summary = client.get(f"/jobs/{job['id']}/summary").json()
            one = client.get(f"/jobs/{job['id']}/hosts/sw-lab-3").json()
            logs = client.get(f"/jobs/{job['id']}/logs", params={"host": "sw-lab-3"}).json()
            listed = client.get("/jobs", params={"status": "succeeded", "playbook": "show.yml"})
            later = client.get("/jobs", params={"since": "2999-01-01T00:00:00Z"}).json()
            earlier = client.get("/jobs", params={"since": "2000-01-01T00:00:00Z"}).json()
            failed = client.get("/jobs", params={"status": "failed"}).json()
        assert [e.model_dump() for e in resumed] == [e.model_dump() for e in stream[7:]]
        JobDetail.model_validate(detail)  # the read model of `jobs show --json`
        assert hosts == detail["hosts"] and one == detail["hosts"]["sw-lab-3"]
        assert summary == detail["job"] == at_end
        assert logs and all(entry["host"] == "sw-lab-3" for entry in logs)
        assert [j["id"] for j in listed.json()] == [job["id"]]
        assert later == [] and failed == [] and [j["id"] for j in earlier] == [job["id"]]
        streamed = {(e.host, e.task.name, e.task.output) for e in stream if e.task}
        recorded = {
            (h, t["name"], t["output"]) for h, v in detail["hosts"].items() for t in v["tasks"]
        }
        assert streamed == recorded
        # The same run from the CLI records the same results.
        cli = netraven(
            "run", "show.yml", "-i", "inventory", "-l", SIX, "--output", "json",
            "--db", f"sqlite:///{tmp_path / 'cli.db'}", cwd=project,
        )  # fmt: skip
        assert cli.returncode == 0, cli.stderr
        assert _results(detail) == _results(run_json(cli))
        assert detail["job"]["user"] == "operator" and detail["job"]["status"] == "succeeded"
    finally:
        service.stop()


def test_backups_and_breakers_over_http(lab: Lab, tmp_path: Path) -> None:
    project = project_for(lab, tmp_path / "project", {"change.yml": BACKUP_CHANGE_BACKUP})
    service = start_service(project, f"sqlite:///{tmp_path / 'service.db'}")
    try:
        with service.client("operator") as client:
            body = {"playbook": "change.yml", "inventory": "inventory"}
            body["extra_vars"] = {"stamp": tmp_path.name}
            job = client.post("/jobs", json=body).json()
            assert service.wait_job(job["id"])["status"] == "succeeded"
            versions = client.get("/backups", params={"host": "sw-lab-2"}).json()
            assert [v["version"] for v in versions][:2] == [len(versions), len(versions) - 1]
            latest = client.get("/backups/sw-lab-2/latest").json()
            assert f"banner motd ^service test {tmp_path.name}^" in latest["text"]
            running = lab.running_config("sw-lab-2", tmp_path)
            assert latest["text"].strip("!\n") in running  # minus the device's header/footer
            diff = client.get("/backups/sw-lab-2/diff").json()
            assert not diff["identical"]
            assert f"+banner motd ^service test {tmp_path.name}^" in diff["diff"]
            assert client.get("/backups/nope/latest").status_code == 404
            assert client.get("/backups/sw-lab-2/zero").status_code == 400
        # A breaker left open by an earlier job: listed, reset by an operator, audited.
        from sqlalchemy import text

        from netraven.store.engine import open_engine

        store = open_engine(service.db_url)
        with store.begin() as conn:
            conn.execute(
                text(
                    "insert into breaker (scope_key, state, failures, reset_after, job_id) "
                    "values ('group:core', 'open', 3, 300, :job)"
                ),
                {"job": job["id"]},
            )
        with service.client("viewer") as viewer:
            assert [b["scope_key"] for b in viewer.get("/breakers").json()] == ["group:core"]
            assert viewer.post("/breakers/group:core/reset").status_code == 403
        with service.client("operator") as operator:
            assert operator.post("/breakers/group:core/reset").json() == {"reset": 1}
            assert operator.post("/breakers/group:core/reset").status_code == 404
            assert operator.get("/breakers").json() == []
        with store.connect() as conn:
            assert conn.execute(text("select count(*) from breaker")).scalar() == 0
            audit = conn.execute(
                text("select who, action, target, status_code from audit_entry order by id")
            ).all()
        store.dispose()
        assert ("operator", "job.start", f"job {job['id']}", 201) in audit
        assert ("viewer", "POST /breakers/group:core/reset", None, 403) in audit
        assert ("operator", "breaker.reset", "group:core", 200) in audit
        assert ("operator", "breaker.reset", "group:core", 404) in audit
    finally:
        service.stop()
