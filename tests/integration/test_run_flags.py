"""`netraven run` flags from Ansible: listing, syntax check, start-at-task, detailed exit codes.

Against the lab over real SSH: every listing and syntax check is proved to contact no device
(the lab's connection log) and to record no job (no store at all); runs are checked by the
recorded results and the devices' running config.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from netraven import exit_codes
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

BOOK = """\
- name: site
  hosts: ams
  pre_tasks:
    - name: Back up
      backup: {}
      tags: [backup]
  roles: [ntp]
  tasks:
    - tags: [blk]
      block:
        - name: Check version
          command: show version
      rescue:
        - name: Report
          debug: {msg: failed}
      always:
        - name: Show clock
          command: show clock
          tags: [clock]
    - name: Rarely
      command: show users
      tags: [never, debug]
  handlers:
    - name: Save
      command: write memory
- hosts: sw-lab-3:sw-lab-4
  tasks:
    - name: Interfaces
      command: show ip interface brief
"""


def _project(workdir: Path) -> Path:
    tasks = workdir / "roles" / "ntp" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(
        "- name: Configure NTP\n  config: {lines: ['ntp server 192.0.2.1']}\n  tags: [ntp]\n"
    )
    book = workdir / "site.yml"
    book.write_text(BOOK)
    return book


def _untouched(lab: Lab, since: float) -> None:
    for n in range(1, 13):
        assert lab.commands(f"sw-lab-{n}", since=since) == [], f"sw-lab-{n} was contacted"


def test_list_hosts_tasks_and_tags_in_ansibles_shape(lab: Lab, workdir: Path) -> None:
    book = _project(workdir)
    since = time.time()
    result = netraven(
        "run", "site.yml", "-i", str(lab.inventory), "-l", "sw-lab-1,sw-lab-3,sw-lab-4",
        "--list-hosts", "--list-tasks", "--list-tags", cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "\nplaybook: site.yml\n"
        "\n  play #1 (ams): site\tTAGS: []\n"
        "    pattern: ['ams']\n"
        "    hosts (2):\n"  # ams ∩ --limit, in inventory order
        "      sw-lab-1\n"
        "      sw-lab-3\n"
        "    tasks:\n"
        "      Back up\tTAGS: [backup]\n"
        "      ntp : Configure NTP\tTAGS: [ntp]\n"
        "      Check version\tTAGS: [blk]\n"
        "      Report\tTAGS: [blk]\n"
        "      Show clock\tTAGS: [blk, clock]\n"
        "      Rarely\tTAGS: [debug, never]\n"  # --list-tags lists `never` too, as Ansible
        "      TASK TAGS: [backup, blk, clock, debug, never, ntp]\n"
        "\n  play #2 (sw-lab-3:sw-lab-4): sw-lab-3:sw-lab-4\tTAGS: []\n"
        "    pattern: ['sw-lab-3:sw-lab-4']\n"
        "    hosts (2):\n"
        "      sw-lab-3\n"
        "      sw-lab-4\n"
        "    tasks:\n"
        "      Interfaces\tTAGS: []\n"
        "      TASK TAGS: []\n"
    )
    assert book.exists()
    assert not (workdir / ".netraven").exists()  # no store opened, so no job recorded
    _untouched(lab, since)


def test_list_tasks_selects_as_tags_would(lab: Lab, workdir: Path) -> None:
    _project(workdir)
    since = time.time()
    inventory = str(lab.inventory)
    plain = netraven("run", "site.yml", "-i", inventory, "--list-tasks", cwd=workdir)
    assert plain.returncode == 0, plain.stderr
    assert "Rarely" not in plain.stdout  # `never` without being asked for
    assert "Save" not in plain.stdout  # handlers are not listed (Ansible neither)
    tagged = netraven(
        "run", "site.yml", "-i", inventory, "--list-tasks", "-t", "blk,debug",
        "--skip-tags", "clock", cwd=workdir,
    )  # fmt: skip
    assert tagged.returncode == 0, tagged.stderr
    listed = [line.strip().split("\t")[0] for line in tagged.stdout.splitlines()]
    assert [n for n in listed if n and not n.startswith(("play", "playbook"))] == [
        "tasks:",
        "Check version",
        "Report",
        "Rarely",
        "tasks:",
    ]
    tags = netraven(
        "run", "site.yml", "-i", inventory, "--list-tags", "--skip-tags", "ntp", cwd=workdir
    )
    assert "TASK TAGS: [backup, blk, clock]\n" in tags.stdout  # no never: tags were given
    _untouched(lab, since)
    assert not (workdir / ".netraven").exists()


def test_list_hosts_checks_input_like_a_run(lab: Lab, workdir: Path) -> None:
    _project(workdir)
    result = netraven(
        "run", "site.yml", "-i", str(lab.inventory), "--list-hosts", "-l", "nosuchhost",
        cwd=workdir,
    )  # fmt: skip
    assert result.returncode == exit_codes.INPUT
    assert "nosuchhost" in result.stderr
    assert not (workdir / ".netraven").exists()


def test_syntax_check_needs_no_inventory_and_reports_file_and_line(lab: Lab, workdir: Path) -> None:
    _project(workdir)
    since = time.time()
    good = netraven("run", "site.yml", "--syntax-check", cwd=workdir)
    assert (good.returncode, good.stdout) == (0, "\nplaybook: site.yml\n"), good.stderr
    (workdir / "roles" / "ntp" / "tasks" / "main.yml").write_text(
        "- name: Configure NTP\n  config: {lines: ['ntp server {{ x ']}\n"
    )
    bad = netraven("run", "site.yml", "--syntax-check", "-i", str(lab.inventory), cwd=workdir)
    assert bad.returncode == exit_codes.INPUT
    assert "roles/ntp/tasks/main.yml:2" in bad.stderr, bad.stderr
    missing_inventory = netraven("run", "site.yml", cwd=workdir)
    assert missing_inventory.returncode == exit_codes.INPUT
    assert "-i/--inventory is required" in missing_inventory.stderr
    _untouched(lab, since)
    assert not (workdir / ".netraven").exists()


START = """\
- name: ntp
  hosts: sw-lab-10
  tasks:
    - name: first server
      config: {lines: ["ntp server 198.51.100.1"]}
    - name: second server
      config: {lines: ["ntp server 198.51.100.2"]}
    - name: third server
      config: {lines: ["ntp server 198.51.100.3"]}
