"""One JSON contract: run --output json and jobs show --json print the same document,
and every JSON output validates against the schema published in docs/schema/."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schema"

PLAYBOOK = """
- name: read
  hosts: sw-lab-1,sw-lab-2,sw-lab-3
  tasks:
    - command: show version
    - backup:
- name: change
  hosts: sw-lab-1
  tasks:
    - config: {lines: ["snmp-server location json-contract"]}
    - command: show nothing-at-all
      ignore_errors: true
"""


def _validate(document: object, name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def ran(lab: Lab, workdir: Path) -> dict[str, object]:
    book = workdir / "play.yml"
    book.write_text(PLAYBOOK)
    result = netraven("run", str(book), "-i", str(lab.inventory), "--output", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return run_json(result)


def test_run_json_equals_jobs_show_json(ran: dict[str, object], workdir: Path) -> None:
    shown = netraven("jobs", "show", "last", "--json", cwd=workdir)
    assert shown.returncode == 0, shown.stderr
    assert run_json(shown) == ran
    _validate(ran, "job-detail.schema.json")
    hosts = ran["hosts"]
    assert isinstance(hosts, dict)
    assert list(hosts) == ["sw-lab-1", "sw-lab-2", "sw-lab-3"]
    tasks = hosts["sw-lab-1"]["tasks"]
    assert [t["status"] for t in tasks] == ["ok", "ok", "changed", "failed"]
    assert tasks[3]["ignored"] is True
    assert ran["stats"]["sw-lab-1"]["ignored"] == 1  # type: ignore[index]
    assert len(ran["backups"]) == 3  # type: ignore[arg-type]


def test_list_and_logs_json_validate(ran: dict[str, object], workdir: Path) -> None:
    listed = netraven("jobs", "list", "--json", cwd=workdir)
    assert listed.returncode == 0, listed.stderr
    jobs = json.loads(listed.stdout)
    _validate(jobs, "job-list.schema.json")
    assert jobs[0] == ran["job"]
    logs = netraven("jobs", "logs", "last", "--json", cwd=workdir)
    assert logs.returncode == 0, logs.stderr
    entries = json.loads(logs.stdout)
    _validate(entries, "job-logs.schema.json")
    assert any(e["host"] == "sw-lab-1" and e["level"] == "info" for e in entries)
