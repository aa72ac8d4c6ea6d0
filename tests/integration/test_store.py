"""The job store on SQLite (default) and on the PostgreSQL CI machines run."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

BOOK = """\
- name: read and back up
  hosts: sw-lab-10,sw-lab-11
  tasks:
    - name: version
      command: show version
    - name: backup
      backup: {}
"""


def test_jobs_commands(lab: Lab, workdir: Path) -> None:
    (workdir / "b.yml").write_text(BOOK)
    for _ in range(2):
        assert netraven("run", "b.yml", "-i", str(lab.inventory), cwd=workdir).returncode == 0
    listed = json.loads(netraven("jobs", "list", "--json", cwd=workdir).stdout)
    assert [j["id"] for j in listed] == [2, 1]  # newest first
    assert listed[0]["status"] == "succeeded" and listed[0]["playbook"] == "b.yml"
    assert len(listed[0]["playbook_sha256"]) == 64 and listed[0]["user"]
    shown = json.loads(netraven("jobs", "show", "1", "--json", cwd=workdir).stdout)
    assert list(shown["hosts"]) == ["sw-lab-10", "sw-lab-11"]  # natural order
    assert [t["name"] for t in shown["hosts"]["sw-lab-10"]["tasks"]] == ["version", "backup"]
    assert shown["job"]["id"] == 1 and shown["job"]["status"] == "succeeded"
    assert len(shown["backups"]) == 2
    logs = json.loads(
        netraven("jobs", "logs", "1", "--host", "sw-lab-10", "--json", cwd=workdir).stdout
    )
    assert logs and all(entry["host"] == "sw-lab-10" for entry in logs)
    assert any("connected" in entry["message"] for entry in logs)
    text_show = netraven("jobs", "show", "1", cwd=workdir)
    assert "sw-lab-10" in text_show.stdout and text_show.returncode == 0
    missing = netraven("jobs", "show", "99", cwd=workdir)
    assert missing.returncode == 5 and "no job 99" in missing.stderr


def test_db_env_var_and_flag_select_the_store(lab: Lab, workdir: Path) -> None:
    (workdir / "b.yml").write_text(BOOK)
    url = f"sqlite:///{workdir / 'other.db'}"
    assert (
        netraven("run", "b.yml", "-i", str(lab.inventory), "--db", url, cwd=workdir).returncode == 0
    )
    assert not (workdir / ".netraven" / "netraven.db").exists()
    listed = netraven("jobs", "list", "--json", cwd=workdir, env={"NETRAVEN_DB_URL": url})
    assert len(json.loads(listed.stdout)) == 1


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A schema of its own in the machine's PostgreSQL, dropped afterwards."""
    engine = create_engine(PG_ADMIN)
    schema = f"netraven_test_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - report why, do not hide it
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is required for this test: {exc}")
    yield f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.mark.postgres
def test_postgres_job_store(lab: Lab, workdir: Path, pg_url: str) -> None:
    (workdir / "b.yml").write_text(BOOK)
    first = netraven(
        "run", "b.yml", "-i", str(lab.inventory), "--db", pg_url, "--output", "json", cwd=workdir
    )
    assert first.returncode == 0, first.stderr
    job_id = run_json(first)["job"]["id"]
    netraven("run", "b.yml", "-i", str(lab.inventory), "--db", pg_url, cwd=workdir)
    shown = json.loads(
        netraven("jobs", "show", str(job_id), "--json", "--db", pg_url, cwd=workdir).stdout
    )
    assert shown["job"]["status"] == "succeeded"
    assert list(shown["hosts"]) == ["sw-lab-10", "sw-lab-11"]
    assert shown["job"]["started_at"].endswith("Z")
    listed = json.loads(netraven("jobs", "list", "--json", "--db", pg_url, cwd=workdir).stdout)
    assert len(listed) == 2
    second = json.loads(
        netraven("jobs", "show", str(listed[0]["id"]), "--json", "--db", pg_url, cwd=workdir).stdout
    )
    assert second["backups"] == []  # identical backups are not stored twice
    assert not (workdir / ".netraven" / "netraven.db").exists()


def test_unreachable_store_is_a_clean_error(lab: Lab, workdir: Path) -> None:
    (workdir / "b.yml").write_text(BOOK)
    result = netraven(
        "run",
        "b.yml",
        "-i",
        str(lab.inventory),
        "--db",
        "postgresql+psycopg://nobody:pw@127.0.0.1:1/none",
        cwd=workdir,
    )
    assert result.returncode == 1
    assert "cannot open job store" in result.stderr and "Traceback" not in result.stderr
    assert "pw@" not in result.stderr
