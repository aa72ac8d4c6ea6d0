"""The flags API and the web UI's sessions, CSRF and role checks, in process (no network).

The app is the real ``create_app`` on an SQLite file, driven by Starlette's test client;
what the browser does with these pages is in tests/browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from netraven.service.app import create_app
from netraven.service.tokens import create_token, revoke_token
from netraven.settings import load_settings
from netraven.store.engine import open_engine
from netraven.store.models import Breaker, HostResult, Job, TaskResult

TOML = """\
[flags.ui_breakers]
description = "Show the <b>breakers</b> page"
default = true

[flags.new_ntp]
description = "Move to the new NTP servers"
default = false
"""


@dataclass
class App:
    client: TestClient
    tokens: dict[str, str]
    db_url: str

    def api(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    (tmp_path / "netraven.toml").write_text(TOML)
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts.yaml").write_text(
        "r1:\n  platform: cisco_ios\n  data:\n    ntp: 192.0.2.1\n"
    )
    (tmp_path / "inventory" / "defaults.yaml").write_text("username: u\npassword: pw-Secret-1\n")
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks:\n    - command: show clock\n")
    url = f"sqlite:///{tmp_path / 'ui.db'}"
    store = open_engine(url)
    tokens = {role: create_token(store, role, role, "test")[1] for role in
              ("viewer", "operator", "admin")}  # fmt: skip
    store.dispose()
    settings = load_settings(tmp_path, db_url=url)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield App(client, tokens, url)


def log_in(app: App, who: str, next_path: str = "/") -> str:
    """Log in through the form; returns the session's CSRF token."""
    form = app.client.get("/ui/login", params={"next": next_path})
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    done = app.client.post(
        "/ui/login", data={"csrf": csrf[1], "token": app.tokens[who], "next": next_path}
    )
    assert done.status_code == 303, done.text
    page = app.client.get("/")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found is not None
    return found[1]


def audit(app: App) -> list[tuple[str, str, str | None, int]]:
    entries = app.client.get("/audit", headers=app.api("admin")).json()
    return [(e["who"], e["action"], e["target"], e["status_code"]) for e in entries]


# --- the flags API ---


def test_flags_api_roles_changes_and_audit(app: App) -> None:
    c = app.client
    listed = c.get("/flags", headers=app.api("viewer"))
    assert listed.status_code == 200
    assert [(f["name"], f["mode"], f["default"]) for f in listed.json()] == [
        ("ui_breakers", "default", True), ("new_ntp", "default", False),
        ("http_connections", "default", True), ("ui_backups", "default", True),
        ("ui_schedules", "default", True), ("ui_templates", "default", True),
    ]  # fmt: skip  (declared first, then the built-ins not redeclared)
    assert c.get("/flags").status_code == 401
    assert c.post("/flags/new_ntp/enable", headers=app.api("viewer")).status_code == 403

    on = c.post("/flags/new_ntp/rollout", headers=app.api("operator"),
                json={"percent": 12.5, "tags": ["canary", "canary", "ams"]})  # fmt: skip
    assert on.status_code == 200
    assert (on.json()["mode"], on.json()["percent"], on.json()["tags"]) == (
        "rollout", 12.5, ["canary", "ams"]
    )  # fmt: skip
    assert on.json()["updated_by"] == "operator"
    off = c.post("/flags/new_ntp/disable", headers=app.api("admin"))
    assert off.json()["summary"] == "off" and off.json()["updated_by"] == "admin"
    assert c.get("/flags", headers=app.api("viewer")).json()[1]["mode"] == "off"
    reset = c.post("/flags/new_ntp/reset", headers=app.api("operator"))
    assert reset.json()["mode"] == "default" and reset.json()["updated_by"] is None

    unknown = c.post("/flags/nope/enable", headers=app.api("operator"))
    assert unknown.status_code == 404
    assert "declared: ui_breakers, new_ntp, http_connections" in unknown.text
    too_much = c.post("/flags/new_ntp/rollout", headers=app.api("operator"),
                      json={"percent": 101})  # fmt: skip
    assert too_much.status_code == 422
    empty = c.post("/flags/new_ntp/rollout", headers=app.api("operator"), json={})
    assert empty.status_code == 400 and "needs --percent" in empty.text

    assert audit(app)[:6] == [
        ("operator", "flag.rollout", "new_ntp", 400),
        ("operator", "flag.enable", "nope", 404),
        ("operator", "flag.reset", "new_ntp", 200),
        ("admin", "flag.disable", "new_ntp", 200),
        ("operator", "flag.rollout", "new_ntp", 200),
        ("viewer", "POST /flags/new_ntp/enable", None, 403),
    ]
    details = c.get("/audit", headers=app.api("admin")).json()
    assert details[3]["detail"] == {"from": "rollout: 12.5% of hosts or tags canary, ams",
                                    "to": "off"}  # fmt: skip
    assert details[3]["client"] == "testclient"


# --- sessions ---


