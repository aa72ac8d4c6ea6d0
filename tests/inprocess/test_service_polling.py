"""Polling the job API through its answer cache, in process (Starlette's test client).

What a poller may rely on (docs/service.md): the same JSON as ever, this service's own
changes at once, and other processes' changes within ``response_cache.TTL``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from netraven.app.read_models import JobDetail, JobView
from netraven.service.app import create_app
from netraven.service.response_cache import TTL
from netraven.service.state import ServiceState
from netraven.service.tokens import create_token
from netraven.settings import load_settings
from netraven.store.engine import open_engine
from netraven.store.models import Job


@dataclass
class Polled:
    client: TestClient
    headers: dict[str, str]
    db_url: str

    @property
    def state(self) -> ServiceState:
        state: ServiceState = self.client.app.state.service  # type: ignore[attr-defined]
        return state

    def add_job(self, status: str = "succeeded") -> int:
        """A job recorded by another process (a CLI run on the same store)."""
        store = open_engine(self.db_url)
        try:
            with Session(store) as session:
                row = Job(
                    playbook="/srv/site.yml", playbook_sha256="0" * 64, user="cli",
                    options=json.dumps({"forks": 5, "check": True}), status=status,
                    exit_code=0 if status == "succeeded" else None,
                )  # fmt: skip
                session.add(row)
                session.commit()
                assert row.id is not None
                return row.id
        finally:
            store.dispose()

    def get(self, path: str, **params: object) -> object:
        answer = self.client.get(path, headers=self.headers, params=params)  # type: ignore[arg-type]
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def polled(tmp_path: Path) -> Iterator[Polled]:
    url = f"sqlite:///{tmp_path / 'poll.db'}"
    store = open_engine(url)
    token = create_token(store, "poller", "viewer", "test")[1]
    store.dispose()
    settings = load_settings(tmp_path, db_url=url)
    with TestClient(create_app(settings)) as client:
        yield Polled(client, {"Authorization": f"Bearer {token}"}, url)


def test_answers_keep_their_shapes(polled: Polled) -> None:
    first, second = polled.add_job(), polled.add_job()
    page = polled.client.get("/jobs", headers=polled.headers, params={"limit": 1})
    assert page.headers["content-type"] == "application/json"
    assert page.headers["link"] == f'</jobs?limit=1&before={second}>; rel="next"'
    views = [JobView.model_validate(v) for v in page.json()]
    assert [v.id for v in views] == [second] and views[0].check is True
    again = polled.client.get("/jobs", headers=polled.headers, params={"limit": 1})
    assert again.headers["link"] == page.headers["link"] and again.json() == page.json()
    summary = polled.get(f"/jobs/{first}/summary")
    assert JobView.model_validate(summary).model_dump(mode="json") == summary
    assert isinstance(summary, dict) and summary["created_at"].endswith("Z")
    detail = polled.get(f"/jobs/{first}")
    assert JobDetail.model_validate(detail).job.model_dump(mode="json") == summary
    missing = polled.client.get("/jobs/999/summary", headers=polled.headers)
    assert (missing.status_code, missing.json()) == (404, {"detail": "no job 999"})
    assert polled.client.get("/jobs/999/summary").status_code == 401  # auth before the cache


def test_another_process_job_shows_within_the_bound(polled: Polled) -> None:
    polled.add_job()
    before = polled.get("/jobs")
    assert isinstance(before, list) and len(before) == 1
    added = polled.add_job("running")
    made = time.monotonic()
    while True:
        listed = polled.get("/jobs")
        assert isinstance(listed, list)
        if [j["id"] for j in listed] == [added, added - 1]:
            break
        assert time.monotonic() - made < TTL + 0.25, "a change elsewhere took longer than TTL"
        time.sleep(0.05)


def test_a_change_by_this_service_shows_on_the_next_poll(polled: Polled) -> None:
    first = polled.add_job("running")  # not "queued": the dispatcher would take it
    assert polled.get(f"/jobs/{first}/summary") == polled.get("/jobs")[0]  # type: ignore[index]
    # What the runner does once the store has a change it made (here: the job's end).
    store = open_engine(polled.db_url)
    try:
        with Session(store) as session:
            row = session.get(Job, first)
            assert row is not None
            row.status, row.exit_code = "failed", 2
            session.add(row)
            session.commit()
    finally:
        store.dispose()
    polled.state.runner.on_change()
    summary = polled.get(f"/jobs/{first}/summary")
    assert isinstance(summary, dict) and summary["status"] == "failed"
    assert polled.get("/jobs")[0]["status"] == "failed"  # type: ignore[index]


def test_the_runner_and_the_cache_are_wired(polled: Polled) -> None:
    assert polled.state.runner.on_change == polled.state.responses.invalidate
