"""`netraven backups list|show|diff` against backups the real runner took from the lab."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import netraven
from tests.integration.conftest import Lab

HOST = "sw-lab-4"
NTP = "ntp server 192.0.2.123"
BACKUP = f"- hosts: {HOST}\n  tasks:\n    - backup: {{}}\n"
ADD_NTP = f'- hosts: {HOST}\n  tasks:\n    - config: {{lines: ["{NTP}"]}}\n'
REMOVE_NTP = f'- hosts: {HOST}\n  tasks:\n    - config: {{lines: ["no {NTP}"]}}\n'


def run(workdir: Path, lab: Lab, text: str) -> None:
    book = workdir / "book.yml"
    book.write_text(text)
    result = netraven("run", str(book), "-i", str(lab.inventory), cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr


def stored(workdir: Path) -> list[tuple[int, int, str, str]]:
    """(id, job_id, sha256, text) of the host's stored backups, oldest first."""
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(
            "select id, job_id, sha256, text from config_backup where host = ? order by id",
            (HOST,),
        ).fetchall()


def test_list_show_and_diff_two_versions(lab: Lab, workdir: Path) -> None:
    run(workdir, lab, BACKUP)  # job 1: version 1
    run(workdir, lab, BACKUP)  # job 2: identical, not stored again
    try:
        run(workdir, lab, ADD_NTP)  # job 3
        run(workdir, lab, BACKUP)  # job 4: version 2
    finally:
        run(workdir, lab, REMOVE_NTP)  # leave the shared lab device as it was
    rows = stored(workdir)
    assert [(r[1]) for r in rows] == [1, 4]

    listed = netraven("backups", "list", HOST, "--json", cwd=workdir)
    assert listed.returncode == 0, listed.stderr
    versions = json.loads(listed.stdout)
    assert [(v["version"], v["job_id"], v["sha256"]) for v in versions] == [
        (2, 4, rows[1][2]),
        (1, 1, rows[0][2]),
    ]
    assert versions[0]["size"] == len(rows[1][3].encode())
    assert versions[0]["created_at"].endswith("Z") and versions[0]["host"] == HOST
    text_list = netraven("backups", "list", cwd=workdir)
    assert text_list.returncode == 0, text_list.stderr
    lines = text_list.stdout.splitlines()
    assert lines[0].split() == ["HOST", "VERSION", "JOB", "SHA256", "SIZE", "CREATED"]
    assert lines[1].split()[:5] == [HOST, "2", "4", rows[1][2][:12], str(versions[0]["size"])]
    assert lines[2].split()[:4] == [HOST, "1", "1", rows[0][2][:12]]

    newest = netraven("backups", "show", HOST, cwd=workdir)
    assert newest.returncode == 0, newest.stderr
    assert newest.stdout.rstrip("\n") == rows[1][3].rstrip("\n")  # the stored text, whole
    assert NTP in newest.stdout.splitlines()
    assert "snmp-server community ********" in newest.stdout  # stored redacted
    assert "community public" not in newest.stdout
    first = netraven("backups", "show", HOST, "1", "--json", cwd=workdir)
    document = json.loads(first.stdout)
    assert (document["version"], document["job_id"], document["text"]) == (1, 1, rows[0][3])
    assert NTP not in document["text"]
    for ref in ("latest", "-1", "2"):
        same = netraven("backups", "show", HOST, ref, "--json", cwd=workdir)
        assert json.loads(same.stdout)["text"] == rows[1][3], ref
    assert (
        json.loads(netraven("backups", "show", HOST, "-2", "--json", cwd=workdir).stdout)["version"]
        == 1
    )

    diff = netraven("backups", "diff", HOST, cwd=workdir)
    assert diff.returncode == 0, diff.stderr
    body = diff.stdout.splitlines()
    assert body[:2] == [f"--- {HOST} v1 (job 1)", f"+++ {HOST} v2 (job 4)"]
    changes = [line for line in body[2:] if line.startswith(("+", "-"))]
    assert [line for line in changes if line != "+!"] == [f"+{NTP}"]  # "!" only separates
    as_json = json.loads(netraven("backups", "diff", HOST, "--json", cwd=workdir).stdout)
    assert (as_json["old"]["version"], as_json["new"]["version"]) == (1, 2)
    assert as_json["identical"] is False and as_json["diff"] == diff.stdout
    reverse = netraven("backups", "diff", HOST, "2", "1", cwd=workdir)
    undo = [line for line in reverse.stdout.splitlines()[2:] if line.startswith(("+", "-"))]
    assert [line for line in undo if line != "-!"] == [f"-{NTP}"]
    same = netraven("backups", "diff", HOST, "-1", "2", cwd=workdir)
    assert same.returncode == 0 and same.stdout == "" and "identical" in same.stderr


def test_bad_references_are_input_errors(lab: Lab, workdir: Path) -> None:
    run(workdir, lab, BACKUP)
    cases = {
        ("diff", HOST): "has only 1 stored backup",
        ("show", "sw-lab-404"): "no stored backups for host 'sw-lab-404'",
        ("list", "sw-lab-404"): "no stored backups for host 'sw-lab-404'",
        ("show", HOST, "7"): "no backup version 7",
        ("show", HOST, "0"): "start at 1",
        ("show", HOST, "newest"): "must be a number, 'latest' or -N",
        ("diff", HOST, "1"): "give two versions",
    }
    for args, message in cases.items():
        result = netraven("backups", *args, cwd=workdir)
        assert result.returncode == 5, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, args
        assert "Traceback" not in result.stderr
