"""`netraven run` against the lab over real SSH: backups, config, check mode, failures."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

BACKUP = """\
- name: backup
  hosts: all
  tasks:
    - name: Back up running config
      backup: {}
"""

NTP = """\
- name: ntp
  hosts: all
  vars:
    ntp_servers: [{servers}]
  tasks:
    - name: Configure NTP
      config:
        lines:
          - "{{% for s in ntp_servers %}}ntp server {{{{ s }}}}\\n{{% endfor %}}"
          - interface GigabitEthernet1/0/3
          - " description uplink to {{{{ inventory_hostname }}}}-core"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def db_rows(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


def test_backup_is_stored_once_per_change(lab: Lab, workdir: Path) -> None:
    book = write(workdir / "backup.yml", BACKUP)
    first = netraven(
        "run", str(book), "-i", str(lab.inventory), "-l", "sw-lab-1,sw-lab-2", cwd=workdir
    )
    assert first.returncode == 0, first.stderr
    assert "ok: [sw-lab-1] Back up running config" in first.stdout
    rows = db_rows(workdir, "select host, sha256, text from config_backup order by host")
    assert [r[0] for r in rows] == ["sw-lab-1", "sw-lab-2"]
    assert "hostname sw-lab-1" in str(rows[0][2])
    assert "Current configuration" not in str(rows[0][2])  # volatile header stripped
    second = netraven(
        "run", str(book), "-i", str(lab.inventory), "-l", "sw-lab-1,sw-lab-2", cwd=workdir
    )
    assert second.returncode == 0
    assert len(db_rows(workdir, "select id from config_backup")) == 2
    jobs = db_rows(workdir, "select id, status, exit_code from job order by id")
    assert jobs == [(1, "succeeded", 0), (2, "succeeded", 0)]


def test_config_push_is_idempotent(lab: Lab, workdir: Path) -> None:
    book = write(workdir / "ntp.yml", NTP.format(servers="192.0.2.11, 192.0.2.12"))
    args = ("run", str(book), "-i", str(lab.inventory), "-l", "sw-lab-3", "--output", "json")
    first = run_json(netraven(*args, cwd=workdir))
    task = first["hosts"]["sw-lab-3"]["tasks"][0]
    assert task["changed"] is True and task["status"] == "changed"
    assert first["stats"]["sw-lab-3"]["changed"] == 1
    started = time.time()
    second = netraven(*args, cwd=workdir)
    assert second.returncode == 0
    again = run_json(second)
    assert again["hosts"]["sw-lab-3"]["tasks"][0]["changed"] is False
    assert again["stats"]["sw-lab-3"]["changed"] == 0
    sent = [c for c in lab.commands("sw-lab-3", since=started) if c["mode"] == "config"]
    assert sent == [], f"second run sent configuration: {sent}"
    output = lab.running_config("sw-lab-3", workdir)
    assert "ntp server 192.0.2.11" in output and "ntp server 192.0.2.12" in output
    assert "description uplink to sw-lab-3-core" in output


def test_check_mode_sends_no_configuration(lab: Lab, workdir: Path) -> None:
    book = write(
        workdir / "ntp.yml",
        NTP.format(servers="192.0.2.99")
        + """\
    - name: Save
      command: write memory
""",
    )
    started = time.time()
    result = netraven(
        "run",
        str(book),
        "-i",
        str(lab.inventory),
        "-l",
        "sw-lab-4",
        "--check",
        "--diff",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    assert "changed: [sw-lab-4] Configure NTP" in result.stdout
    assert "+ntp server 192.0.2.99" in result.stdout  # the diff
    assert "skipping: [sw-lab-4] Save" in result.stdout
    received = lab.commands("sw-lab-4", since=started)
    assert received, "the device saw no session at all"
    modes = {c["mode"] for c in received}
    assert "config" not in modes
    commands = [c["command"] for c in received]
    assert not any(c.startswith(("conf", "write", "ntp")) for c in commands), commands
    assert "192.0.2.99" not in lab.running_config("sw-lab-4", workdir)


def test_failing_assert_exits_2_and_other_hosts_continue(lab: Lab, workdir: Path) -> None:
    book = write(
        workdir / "assert.yml",
        """\
- hosts: sw-lab-5,sw-lab-6
  tasks:
    - command: show running-config | include hostname
      register: name
    - assert:
        that: ["'sw-lab-5' in name.output"]
        fail_msg: "{{ inventory_hostname }} is not sw-lab-5"
    - name: After the assert
      command: show clock
""",
    )
    result = netraven("run", str(book), "-i", str(lab.inventory), "--output", "json", cwd=workdir)
    assert result.returncode == 2
    doc = run_json(result)
    assert doc["job"]["status"] == "failed"
    assert doc["hosts"]["sw-lab-6"]["status"] == "failed"
    failed = doc["hosts"]["sw-lab-6"]["tasks"][1]
    assert failed["failed"] is True and failed["error"] == "sw-lab-6 is not sw-lab-5"
    assert len(doc["hosts"]["sw-lab-6"]["tasks"]) == 2  # later tasks skipped
    assert [t["name"] for t in doc["hosts"]["sw-lab-5"]["tasks"]][-1] == "After the assert"
    assert doc["stats"]["sw-lab-6"]["failed"] == 1 and doc["stats"]["sw-lab-5"]["failed"] == 0


def test_unreachable_host_exits_4(lab: Lab, workdir: Path) -> None:
    inventory = lab.inventory_copy(
        workdir / "inv", **{"ghost": {"hostname": "127.0.0.1", "port": 1, "groups": ["ams"]}}
    )
    book = write(
        workdir / "b.yml", "- hosts: ghost,sw-lab-7\n  tasks:\n    - command: show version\n"
    )
    result = netraven("run", str(book), "-i", str(inventory), cwd=workdir)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "unreachable: [ghost]" in result.stdout
    assert "ok: [sw-lab-7]" in result.stdout
    assert db_rows(workdir, "select host, status from host_result order by host") == [
        ("ghost", "unreachable"),
        ("sw-lab-7", "ok"),
    ]


def test_failed_beats_unreachable_in_exit_code(lab: Lab, workdir: Path) -> None:
    inventory = lab.inventory_copy(
        workdir / "inv", **{"ghost": {"hostname": "127.0.0.1", "port": 1}}
    )
    book = write(
        workdir / "b.yml", "- hosts: ghost,sw-lab-7\n  tasks:\n    - command: show nonsense\n"
    )
    result = netraven("run", str(book), "-i", str(inventory), cwd=workdir)
    assert result.returncode == 2
    assert "% Invalid input" not in result.stdout or "-v" in result.args
    assert "failed: [sw-lab-7]" in result.stdout


def test_undefined_variable_fails_the_task_not_renders_empty(lab: Lab, workdir: Path) -> None:
    book = write(
        workdir / "u.yml",
        """\
- hosts: sw-lab-8
  tasks:
    - config:
        lines: ["ntp server {{ missing_server }}"]
""",
    )
    started = time.time()
    result = netraven("run", str(book), "-i", str(lab.inventory), "--output", "json", cwd=workdir)
    assert result.returncode == 2
    error = run_json(result)["hosts"]["sw-lab-8"]["tasks"][0]["error"]
    assert "missing_server" in error and "undefined" in error
    assert not [c for c in lab.commands("sw-lab-8", since=started) if c["mode"] == "config"]


def test_tags_limit_and_extra_vars(lab: Lab, workdir: Path) -> None:
    book = write(
        workdir / "t.yml",
        """\
- hosts: all
  vars: {greeting: play}
  tasks:
    - name: tagged
      command: "show running-config | include {{ greeting }}"
      tags: [probe]
    - name: untagged
      command: show version
    - name: always runs
      assert: {that: "greeting == 'extra'"}
      tags: [always]
""",
    )
    result = netraven(
        "run",
        str(book),
        "-i",
        str(lab.inventory),
        "-l",
        "tag:lon:&access",
        "-t",
        "probe",
        "-e",
        "greeting=extra",
        "--output",
        "json",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    doc = run_json(result)
    # lon hosts are the even-numbered ones; every 5th is core
    assert sorted(doc["hosts"]) == ["sw-lab-12", "sw-lab-2", "sw-lab-4", "sw-lab-6", "sw-lab-8"]
    names = [t["name"] for t in doc["hosts"]["sw-lab-2"]["tasks"]]
    assert names == ["tagged", "always runs"]


def test_netmiko_connection_for_a_host(lab: Lab, workdir: Path) -> None:
    inventory = lab.inventory_copy(
        workdir / "inv", **{"sw-lab-9": {"data": {"tags": ["lab"], "connection": "netmiko"}}}
    )
    book = write(workdir / "n.yml", NTP.format(servers="192.0.2.77") + VERIFY_TASK)
    result = netraven(
        "run", str(book), "-i", str(inventory), "-l", "sw-lab-9", "--output", "json", cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tasks = run_json(result)["hosts"]["sw-lab-9"]["tasks"]
    assert tasks[0]["changed"] is True
    assert "ntp server 192.0.2.77" in tasks[1]["output"]


VERIFY_TASK = """\
    - command: show running-config | include ntp
"""


def test_pattern_matching_nothing_warns_and_exits_0(lab: Lab, workdir: Path) -> None:
    book = write(
        workdir / "e.yml", "- hosts: tag:nonexistent\n  tasks:\n    - command: show version\n"
    )
    result = netraven("run", str(book), "-i", str(lab.inventory), cwd=workdir)
    assert result.returncode == 0
    assert "no host has tag 'nonexistent'" in result.stderr


def test_unknown_host_name_is_an_input_error(lab: Lab, workdir: Path) -> None:
    book = write(workdir / "e.yml", "- hosts: sw-lab-404\n  tasks:\n    - command: show version\n")
    result = netraven("run", str(book), "-i", str(lab.inventory), cwd=workdir)
    assert result.returncode == 5
    assert "unknown host or group 'sw-lab-404'" in result.stderr
    assert "Traceback" not in result.stderr


def test_junit_output_and_git_commit(lab: Lab, workdir: Path) -> None:
    import subprocess
    import xml.etree.ElementTree as ET

    repo = workdir / "repo"
    repo.mkdir()
    book = write(
        repo / "j.yml",
        """\
- hosts: sw-lab-1,sw-lab-2
  tasks:
    - name: version
      command: show version
    - name: must be sw-lab-1
      assert: {that: "inventory_hostname == 'sw-lab-1'"}
""",
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "j.yml"], check=True)
    subprocess.run([*git, "commit", "-qm", "playbook"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    result = netraven(
        "run",
        str(book),
        "-i",
        str(lab.inventory),
        "--output",
        "junit",
        "--output-file",
        "out.xml",
        cwd=workdir,
    )
    assert result.returncode == 2
    suite = ET.parse(workdir / "out.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "1"
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    play = "sw-lab-1,sw-lab-2"  # an unnamed play is titled by its pattern
    assert set(cases) == {
        (h, f"{play} / {t}")
        for h in ("sw-lab-1", "sw-lab-2")
        for t in ("version", "must be sw-lab-1")
    }
    assert cases[("sw-lab-2", f"{play} / must be sw-lab-1")].find("failure") is not None
    assert cases[("sw-lab-1", f"{play} / must be sw-lab-1")].find("failure") is None
    assert "PLAY RECAP" in result.stdout  # text still goes to the terminal
    jobs = db_rows(workdir, "select git_commit from job")
    assert jobs == [(head,)]
    book.write_text(book.read_text() + "\n# local edit\n")
    netraven("run", str(book), "-i", str(lab.inventory), cwd=workdir)
    assert db_rows(workdir, "select git_commit from job order by id")[-1] == (f"{head}-dirty",)
