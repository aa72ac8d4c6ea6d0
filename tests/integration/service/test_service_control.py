"""Queue, cancel, re-run failed hosts, and a service killed mid-job (SIGKILL) then restarted."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from netraven.app.read_models import JobEvent
from netraven.store.engine import open_engine
from tests.integration.conftest import Lab
from tests.integration.service.conftest import SHOW, Service, events, project_for, start_service

UNREACHABLE = {"sw-gone": {"hostname": "127.0.0.1", "port": 1, "groups": []}}


def _finished_hosts(service: Service, job_id: int) -> list[str]:
    store = open_engine(service.db_url)
    try:
        with store.connect() as conn:
            rows = conn.execute(
                text("select host from host_result where job_id = :j order by id"), {"j": job_id}
            ).all()
    finally:
        store.dispose()
    return [r[0] for r in rows]


def _wait_for_hosts(service: Service, job_id: int, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_finished_hosts(service, job_id)) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"job {job_id}: fewer than {count} hosts finished")


def _follow(service: Service, job_id: int, into: list[JobEvent]) -> None:
    try:
        with service.client("viewer") as client:
            into.extend(events(client, job_id))
    except httpx.HTTPError:
        pass  # SIGKILL: the stream breaks


def test_queue_then_cancel_queued_and_running(slow_lab: Lab, tmp_path: Path) -> None:
    project = project_for(slow_lab, tmp_path / "p", {"slow.yml": SHOW})
    service = start_service(project, f"sqlite:///{tmp_path / 's.db'}", max_jobs=1)
    try:
        with service.client("operator") as client:
            body = {"playbook": "slow.yml", "inventory": "inventory", "forks": 1}
            first = client.post("/jobs", json=body).json()
            second = client.post("/jobs", json=body).json()
            assert client.get(f"/jobs/{second['id']}").json()["job"]["status"] == "queued"
            # The queued one is cancelled without running; its stream ends at once.
            cancelled = client.post(f"/jobs/{second['id']}/cancel")
            assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
            assert [e.kind for e in events(client, second["id"])] == ["end"]
            # The running one stops, keeping the hosts it finished.
            _wait_for_hosts(service, first["id"], 2)
            assert client.post(f"/jobs/{first['id']}/cancel").status_code == 202
            job = service.wait_job(first["id"])
            assert (job["status"], job["exit_code"]) == ("cancelled", 99)
            stream = events(client, first["id"])
            assert stream[-1].kind == "end" and stream[-1].job.status == "cancelled"
            hosts = client.get(f"/jobs/{first['id']}/hosts").json()
            ok = [h for h, v in hosts.items() if v["status"] == "ok"]
            assert 2 <= len(ok) < 6  # finished hosts kept, the rest never ran to the end
            # Nothing left to cancel: 409, and both refusals and cancels are audited.
            assert client.post(f"/jobs/{first['id']}/cancel").status_code == 409
            assert client.post("/jobs/999/cancel").status_code == 404
        with service.client("root") as admin:
            audit = admin.get("/audit").json()
        actions = [(a["action"], a["target"], a["status_code"]) for a in audit]
        assert ("job.cancel", f"job {second['id']}", 202) in actions
        assert ("job.cancel", f"job {first['id']}", 409) in actions
    finally:
        service.stop()


def test_rerun_runs_only_the_failed_hosts(lab: Lab, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    lab.inventory_copy(project / "inventory", **UNREACHABLE)
    (project / "show.yml").write_text(SHOW)
    service = start_service(project, f"sqlite:///{tmp_path / 's.db'}")
    try:
        with service.client("operator") as client:
            limit = "sw-lab-1,sw-lab-2,sw-gone"
            first = client.post(
                "/jobs", json={"playbook": "show.yml", "inventory": "inventory", "limit": limit}
            ).json()
            job = service.wait_job(first["id"])
            assert (job["status"], job["exit_code"]) == ("failed", 4)
            again = client.post(f"/jobs/{first['id']}/rerun")
            assert again.status_code == 201, again.text
            rerun = again.json()
            assert rerun["options"]["limit"] == "sw-gone"
            service.wait_job(rerun["id"])
            assert sorted(client.get(f"/jobs/{rerun['id']}/hosts").json()) == ["sw-gone"]
            # A job whose hosts all succeeded has nothing to re-run: 400, nothing queued.
            body = {"playbook": "show.yml", "inventory": "inventory", "limit": "sw-lab-1"}
            clean = client.post("/jobs", json=body).json()
            service.wait_job(clean["id"])
            refused = client.post(f"/jobs/{clean['id']}/rerun")
            assert refused.status_code == 400 and "no failed hosts" in refused.json()["detail"]
            assert len(client.get("/jobs").json()) == 3
            page = client.get("/jobs", params={"limit": 2})
            assert [j["id"] for j in page.json()] == [rerun["id"] + 1, rerun["id"]]
            link = page.headers["link"]
            assert link == f'</jobs?limit=2&before={rerun["id"]}>; rel="next"'
            rest = client.get(link[1 : link.index(">")])
            assert [j["id"] for j in rest.json()] == [first["id"]] and "link" not in rest.headers
    finally:
        service.stop()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_stopped_mid_job_then_restarted(slow_lab: Lab, tmp_path: Path, sig: int) -> None:
    """The running job becomes interrupted with its finished hosts; the queued one runs.

    SIGKILL: the next start finds the dead pid. SIGTERM: the service interrupts the job
    itself and exits promptly even with an event stream open on it.
    """
    project = project_for(slow_lab, tmp_path / "p", {"slow.yml": SHOW})
    service = start_service(project, f"sqlite:///{tmp_path / 's.db'}", max_jobs=1)
    try:
        with service.client("operator") as client:
            body = {"playbook": "slow.yml", "inventory": "inventory", "forks": 1}
            running = client.post("/jobs", json=body).json()
            queued = client.post(
                "/jobs", json={**body, "limit": "sw-lab-1", "extra_vars": {"note": "after"}}
            ).json()
            secret = {"enable_password": f"s3cr3t-{tmp_path.name}"}
            with_secret = client.post(
                "/jobs", json={**body, "limit": "sw-lab-2", "extra_vars": secret}
            ).json()
        _wait_for_hosts(service, running["id"], 2)
        stream: list[JobEvent] = []
        follower = threading.Thread(target=_follow, args=(service, running["id"], stream))
        follower.start()
        time.sleep(0.5)
        stopping = time.monotonic()
        service.stop(sig)
        assert time.monotonic() - stopping < 20  # not uvicorn's 30 s wait for the stream
        follower.join(timeout=30)
        kept = _finished_hosts(service, running["id"])
        assert 2 <= len(kept) < 6
        service.start()
        job = service.wait_job(running["id"])
        assert job["status"] == "interrupted"
        if sig == signal.SIGTERM:  # recorded by the service as it stopped; stream ended
            assert job["exit_code"] == 99 and stream and stream[-1].kind == "end"
            assert stream[-1].job is not None and stream[-1].job.status == "interrupted"
        after = service.wait_job(queued["id"])
        assert (after["status"], after["exit_code"]) == ("succeeded", 0)
        assert after["options"]["extra_vars"] == {"note": "after"}
        # Its secret extra var was never stored, so that queued job cannot run after a
        # restart: it fails saying so (exit 5), and the secret is nowhere in the store.
        refused = service.wait_job(with_secret["id"])
        assert (refused["status"], refused["exit_code"]) == ("failed", 5)
        assert "submit it again" in refused["error"]
        assert secret["enable_password"] not in (tmp_path / "s.db").read_bytes().decode("latin-1")
        wal = tmp_path / "s.db-wal"
        if wal.exists():
            assert secret["enable_password"] not in wal.read_bytes().decode("latin-1")
        with service.client("viewer") as client:
            detail = client.get(f"/jobs/{running['id']}").json()
            assert sorted(detail["hosts"]) == sorted(set(kept))
            statuses = [v["status"] for v in detail["hosts"].values()]
            assert statuses.count("ok") >= 2 and set(statuses) <= {"ok", "interrupted"}
            if sig == signal.SIGKILL:  # nothing could record the hosts in flight
                assert set(statuses) == {"ok"}
            replay = events(client, running["id"])  # no live feed: replayed from the store
            assert replay[-1].kind == "end" and replay[-1].job.status == "interrupted"
            assert sum(e.kind == "host" for e in replay) == len(kept)
            assert [e.seq for e in replay] == list(range(1, len(replay) + 1))
    finally:
        service.stop()
