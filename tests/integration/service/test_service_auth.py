"""Tokens, roles and the audit log over real HTTP; no anonymous access but /health."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import text

from netraven.service.token_cache import TTL
from netraven.service.tokens import token_digest
from netraven.store.engine import open_engine
from tests.conftest import netraven
from tests.integration.conftest import Lab
from tests.integration.service.conftest import SHOW, project_for, start_service


def test_tokens_roles_and_audit(lab: Lab, tmp_path: Path, db_url: str) -> None:
    project = project_for(lab, tmp_path / "p", {"show.yml": SHOW})
    db = db_url
    service = start_service(project, db)
    url = service.url
    try:
        # Anonymous: only /health. The OpenAPI page sends people to the UI's login.
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        page = httpx.get(f"{url}/docs")
        assert page.status_code == 303 and page.headers["location"].startswith("/ui/login")
        assert httpx.get(f"{url}/redoc").status_code == 404
        paths = ("/jobs", "/ready", "/backups", "/breakers", "/tokens", "/audit", "/openapi.json")
        for path in paths:
            refused = httpx.get(f"{url}{path}")
            assert refused.status_code == 401, path
            assert refused.json() == {"detail": "not authenticated"}
            assert refused.headers["www-authenticate"] == "Bearer"
        # A made-up token, a malformed header, a token of the right shape: all plain 401.
        for header in ("Bearer nrv_madeup", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 40):
            bad = httpx.get(f"{url}/jobs", headers={"Authorization": header})
            assert (bad.status_code, bad.json()) == (401, {"detail": "not authenticated"})
        body = {"playbook": "show.yml", "inventory": "inventory", "limit": "sw-lab-1"}
        with service.client("viewer") as viewer:
            assert "/jobs" in viewer.get("/openapi.json").json()["paths"]
            assert viewer.get("/jobs").status_code == 200
            assert viewer.get("/ready").json()["status"] == "ready"
            denied = viewer.post("/jobs", json=body)
            assert (denied.status_code, denied.json()) == (403, {"detail": "forbidden"})
            assert viewer.get("/tokens").status_code == 403
            assert viewer.get("/audit").status_code == 403
        with service.client("operator") as operator:
            job = operator.post("/jobs", json=body).json()
            assert operator.get("/audit").status_code == 403
            assert operator.post("/tokens", json={"name": "x", "role": "admin"}).status_code == 403
        service.wait_job(job["id"])
        with service.client("root") as admin:
            made = admin.post("/tokens", json={"name": "ci-bot", "role": "operator"})
            assert made.status_code == 201
            token = made.json()["token"]
            assert token.startswith("nrv_") and len(token) > 40
            listed = admin.get("/tokens").json()
            assert {t["name"]: t["role"] for t in listed} == {
                "ci-bot": "operator", "operator": "operator", "root": "admin", "viewer": "viewer"
            }  # fmt: skip
            assert all("token" not in t for t in listed)
            again = admin.post("/tokens", json={"name": "ci-bot", "role": "viewer"})
            assert again.status_code == 400 and "exists already" in again.json()["detail"]
            assert admin.post("/tokens", json={"name": "y", "role": "root"}).status_code == 400
        # The new token works at once; revoked from the CLI (another process), it is
        # refused within the service's token cache's second (docs/service.md).
        bot = {"Authorization": f"Bearer {token}"}
        started = httpx.post(f"{url}/jobs", json=body, headers=bot)
        assert started.status_code == 201 and started.json()["user"] == "ci-bot"
        service.wait_job(started.json()["id"])
        assert httpx.get(f"{url}/jobs", headers=bot).status_code == 200  # remembered now
        revoked = netraven("tokens", "revoke", "ci-bot", "--db", db, cwd=project)
        assert revoked.returncode == 0, revoked.stderr
        time.sleep(TTL)  # the bound starts at the revoke; the entry is older than that
        assert httpx.get(f"{url}/jobs", headers=bot).status_code == 401
        # Revoked through this service's API: refused on the very next request.
        with service.client("root") as admin:
            brief = admin.post("/tokens", json={"name": "brief", "role": "viewer"}).json()
            short = {"Authorization": f"Bearer {brief['token']}"}
            assert httpx.get(f"{url}/jobs", headers=short).status_code == 200
            assert admin.delete("/tokens/brief").status_code == 200
        assert httpx.get(f"{url}/jobs", headers=short).status_code == 401
        listing = netraven("tokens", "list", "--db", db, cwd=project)
        assert "ci-bot" in listing.stdout and "revoked" in listing.stdout
        assert token not in listing.stdout
        # The store holds digests only.
        store = open_engine(db)
        with store.connect() as conn:
            stored = conn.execute(text("select name, token_sha256 from api_token")).all()
        store.dispose()
        assert ("ci-bot", token_digest(token)) in stored
        assert all(token not in digest for _, digest in stored)
        if db.startswith("sqlite"):
            assert token not in (tmp_path / "service.db").read_bytes().decode("latin-1")
        with service.client("root") as admin:
            audit = admin.get("/audit").json()
            page = admin.get("/audit", params={"limit": 2}).json()
            older = admin.get("/audit", params={"before": page[-1]["id"]}).json()
        rows = [(a["who"], a["action"], a["target"], a["status_code"]) for a in audit]
        assert [(a["who"], a["action"], a["target"]) for a in audit[:2]] == [
            ("root", "token.revoke", "brief"), ("root", "token.create", "brief")
        ]  # fmt: skip
        assert ("cli:" in audit[2]["who"]) and audit[2]["action"] == "token.revoke"
        assert ("viewer", "POST /jobs", None, 403) in rows
        assert ("operator", "POST /tokens", None, 403) in rows
        assert ("operator", "job.start", f"job {job['id']}", 201) in rows
        assert ("root", "token.create", "ci-bot", 201) in rows
        assert ("ci-bot", "job.start", f"job {started.json()['id']}", 201) in rows
        assert all(a["client"] in ("127.0.0.1", "local") for a in audit)
        assert [a["id"] for a in page + older] == [a["id"] for a in audit]
        assert not any(token in str(a) for a in audit)
    finally:
        service.stop()


def test_bad_requests_are_one_line_400s(lab: Lab, tmp_path: Path) -> None:
    project = project_for(lab, tmp_path / "p", {"show.yml": SHOW})
    (tmp_path / "outside.yml").write_text(SHOW)
    service = start_service(project, f"sqlite:///{tmp_path / 's.db'}")
    try:
        with service.client("operator") as client:
            cases = {
                "../outside.yml": "outside the service's playbook directory",
                "/etc/hostname": "outside the service's playbook directory",
                "missing.yml": "does not exist",
            }
            for playbook, message in cases.items():
                answer = client.post("/jobs", json={"playbook": playbook, "inventory": "inventory"})
                assert answer.status_code == 400 and message in answer.json()["detail"]
            unknown = client.post(
                "/jobs", json={"playbook": "show.yml", "inventory": "inventory", "limit": "nope"}
            )
            assert unknown.status_code == 400 and "nope" in unknown.json()["detail"]
            extra = client.post("/jobs", json={"playbook": "show.yml", "inventory": "i", "x": 1})
            assert extra.status_code == 422
            assert client.get("/jobs", params={"status": "weird"}).status_code == 422
            assert client.get("/jobs").json() == []  # nothing was queued by any of these
            assert client.get("/jobs/42").status_code == 404
            assert client.get("/jobs/abc").status_code == 400
    finally:
        service.stop()