"""


def _jobs(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


def test_start_at_task_runs_only_the_later_tasks(lab: Lab, workdir: Path) -> None:
    (workdir / "ntp.yml").write_text(START)
    inventory = str(lab.inventory)
    since = time.time()
    unknown = netraven("run", "ntp.yml", "-i", inventory, "--start-at-task", "fourth*", cwd=workdir)
    assert unknown.returncode == exit_codes.INPUT
    assert "--start-at-task: no task matches 'fourth*'" in unknown.stderr
    assert lab.commands("sw-lab-10", since=since) == []
    assert _jobs(workdir, "select count(*) from job") == [(0,)]
    result = netraven(
        "run", "ntp.yml", "-i", inventory, "--start-at-task", "second server",
        "--output", "json", cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = run_json(result)
    tasks = document["hosts"]["sw-lab-10"]["tasks"]
    assert [(t["name"], t["status"]) for t in tasks] == [
        ("second server", "changed"),
        ("third server", "changed"),
    ]
    assert document["job"]["options"]["start_at_task"] == "second server"
    assert _jobs(workdir, "select name from task_result order by id") == [
        ("second server",),
        ("third server",),
    ]
    running = lab.running_config("sw-lab-10", workdir)
    assert "ntp server 198.51.100.2" in running and "ntp server 198.51.100.3" in running
    assert "ntp server 198.51.100.1" not in running


DRIFT = """\
- name: ntp
  hosts: sw-lab-11
  tasks:
    - name: NTP
      config: {lines: ["ntp server 198.51.100.61"]}
    - name: Version
      command: show version
"""


def test_detailed_exitcode_reports_drift_until_it_is_fixed(lab: Lab, workdir: Path) -> None:
    (workdir / "drift.yml").write_text(DRIFT)
    args = ("run", "drift.yml", "-i", str(lab.inventory))
    not_checking = netraven(*args, "--detailed-exitcode", cwd=workdir)
    assert not_checking.returncode == exit_codes.INPUT
    assert "--detailed-exitcode needs --check" in not_checking.stderr
    since = time.time()
    drift = netraven(*args, "--check", "--detailed-exitcode", "--output", "json", cwd=workdir)
    assert drift.returncode == exit_codes.CHANGES_PENDING == 6, drift.stderr
    recorded = run_json(drift)
    assert recorded["job"]["exit_code"] == 0 and recorded["job"]["status"] == "succeeded"
    assert recorded["hosts"]["sw-lab-11"]["tasks"][0]["changed"] is True
    assert [c for c in lab.commands("sw-lab-11", since=since) if c["mode"] == "config"] == []
    assert _jobs(workdir, "select exit_code from job") == [(0,)]
    plain_check = netraven(*args, "--check", cwd=workdir)
    assert plain_check.returncode == 0  # without the flag, pending changes are still success
    fixed = netraven(*args, cwd=workdir)
    assert fixed.returncode == 0, fixed.stderr
    assert "ntp server 198.51.100.61" in lab.running_config("sw-lab-11", workdir)
    clean = netraven(*args, "--check", "--detailed-exitcode", cwd=workdir)
    assert clean.returncode == 0, clean.stderr


def test_detailed_exitcode_keeps_failure_codes(lab: Lab, workdir: Path) -> None:
    (workdir / "fail.yml").write_text(
        DRIFT.replace("ntp server 198.51.100.61", "ntp server 198.51.100.62").replace(
            "show version", "show bogus-thing"
        )
    )
    result = netraven(
        "run", "fail.yml", "-i", str(lab.inventory), "--check", "--detailed-exitcode",
        cwd=workdir,
    )  # fmt: skip
    assert result.returncode == exit_codes.FAILED, result.stderr
