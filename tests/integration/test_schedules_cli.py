"""``netraven schedules`` and ``netraven templates`` through the real CLI, on a SQLite file
and on the PostgreSQL at 127.0.0.1:5432, running against the SSH lab."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, netraven, run_json
from tests.fixtures.postgres import temporary_schema
from tests.integration.conftest import Lab

HOST = "sw-lab-7"
SCHEMAS = ROOT / "docs" / "schema"


def conforms(document: object, schema: str) -> None:
    """The printed JSON is what docs/schema publishes."""
    jsonschema.validate(document, json.loads((SCHEMAS / schema).read_text()))


NTP_V1 = "ntp server {{ ntp_server }}\n"
NTP_V2 = "ntp server {{ ntp_server }}\nntp server 192.0.2.202\n"


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with temporary_schema() as (url, _schema):
        yield url


def cli(workdir: Path, db: str, *args: str) -> tuple[int, str, str]:
    result = netraven(*args, "--db", db, cwd=workdir)
    return result.returncode, result.stdout, result.stderr


def inventory_with_a_dead_host(lab: Lab, target: Path) -> Path:
    """The lab inventory plus a host on a port nothing listens on."""
    copy = lab.inventory_copy(target)
    hosts = yaml.safe_load((copy / "hosts.yaml").read_text())
    hosts["dead-1"] = {"hostname": "127.0.0.1", "port": 1, "groups": ["core"]}
    (copy / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return copy


def test_schedules_cli_and_a_reachability_run_against_the_lab(
    lab: Lab, workdir: Path, db: str
) -> None:
    inventory = inventory_with_a_dead_host(lab, workdir / "inventory")
    book = workdir / "show.yml"
    book.write_text("- hosts: all\n  tasks:\n    - command: show clock\n")
    code, out, err = cli(
        workdir,
        db,
        "schedules",
        "add",
        "reach",
        "--handler",
        "reachability",
        "-i",
        str(inventory),
        "-l",
        f"{HOST},sw-lab-8,dead-1",
        "--every",
        "10m",
    )
    assert code == 0, err
    assert out.startswith("schedule 'reach' added: every 10m (UTC), next run ")
    code, _, err = cli(
        workdir,
        db,
        "schedules",
        "add",
        "nightly",
        "--playbook",
        str(book),
        "-i",
        str(inventory),
        "--weekly",
        "mon,fri 02:30",
        "--timezone",
        "Europe/Amsterdam",
        "--missed",
        "skip",
    )
    assert code == 0, err
    bad = [
        (["--every", "10m", "--daily", "02:00"], "give exactly one of --every"),
        (["--cron", "61 * * * *"], "not a valid cron expression"),
        (["--daily", "02:00", "--timezone", "Nowhere/City"], "unknown time zone"),
        (["--daily", "02:00", "--missed", "later"], "missed: must be one of run_once, skip"),
        (["--daily", "02:00", "-e", "enable_password=x"], "secret-looking values are never"),
    ]
    for extra, message in bad:
        code, _, err = cli(
            workdir,
            db,
            "schedules",
            "add",
            "bad",
            "--handler",
            "reachability",
            "-i",
            str(inventory),
            *extra,
        )
        assert code == 5 and message in err and "Traceback" not in err, (extra, err)
    code, _, err = cli(
        workdir,
        db,
        "schedules",
        "add",
        "reach",
        "--handler",
        "reachability",
        "-i",
        str(inventory),
        "--every",
        "1h",
    )
    assert code == 5 and "a schedule named 'reach' exists already" in err

    code, out, err = cli(workdir, db, "schedules", "run-now", "reach")
    assert code == 4, out + err  # one host unreachable: exit 4, as a run would
    assert out.strip() == "schedule 'reach': job 1 failed"
    detail = run_json(netraven("jobs", "show", "1", "--json", "--db", db, cwd=workdir))
    assert detail["job"]["user"] == "schedule:reach"
    assert detail["job"]["playbook"] == "schedule:reach:reachability"
    assert {h: v["status"] for h, v in detail["hosts"].items()} == {
        HOST: "ok",
        "sw-lab-8": "ok",
        "dead-1": "unreachable",
    }
    banner = detail["hosts"][HOST]["tasks"][0]["output"]
    assert banner.startswith("SSH-2.0-")
    assert "TCP connect to 127.0.0.1:1" in detail["hosts"]["dead-1"]["error"]
    assert lab.commands(HOST) == [] or all(c["device"] == HOST for c in lab.commands(HOST))

    code, out, _ = cli(workdir, db, "schedules", "list", "--json")
    conforms(json.loads(out), "schedules.schema.json")
    listed = {s["name"]: s for s in json.loads(out)}
    assert listed["reach"]["last_job_id"] == 1 and listed["reach"]["last_status"] == "failed"
    assert listed["nightly"]["timing"] == "weekly mon,fri 02:30"
    assert listed["nightly"]["next_run_at"].endswith(("00:30:00Z", "01:30:00Z"))
    assert listed["nightly"]["playbook"] == str(book.resolve())
    assert cli(workdir, db, "schedules", "disable", "nightly")[0] == 0
    code, out, _ = cli(workdir, db, "schedules", "show", "nightly")
    assert json.loads(out)["enabled"] is False and json.loads(out)["next_run_at"] is None
    code, out, _ = cli(workdir, db, "schedules", "enable", "nightly")
    assert code == 0 and "enabled, next run" in out
    assert cli(workdir, db, "schedules", "remove", "nightly")[0] == 0
    code, _, err = cli(workdir, db, "schedules", "remove", "nightly")
    assert code == 5 and "no schedule named 'nightly'" in err


def test_backup_schedule_against_the_lab_stores_the_running_config(lab: Lab, workdir: Path) -> None:
    db = f"sqlite:///{workdir / 'store.db'}"
    code, _, err = cli(
        workdir,
        db,
        "schedules",
        "add",
        "cfg",
        "--handler",
        "backup",
        "-i",
        str(lab.inventory),
        "-l",
        HOST,
        "--daily",
        "03:00",
    )
    assert code == 0, err
    code, out, err = cli(workdir, db, "schedules", "run-now", "cfg")
    assert code == 0, out + err
    listed = json.loads(cli(workdir, db, "backups", "list", "--json")[1])
    assert [(b["host"], b["job_id"]) for b in listed] == [(HOST, 1)]
    stored = cli(workdir, db, "backups", "show", HOST)[1].splitlines()
    running = lab.running_config(HOST, workdir).splitlines()
    # The backup is the running config without the banner lines IOS wraps it in.
    assert f"hostname {HOST}" in stored and len(stored) > 10
    assert running[running.index(stored[0]) :][: len(stored)] == stored


def test_templates_cli_and_a_run_that_renders_repository_versions(
    lab: Lab, workdir: Path, db: str
) -> None:
    source = workdir / "templates"
    source.mkdir()
    (source / "ntp.j2").write_text(NTP_V1)
    code, out, err = cli(workdir, db, "templates", "import", str(source))
    assert code == 0 and out.splitlines()[-1] == "1 new version(s), 0 unchanged", err
    code, out, _ = cli(workdir, db, "templates", "import", str(source))
    assert out.splitlines()[-1] == "0 new version(s), 1 unchanged"
    body = workdir / "v2.j2"
    body.write_text(NTP_V2)
    code, out, err = cli(
        workdir, db, "templates", "new-version", "ntp", str(body), "-m", "second server"
    )
    assert code == 0 and out.startswith("repo:ntp@2 created"), err
    versions = json.loads(cli(workdir, db, "templates", "versions", "ntp", "--json")[1])
    conforms(versions, "template-versions.schema.json")
    conforms(
        json.loads(cli(workdir, db, "templates", "diff", "ntp", "--json")[1]),
        "template-diff.schema.json",
    )
    assert [(v["version"], v["message"]) for v in versions][1] == (2, "second server")
    assert versions[0]["message"].startswith(f"imported from {source}")
    code, out, _ = cli(workdir, db, "templates", "diff", "ntp", "1", "2")
    assert out.splitlines()[:3] == ["--- repo:ntp@1", "+++ repo:ntp@2", "@@ -1 +1,2 @@"]
    assert cli(workdir, db, "templates", "show", "ntp@1")[1] == NTP_V1

    code, out, err = cli(
        workdir,
        db,
        "templates",
        "preview",
        "ntp",
        "-i",
        str(lab.inventory),
        "--host",
        HOST,
        "-e",
        "ntp_server=192.0.2.201",
    )
    assert code == 0 and out == "ntp server 192.0.2.201\nntp server 192.0.2.202\n", err

    book = workdir / "ntp.yml"
    book.write_text(
        f"- hosts: {HOST}\n  vars: {{ntp_server: 192.0.2.201}}\n  tasks:\n"
        '    - config: {template: "repo:ntp@2"}\n'
    )
    undo = workdir / "undo.yml"
    undo.write_text(
        f"- hosts: {HOST}\n  tasks:\n    - config:\n        lines:\n"
        "          - no ntp server 192.0.2.201\n          - no ntp server 192.0.2.202\n"
    )
    try:
        result = netraven(
            "run", str(book), "-i", str(lab.inventory), "--db", db, "--output", "json", cwd=workdir
        )
        document = run_json(result)
        assert result.returncode == 0, result.stderr
        assert document["templates"] == [
            {"name": "ntp", "version": 2, "sha256": versions[1]["sha256"]}
        ]
        assert "ntp server 192.0.2.202" in lab.running_config(HOST, workdir)
    finally:
        assert (
            netraven("run", str(undo), "-i", str(lab.inventory), "--db", db, cwd=workdir).returncode
            == 0
        )
    shown = netraven("jobs", "show", "1", "--db", db, cwd=workdir)
    assert "templates rendered: repo:ntp@2" in shown.stdout

    code, _, err = cli(
        workdir,
        db,
        "schedules",
        "add",
        "ntp",
        "--playbook",
        str(book),
        "-i",
        str(lab.inventory),
        "--daily",
        "04:00",
    )
    assert code == 0, err
    code, _, err = cli(workdir, db, "templates", "delete", "ntp")
    assert code == 5 and "used by schedule(s) ntp" in err
    export = workdir / "export"
    code, out, _ = cli(workdir, db, "templates", "export", str(export))
    assert (export / "ntp.j2").read_text() == NTP_V2
    assert cli(workdir, db, "schedules", "remove", "ntp")[0] == 0
    assert cli(workdir, db, "templates", "delete", "ntp")[0] == 0
    assert cli(workdir, db, "templates", "list")[1].strip() == "no templates"
    missing = netraven("run", str(book), "-i", str(lab.inventory), "--db", db, cwd=workdir)
    assert missing.returncode == 5
    assert "repo:ntp@2: the template repository has no template 'ntp'" in missing.stderr
