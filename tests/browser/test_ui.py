"""The web UI in headless Chromium against the real service and the lab (issue 10 §2)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import HOSTS, api, log_in, wait_job
from tests.integration.service.conftest import Service

ALL = [f"sw-lab-{n}" for n in range(1, HOSTS + 1)]


def _start(page: Page, playbook: str) -> int:
    page.get_by_label("Playbook").fill(playbook)
    page.get_by_label("Inventory").fill("inventory")
    page.get_by_role("button", name="Start job").click()
    page.wait_for_url(re.compile(r"/ui/jobs/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _host_statuses(page: Page) -> dict[str, str]:
    rows = page.locator("#hosts tbody tr")
    return {
        rows.nth(i).get_attribute("data-host") or "": rows.nth(i).locator("td").nth(1).inner_text()
        for i in range(rows.count())
    }


def test_log_in_start_a_job_on_the_lab_and_watch_it_finish_live(
    page: Page, service: Service, tmp_path: Path
) -> None:
    log_in(page, service.tokens["operator"])
    expect(page.locator("#who")).to_have_text("operator (operator)")
    job_id = _start(page, "show.yml")

    # Live: progress arrives over the event stream while the job runs, then the finished
    # results replace the page's head and host table without a reload.
    expect(page.locator("#progress li").first).to_be_visible()
    expect(page.locator("#progress-count")).to_have_text("Finished: succeeded. Results below.")
    progress = page.locator("#progress li").all_inner_texts()
    assert progress[0] == "job started (running)" and progress[-1] == "job finished: succeeded"
    assert {f"{h}: clock — ok" for h in ALL} <= set(progress)
    expect(page.locator("#job-status")).to_contain_text("succeeded")
    assert _host_statuses(page) == {h: "✔ ok" for h in ALL}  # icon and word, not colour
    page.screenshot(path=str(tmp_path / "job.png"), full_page=True)
    if os.environ.get("NETRAVEN_UI_SCREENSHOT"):  # how docs/ui-job-page.png is made
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=os.environ["NETRAVEN_UI_SCREENSHOT"], full_page=False)

    # What the page shows is what the service recorded.
    detail = wait_job(service, job_id)
    assert detail["job"]["status"] == "succeeded" and detail["job"]["user"] == "operator"
    assert sorted(detail["hosts"]) == sorted(ALL)
    first = page.locator("#host-sw-lab-1")
    first.locator("summary").click()
    version = detail["hosts"]["sw-lab-1"]["tasks"][0]["output"]
    expect(first.locator("pre.output").first).to_have_text(version)

    # The jobs list keeps itself up to date: the job is there, with its final status.
    page.get_by_role("link", name="Jobs", exact=True).click()
    row = page.locator(f'#jobs tr[data-job="{job_id}"]')
    expect(row).to_contain_text("succeeded")
    expect(row.get_by_role("link", name=f"#{job_id}")).to_be_visible()


def test_a_failed_hosts_output_and_re_running_the_failed_hosts(
    page: Page, service: Service
) -> None:
    log_in(page, service.tokens["operator"])
    job_id = _start(page, "mixed.yml")
    expect(page.locator("#progress-count")).to_have_text("Finished: failed. Results below.")
    assert _host_statuses(page) == {
        "sw-lab-1": "✔ ok", "sw-lab-2": "✖ failed", "sw-lab-3": "✔ ok"
    }  # fmt: skip

    # The host link opens that host's results; the device's own error is there.
    page.get_by_role("link", name="sw-lab-2", exact=True).click()
    failed = page.locator("#host-sw-lab-2")
    expect(failed).to_have_attribute("open", "")
    task = failed.locator(".task").nth(1)
    expect(task.locator("h3")).to_contain_text("interfaces")
    expect(task.locator("h3")).to_contain_text("failed")
    recorded = wait_job(service, job_id)["hosts"]["sw-lab-2"]["tasks"][1]
    assert recorded["status"] == "failed" and "% Invalid input" in recorded["output"]
    expect(task.locator("pre.output")).to_have_text(recorded["output"])
    expect(task.locator(".alert")).to_contain_text(recorded["error"])

    # Re-run failed hosts: a new job on sw-lab-2 alone.
    page.get_by_role("button", name="Re-run failed hosts (1)").click()
    page.wait_for_url(re.compile(r"/ui/jobs/\d+$"))
    rerun = int(page.url.rsplit("/", 1)[1])
    assert rerun != job_id
    expect(page.locator("#job-status")).to_contain_text("failed")
    detail = wait_job(service, rerun)
    assert list(detail["hosts"]) == ["sw-lab-2"]
    assert detail["job"]["options"]["limit"] is not None


def test_cancel_a_running_job(page: Page, service: Service) -> None:
    log_in(page, service.tokens["operator"])
    job_id = _start(page, "slow.yml")
    expect(page.locator("#progress li").nth(2)).to_be_visible()  # tasks are running
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#job-status")).to_contain_text("cancelled")
    detail = wait_job(service, job_id)
    assert detail["job"]["status"] == "cancelled"
    done = [len(h["tasks"]) for h in detail["hosts"].values()]
    assert all(n < 20 for n in done)  # stopped part-way, what ran is kept
    expect(page.get_by_role("button", name="Cancel job")).to_have_count(0)
    with api(service) as client:
        entry = client.get("/audit", params={"who": "operator"}).json()[0]
    assert (entry["action"], entry["target"], entry["detail"]) == (
        "job.cancel",
        f"job {job_id}",
        {"result": "cancelling"},
    )


def test_diff_two_backups_of_a_host_side_by_side(page: Page, service: Service) -> None:
    stamp = uuid.uuid4().hex[:8]
    with api(service, "operator") as client:
        started = client.post(
            "/jobs",
            json={"playbook": "backup.yml", "inventory": "inventory",
                  "extra_vars": {"stamp": stamp}},
        )  # fmt: skip
        assert started.status_code == 201, started.text
        wait_job(service, started.json()["id"])
        versions = client.get("/backups", params={"host": "sw-lab-1"}).json()
        newest, before = versions[0]["version"], versions[1]["version"]
        new_text = client.get(f"/backups/sw-lab-1/{newest}").json()["text"]
    banner = f"banner motd ^ui test {stamp}^"
    assert banner in new_text

    log_in(page, service.tokens["viewer"])
    page.get_by_role("link", name="Backups").click()
    page.get_by_role("link", name="sw-lab-1", exact=True).click()
    expect(page.locator("#versions tbody tr")).to_have_count(len(versions))
    page.get_by_label("Old version").select_option(str(before))
    page.get_by_label("New version").select_option(str(newest))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name=f"v{before} → v{newest}")).to_be_visible()
    changed = page.locator("table.sbs tr.d-added, table.sbs tr.d-changed")
    expect(changed.filter(has_text=banner)).to_have_count(1)
    row = changed.filter(has_text=banner)
    expect(row.locator("td.new")).to_have_text(banner)
    expect(row.locator("td.mark")).not_to_have_text("")  # the kind of change is a sign too
    # The same version on both sides says so rather than showing an empty table.
    page.get_by_label("Old version").select_option(str(newest))
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#identical")).to_have_text("＝ The two versions are identical.")


def test_toggle_a_flag_and_see_the_ui_change(page: Page, service: Service) -> None:
    log_in(page, service.tokens["root"])
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Breakers")).to_be_visible()
    page.get_by_role("link", name="Flags").click()

    page.get_by_role("button", name="Disable ui_breakers").click()
    expect(page.get_by_role("status")).to_contain_text("ui_breakers: off")
    expect(page.locator('tr[data-flag="ui_breakers"] .setting')).to_contain_text("off")
    expect(nav.get_by_role("link", name="Breakers")).to_have_count(0)
    assert page.goto("/ui/breakers").status == 404  # hidden, not broken

    page.goto("/ui/flags")
    page.get_by_role("button", name="Reset to default ui_breakers").click()
    expect(nav.get_by_role("link", name="Breakers")).to_be_visible()
    page.get_by_role("link", name="Breakers").click()
    expect(page.get_by_role("heading", name="Circuit breakers")).to_be_visible()

    page.get_by_role("link", name="Flags").click()
    row = page.locator('tr[data-flag="new_ntp"]')
    row.get_by_label("Percent of hosts").fill("25")
    row.get_by_label("Tags").fill("canary")
    page.get_by_role("button", name="Roll out new_ntp").click()
    expect(page.locator('tr[data-flag="new_ntp"] .summary')).to_have_text(
        "rollout: 25% of hosts or tags canary"
    )
    with api(service) as client:
        flags = {f["name"]: f for f in client.get("/flags").json()}
        audit = client.get("/audit", params={"who": "root"}).json()
    assert flags["new_ntp"]["percent"] == 25 and flags["new_ntp"]["tags"] == ["canary"]
    assert flags["ui_breakers"]["mode"] == "default" and flags["new_ntp"]["updated_by"] == "root"
    changes = [(e["action"], e["target"], e["client"]) for e in audit if e["action"][:5] == "flag."]
    assert changes[:3] == [
        ("flag.rollout", "new_ntp", "127.0.0.1"),
        ("flag.reset", "ui_breakers", "127.0.0.1"),
        ("flag.disable", "ui_breakers", "127.0.0.1"),
    ]


def test_a_viewer_sees_no_write_controls_and_cannot_start_jobs(
    page: Page, service: Service
) -> None:
    with api(service) as client:
        before = [j["id"] for j in client.get("/jobs").json()]
    log_in(page, service.tokens["viewer"])
    expect(page.locator("#who")).to_have_text("viewer (viewer)")
    # Keyboard: the skip link comes first, then the navigation; focus is visibly outlined.
    page.goto("/")
    focused = []
    for _ in range(4):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert focused == ["Skip to content", "NetRaven", "Jobs", "Backups"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ui/hosts$"))
    page.goto("/")
    expect(page.get_by_role("button", name="Start job")).to_have_count(0)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.get_by_role("link", name="Flags").click()
    expect(page.locator("#flags")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Enable|Disable|Roll out"))).to_have_count(0)

    # Posting anyway, with a valid session and CSRF token, is refused and audited.
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert csrf
    refused = page.request.post(
        "/ui/jobs",
        form={"csrf": csrf, "playbook": "show.yml", "inventory": "inventory"},
        max_redirects=0,
    )
    assert refused.status == 403
    assert page.request.post("/ui/flags/new_ntp/enable", form={"csrf": csrf}).status == 403
    assert page.goto("/ui/audit").status == 403
    # Without the CSRF token even an operator's session could not have done it.
    assert page.request.post("/ui/jobs", form={"playbook": "show.yml"}).status == 403
    with api(service) as client:
        assert [j["id"] for j in client.get("/jobs").json()] == before
        audit = client.get("/audit", params={"who": "viewer"}).json()
    assert [(e["action"], e["status_code"]) for e in audit[:2]] == [
        ("POST /ui/flags/new_ntp/enable", 403),
        ("POST /ui/jobs", 403),
    ]


def test_the_api_docs_are_for_signed_in_people(page: Page, service: Service) -> None:
    """Anonymous: /docs sends to the login; signed in, it and its schema answer (read with
    the session's cookie; the page is not rendered, its script would come from a CDN)."""
    anonymous = page.request.get("/openapi.json")
    assert anonymous.status == 401
    log_in(page, service.tokens["viewer"])
    docs = page.request.get("/docs")
    assert docs.status == 200 and "/openapi.json" in docs.text()
    schema = page.request.get("/openapi.json")
    assert schema.status == 200 and "/jobs" in schema.json()["paths"]
