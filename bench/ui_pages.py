"""How long the web UI takes to render its heaviest pages, and how big they are.

A synthetic job of N hosts × T tasks (each with a 2 kB output) is written straight into
an SQLite store; the real app (``create_app``) renders the job page, the jobs list and the
jobs-list fragment the script polls, through Starlette's test client (no network). Prints
median and worst times over a few renders and the HTML size.

    python bench/ui_pages.py [--hosts 1000] [--tasks 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from netraven.service.app import create_app
from netraven.service.tokens import create_token
from netraven.settings import load_settings
from netraven.store.engine import open_engine
from netraven.store.models import HostResult, Job, TaskResult

OUTPUT = ("interface GigabitEthernet0/1\n description uplink\n" * 40)[:2048]


def seed(url: str, hosts: int, tasks: int) -> tuple[int, str]:
    store = open_engine(url)
    token = create_token(store, "bench", "operator", "bench")[1]
    now = datetime.now(UTC)
    with Session(store) as session:
        job = Job(playbook="/srv/site.yml", playbook_sha256="0" * 64, user="bench",
                  status="succeeded", created_at=now, started_at=now, finished_at=now)  # fmt: skip
        session.add(job)
        session.flush()
        assert job.id is not None
        for n in range(1, hosts + 1):
            host = f"sw-{n}"
            status = "failed" if n % 50 == 0 else "ok"
            session.add(HostResult(job_id=job.id, host=host, play="site", status=status,
                                   started_at=now, finished_at=now, duration_ms=900))  # fmt: skip
            for t in range(tasks):
                session.add(TaskResult(job_id=job.id, host=host, play_index=0, play="site",
                                       task_index=t, name=f"task {t}", action="command",
                                       status="ok", output=OUTPUT, started_at=now,
                                       duration_ms=300))  # fmt: skip
        session.commit()
        job_id = job.id
    store.dispose()
    return job_id, token


def timed(client: TestClient, path: str, repeat: int) -> tuple[float, float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.content)
    return statistics.median(times), max(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'ui.db'}"
        job_id, token = seed(url, args.hosts, args.tasks)
        settings = load_settings(Path(tmp), db_url=url)
        with TestClient(create_app(settings), follow_redirects=False) as client:
            form = client.get("/ui/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf is not None
            client.post("/ui/login", data={"csrf": csrf[1], "token": token})
            print(f"job of {args.hosts} hosts x {args.tasks} tasks (2 kB output each)")
            print(f"{'page':<28}{'median':>10}{'worst':>10}{'HTML':>12}")
            for label, path in [
                ("job page", f"/ui/jobs/{job_id}"),
                ("one host of the job", f"/ui/jobs/{job_id}/hosts/sw-50"),
                ("jobs list", "/"),
                ("jobs list fragment (poll)", "/ui/fragments/jobs"),
                ("API GET /jobs/N (JSON)", f"/jobs/{job_id}"),
            ]:
                if path.startswith("/jobs/"):
                    client.headers["Authorization"] = f"Bearer {token}"
                median, worst, size = timed(client, path, args.repeat)
                print(f"{label:<28}{median * 1000:>8.0f} ms{worst * 1000:>7.0f} ms"
                      f"{size / 1024:>9.0f} kB")  # fmt: skip


if __name__ == "__main__":
    main()