def test_login_sets_a_strict_httponly_cookie_and_keeps_no_token(app: App) -> None:
    first = app.client.get("/")
    assert first.status_code == 303 and first.headers["location"] == "/ui/login?next=%2F"
    log_in(app, "operator")
    cookie = next(c for c in app.client.cookies.jar if c.name == "netraven_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    assert cookie.get_nonstandard_attr("SameSite", "").lower() == "strict"
    assert app.tokens["operator"] not in cookie.value and cookie.path == "/"
    assert ("operator", "ui.login", "operator", 200) in audit(app)
    page = app.client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


def test_cookie_is_secure_over_https(tmp_path: Path, app: App) -> None:
    app.client.base_url = "https://testserver"  # type: ignore[assignment]
    form = app.client.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    done = app.client.post("/ui/login", data={"csrf": csrf[1], "token": app.tokens["viewer"]})
    assert "secure" in done.headers["set-cookie"].lower()
    assert "samesite=strict" in done.headers["set-cookie"].lower()


def test_bad_tokens_forged_logins_and_open_redirects_are_refused(app: App) -> None:
    form = app.client.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    wrong = app.client.post("/ui/login", data={"csrf": csrf[1], "token": "nrv_nope"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert "netraven_session" not in wrong.headers.get("set-cookie", "")
    app.client.cookies.clear()  # a cross-site form has no login cookie
    forged = app.client.post("/ui/login", data={"csrf": "x", "token": app.tokens["admin"]})
    assert forged.status_code == 400 and "netraven_session" not in str(app.client.cookies)
    log_in(app, "viewer", next_path="//evil.example/")
    form = app.client.get("/ui/login", params={"next": "https://evil.example/"})
    assert 'name="next" value="/"' in form.text


def test_writes_need_the_sessions_csrf_token(app: App) -> None:
    anonymous = app.client.post("/ui/flags/new_ntp/enable", data={"csrf": "x"})
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/ui/login?next=%2F"
    csrf = log_in(app, "operator")
    assert app.client.get("/flags", headers=app.api("viewer")).json()[1]["mode"] == "default"
    assert app.client.post("/ui/flags/new_ntp/enable").status_code == 403
    assert app.client.post("/ui/flags/new_ntp/enable", data={"csrf": "wrong"}).status_code == 403
    ok = app.client.post("/ui/flags/new_ntp/enable", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 303 and ok.headers["location"] == "/ui/flags?changed=new_ntp"
    flags = app.client.get("/flags", headers=app.api("viewer")).json()
    assert flags[1]["mode"] == "on" and flags[1]["updated_by"] == "operator"


def test_logout_and_revocation_end_the_session(app: App) -> None:
    csrf = log_in(app, "operator")
    old = app.client.cookies.get("netraven_session")
    assert app.client.post("/ui/logout", data={"csrf": csrf}).status_code == 303
    app.client.cookies.clear()
    app.client.cookies.set("netraven_session", old or "")
    assert app.client.get("/").status_code == 303  # the old cookie opens nothing
    app.client.cookies.clear()
    log_in(app, "operator")
    assert app.client.get("/ui/flags").status_code == 200
    store = open_engine(app.db_url)
    revoke_token(store, "operator")
    store.dispose()
    assert app.client.get("/ui/flags").status_code == 303


def test_roles_pages_and_flag_gated_pages(app: App) -> None:
    csrf = log_in(app, "viewer")
    jobs = app.client.get("/")
    assert jobs.status_code == 200 and "Start job" not in jobs.text
    assert app.client.get("/ui/audit").status_code == 403
    assert app.client.post("/ui/jobs", data={"csrf": csrf, "playbook": "x.yml",
                                             "inventory": "inv"}).status_code == 403  # fmt: skip
    assert app.client.post("/ui/breakers/reset", data={"csrf": csrf}).status_code == 403
    flags = app.client.get("/ui/flags")
    assert "Show the &lt;b&gt;breakers&lt;/b&gt; page" in flags.text  # escaped
    assert 'action="/ui/flags/' not in flags.text

    app.client.post("/flags/ui_breakers/disable", headers=app.api("operator"))
    assert app.client.get("/ui/breakers").status_code == 404
    assert 'href="/ui/breakers"' not in app.client.get("/").text
    assert app.client.get("/breakers", headers=app.api("viewer")).status_code == 200  # API
    app.client.post("/flags/ui_breakers/enable", headers=app.api("operator"))
    assert app.client.get("/ui/breakers").status_code == 200

    csrf = log_in(app, "admin")
    assert app.client.get("/ui/audit").status_code == 200
    bad = app.client.post("/ui/jobs", data={"csrf": csrf, "playbook": "x.yml",
                                            "inventory": "inv"})  # fmt: skip
    assert bad.status_code == 400 and "x.yml" in bad.text and 'value="x.yml"' in bad.text
    for path in ("/ui/hosts", "/ui/schedules", "/ui/templates", "/ui/breakers"):
        assert app.client.get(path).status_code == 200, path
    assert app.client.get("/ui/jobs/99").status_code == 404
    assert app.client.get("/ui/static/ui.js").headers["content-type"].startswith("text/java")
    assert app.client.get("/ui/static/../app.py").status_code == 404


def test_templates_schedules_and_breakers_pages_with_data(app: App) -> None:
    c, op = app.client, app.api("operator")
    body = "hostname {{ inventory_hostname }}\nntp server {{ ntp }}\n"
    assert c.post("/templates", headers=op, json={"name": "ntp", "body": body}).status_code == 201
    newer = body + "logging host 192.0.2.9\n"
    assert c.post("/templates/ntp/versions", headers=op, json={"body": newer}).status_code == 201
    schedule = {"name": "nightly", "handler": "playbook", "inventory": "inventory",
                "playbook": "site.yml", "timing": "daily 02:30"}  # fmt: skip
    assert c.post("/schedules", headers=op, json=schedule).status_code == 201, "schedule"
    store = open_engine(app.db_url)
    with Session(store) as session:
        session.add(Breaker(scope_key="host:r1", state="open", failures=3))
        session.commit()
    store.dispose()

    csrf = log_in(app, "operator")
    listed = c.get("/ui/templates")
    assert 'href="/ui/templates/ntp"' in listed.text and "v2" in listed.text
    page = c.get("/ui/templates/ntp")
    assert page.status_code == 200
    added_row = r'<tr class="d-added">.*?<td class="new"><code>(.*?)</code>'
    added = re.findall(added_row, page.text, re.S)
    assert added == ["logging host 192.0.2.9"]
    preview = c.get("/ui/templates/ntp/preview",
                    params={"inventory": "inventory", "host": "r1", "version": 2})  # fmt: skip
    assert preview.status_code == 200, preview.text
    shown = r'<pre class="output" id="preview" tabindex="0">(.*?)</pre>'
    text = re.search(shown, preview.text, re.S)
    assert text is not None
    assert text[1].splitlines() == ["hostname r1", "ntp server 192.0.2.1", "logging host 192.0.2.9"]
    missing = c.get("/ui/templates/ntp/preview", params={"inventory": "inventory", "host": "r9"})
    assert missing.status_code == 400 and "r9" in missing.text

    schedules = c.get("/ui/schedules")
    assert "nightly" in schedules.text and "✔</span> on" in schedules.text
    off = c.post("/ui/schedules/nightly/disable", data={"csrf": csrf})
    assert off.status_code == 303
    assert c.get("/schedules/nightly", headers=op).json()["enabled"] is False

    breakers = c.get("/ui/breakers")
    assert "host:r1" in breakers.text and "⚠</span> open" in breakers.text
    reset = c.post("/ui/breakers/reset", data={"csrf": csrf, "scope": "host:r1"})
    assert reset.status_code == 303
    assert c.get("/breakers", headers=op).json() == []
    unknown = c.post("/ui/breakers/reset", data={"csrf": csrf, "scope": "host:nope"})
    assert unknown.status_code == 404 and "no breaker" in unknown.text
    assert audit(app)[:3] == [
        ("operator", "breaker.reset", "host:nope", 404),
        ("operator", "breaker.reset", "host:r1", 200),
        ("operator", "schedule.disable", "nightly", 200),
    ]


def _job_with_hosts(db_url: str, count: int) -> int:
    store = open_engine(db_url)
    with Session(store) as session:
        job = Job(playbook="/srv/site.yml", playbook_sha256="0" * 64, user="t",
                  status="failed")  # fmt: skip
        session.add(job)
        session.flush()
        assert job.id is not None
        for n in range(1, count + 1):
            status = "failed" if n == 2 else "ok"
            session.add(HostResult(job_id=job.id, host=f"r{n}", status=status))
            session.add(TaskResult(job_id=job.id, host=f"r{n}", play_index=0, play="p",
                                   task_index=0, name="show", action="command",
                                   status=status, failed=status == "failed",
                                   output=f"output of r{n} <tag>"))  # fmt: skip
        session.commit()
        job_id = job.id
    store.dispose()
    return job_id


def test_a_big_jobs_host_outputs_are_on_pages_of_their_own(app: App) -> None:
    small, big = _job_with_hosts(app.db_url, 50), _job_with_hosts(app.db_url, 51)
    log_in(app, "viewer")
    inline = app.client.get(f"/ui/jobs/{small}").text
    assert inline.count('<details id="host-') == 50 and 'href="#host-r2"' in inline
    assert "output of r2 &lt;tag&gt;" in inline
    paged = app.client.get(f"/ui/jobs/{big}").text
    assert "<details" not in paged and "output of" not in paged
    assert f'href="/ui/jobs/{big}/hosts/r2"' in paged and "✖</span> failed" in paged
    host = app.client.get(f"/ui/jobs/{big}/hosts/r2")
    assert host.status_code == 200
    assert "output of r2 &lt;tag&gt;" in host.text and "output of r1 " not in host.text
    assert app.client.get(f"/ui/jobs/{big}/hosts/r99").status_code == 404
