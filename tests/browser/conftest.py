"""The browser tier: the real service on a free loopback port, driven by headless Chromium.

Chromium is Debian's package (``/usr/bin/chromium``; ``.ci/run`` installs it), driven by
Playwright's Python client, so no browser is downloaded at test time. A failing test leaves
a screenshot of the page as ``failure.png`` in its tmp dir (the path is in the report).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from netraven.lab import control
from tests.integration.conftest import Lab, start_lab
from tests.integration.service.conftest import Service, project_for, start_service

CHROMIUM = "/usr/bin/chromium"
HOSTS = 6
SHOW = """\
- name: facts
  hosts: all
  tasks:
    - name: version
      command: show version
    - name: clock
      command: show clock
"""
MIXED = """\
- name: site check
  hosts: sw-lab-1,sw-lab-2,sw-lab-3
  tasks:
    - name: version
      command: show version
    - name: interfaces
      command: "{{ 'show frobnicate' if inventory_hostname == 'sw-lab-2' else 'show clock' }}"
"""
BACKUP_CHANGE_BACKUP = """\
- name: backups around a change
  hosts: sw-lab-1
  tasks:
    - name: before
      backup: {}
    - name: banner
      config:
        lines: ["banner motd ^ui test {{ stamp }}^"]
    - name: after
      backup: {}
"""
SLOW = "- name: slow\n  hosts: all\n  tasks:\n" + "".join(
    f"    - name: clock {n}\n      command: show clock\n" for n in range(1, 21)
)  # 20 commands at 150 ms each: about 3 s per host, time enough to press Cancel
FLAGS = """\
[flags.ui_breakers]
description = "Show the circuit breakers page"
default = true

[flags.new_ntp]
description = "Move to the new NTP servers"
default = false
"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def ui_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Devices that take 150 ms per command, so a job runs long enough to be watched."""
    running = start_lab(tmp_path_factory.mktemp("uilab"), devices=HOSTS, latency_ms=150)
    yield running
    control.down(running.directory)


@pytest.fixture(scope="session")
def service(ui_lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    project = project_for(
        ui_lab,
        tmp_path_factory.mktemp("uiproject"),
        {
            "show.yml": SHOW,
            "mixed.yml": MIXED,
            "backup.yml": BACKUP_CHANGE_BACKUP,
            "slow.yml": SLOW,
        },
    )
    (project / "netraven.toml").write_text(FLAGS)
    running = start_service(project, f"sqlite:///{project / 'service.db'}")
    yield running
    running.stop()


# Module scope, not session: Playwright's sync API runs an event loop on this thread while
# it is open, and tests after the browser tier call asyncio.run(), which refuses to start
# inside a running loop.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser, service: Service) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=service.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        tab.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failing page: {shot}")
    assert errors == [], f"script errors on the page: {errors}"


def log_in(page: Page, token: str) -> None:
    """With the keyboard only, as a screen-reader or keyboard user would."""
    page.goto("/")
    assert re.search(r"/ui/login\?next=%2F$", page.url)
    assert page.evaluate("document.activeElement.id") == "token"  # focus starts in the field
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def wait_job(service: Service, job_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with service.client("viewer") as client:
        while time.monotonic() < deadline:
            detail: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
            if detail["job"]["status"] not in ("queued", "running"):
                return detail
            time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def api(service: Service, who: str = "root") -> httpx.Client:
    return service.client(who)
