"""Recovery policies against a lab that fails on purpose, over real SSH.

Each test gives its own devices faults through the real ``netraven lab fault`` CLI
and proves the outcome from the job store and the lab's connection/command log.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab


@pytest.fixture(scope="module")
def fault_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(tmp_path_factory.mktemp("faultlab"), devices=12)
    yield lab
    control.down(lab.directory)


@pytest.fixture
def faults(fault_lab: Lab) -> Iterator[object]:
    """Set faults with the CLI; every device is cleared again afterwards."""

    def set_fault(device: str, kind: str, *argument: str) -> None:
        result = netraven(
            "lab",
            "fault",
            device,
            kind,
            *argument,
            "--dir",
            str(fault_lab.directory),
            cwd=fault_lab.directory,
        )
        assert result.returncode == 0, result.stderr

    yield set_fault
    for i in range(1, 13):
        control.set_fault(fault_lab.directory, f"sw-lab-{i}", "clear")


def book(workdir: Path, text: str) -> str:
    (workdir / "play.yml").write_text(text)
    return "play.yml"


def rows(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


def opens(lab: Lab, device: str, since: float) -> list[str]:
    return [c["command"] for c in lab.commands(device, since) if c["mode"] == "connection"]


def test_retries_recover_a_flapping_device(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-2", "flap", "2")
    started = time.time()
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-2
  recovery: {retries: 3, backoff: {initial: 0.1, max: 1, jitter: false}}
  tasks:
    - command: show version
""",
        ),
        "-i",
        str(fault_lab.inventory),
        cwd=workdir,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert rows(workdir, "select status, attempts from task_result") == [("ok", 3)]
    assert opens(fault_lab, "sw-lab-2", started) == [
        "open",
        "flap-drop",
        "open",
        "flap-drop",
        "open",
    ]
    retries = [
        m
        for (m,) in rows(workdir, "select message from log_entry where level = 'warning'")
        if "attempt" in m
    ]
    assert len(retries) == 2 and "retrying in 0.1s" in retries[0]
    assert "retrying in 0.2s" in retries[1]


def test_authentication_failures_are_not_retried(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-4", "auth")
    started = time.time()
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-4
  recovery: {retries: 3, backoff: {initial: 0.1}}
  tasks:
    - command: show version
""",
        ),
        "-i",
        str(fault_lab.inventory),
        cwd=workdir,
    )
    assert result.returncode == 4
    assert rows(workdir, "select status, attempts from task_result") == [("unreachable", 1)]
    assert opens(fault_lab, "sw-lab-4", started) == ["open", "auth-rejected"]


def test_site_breaker_skips_the_rest_of_the_group(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    for device in ("sw-lab-1", "sw-lab-3", "sw-lab-5"):  # ams is the odd-numbered devices
        faults(device, "refuse")
    playbook = book(
        workdir,
        """\
- hosts: ams
  recovery:
    circuit_breaker: {scope: group, threshold: 3, reset_after: 120}
  tasks:
    - command: show version
""",
    )
    started = time.time()
    first = netraven(
        "run", playbook, "-i", str(fault_lab.inventory), "-f", "50", "--output", "json", cwd=workdir
    )
    assert first.returncode == 4, first.stderr
    hosts = run_json(first)["hosts"]
    for dead in ("sw-lab-1", "sw-lab-3", "sw-lab-5"):
        assert hosts[dead]["status"] == "unreachable"
    for spared in ("sw-lab-7", "sw-lab-9", "sw-lab-11"):
        assert hosts[spared]["status"] == "skipped"
        assert hosts[spared]["error"] == "circuit open: group:ams"
        assert opens(fault_lab, spared, started) == [], f"{spared} was contacted"
    listed = json.loads(netraven("breakers", "list", "--json", cwd=workdir).stdout)
    assert [(b["scope_key"], b["state"], b["failures"]) for b in listed] == [
        ("group:ams", "open", 3)
    ]
    shown = json.loads(netraven("jobs", "show", "1", "--json", cwd=workdir).stdout)
    assert shown["open_breakers"][0]["scope_key"] == "group:ams"

    # Back to back: the next run honours the stored breaker and contacts nobody.
    started = time.time()
    second = netraven(
        "run", playbook, "-i", str(fault_lab.inventory), "--output", "json", cwd=workdir
    )
    assert {h["status"] for h in run_json(second)["hosts"].values()} == {"skipped"}
    assert all(opens(fault_lab, f"sw-lab-{i}", started) == [] for i in (7, 9, 11))

    # Half-open after reset_after: one trial host; the site is healthy again, so it closes.
    # Rather than sleep 120 s (or race a short reset_after against slow CLI start-ups), the
    # stored opening time is moved back past reset_after, as the clock would have.
    for device in ("sw-lab-1", "sw-lab-3", "sw-lab-5"):
        faults(device, "clear")
    store = sqlite3.connect(workdir / ".netraven" / "netraven.db")
    with store:
        store.execute(
            "UPDATE breaker SET opened_at = ? WHERE scope_key = 'group:ams'",
            ((datetime.now(UTC) - timedelta(seconds=121)).strftime("%Y-%m-%d %H:%M:%S.%f"),),
        )
    store.close()
    third = netraven("run", playbook, "-i", str(fault_lab.inventory), cwd=workdir)
    assert third.returncode == 0, third.stdout
    assert json.loads(netraven("breakers", "list", "--json", cwd=workdir).stdout) == []


def test_breaker_reset_command(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-12", "refuse")
    playbook = book(
        workdir,
        """\
- hosts: sw-lab-12
  recovery: {circuit_breaker: {scope: host, threshold: 1}}
  tasks:
    - command: show version
""",
    )
    netraven("run", playbook, "-i", str(fault_lab.inventory), cwd=workdir)
    assert "host:sw-lab-12" in netraven("breakers", "list", cwd=workdir).stdout
    faults("sw-lab-12", "clear")
    skipped = netraven("run", playbook, "-i", str(fault_lab.inventory), cwd=workdir)
    assert "skipping: [sw-lab-12] circuit open: host:sw-lab-12" in skipped.stdout
    reset = netraven("breakers", "reset", "host:sw-lab-12", cwd=workdir)
    assert reset.returncode == 0 and "reset 1" in reset.stdout
    assert netraven("run", playbook, "-i", str(fault_lab.inventory), cwd=workdir).returncode == 0


def test_rollback_restores_the_exact_config(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-6", "reject-config", "ntp server 192.0.2.3")
    before = fault_lab.running_config("sw-lab-6", workdir)
    started = time.perf_counter()
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-6
  recovery: {on_failure: rollback}
  tasks:
    - name: interface
      config:
        lines: [interface GigabitEthernet1/0/5, " description moved", " shutdown"]
    - name: ntp
      config:
        lines: [ntp server 192.0.2.1, ntp server 192.0.2.3, ntp server 192.0.2.4]
""",
        ),
        "-i",
        str(fault_lab.inventory),
        "--output",
        "json",
        cwd=workdir,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    doc = run_json(result)
    assert doc["hosts"]["sw-lab-6"]["status"] == "rolled_back"
    last = doc["hosts"]["sw-lab-6"]["tasks"][-1]
    assert last["status"] == "rolled_back" and "rolled back" in last["error"]
    assert fault_lab.running_config("sw-lab-6", workdir) == before
    # The pre-change configuration was kept as a backup row before the first change.
    backups = rows(workdir, "select text from config_backup where host = 'sw-lab-6'")
    assert len(backups) == 1 and "ntp server 192.0.2.1" not in str(backups[0][0])
    assert rows(workdir, "select status from host_result") == [("rolled_back",)]
    assert elapsed < 30


def test_failed_rollback_is_loud(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-10
  recovery: {on_failure: rollback}
  tasks:
    - config:
        lines: [interface GigabitEthernet1/0/7, " description temporary"]
      rollback: [interface GigabitEthernet1/0/7, " description not what it was"]
    - assert: {that: "false", fail_msg: "verification failed"}
""",
        ),
        "-i",
        str(fault_lab.inventory),
        cwd=workdir,
    )
    assert result.returncode == 2
    assert "rollback_failed: [sw-lab-10]" in result.stdout
    assert "- description access port 7" in result.stdout  # the diff is shown
    assert "+ description not what it was" in result.stdout
    assert rows(workdir, "select status from host_result") == [("rollback_failed",)]


def test_hung_device_times_out_and_does_not_stall(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-8", "hang")
    inventory = fault_lab.inventory_copy(workdir / "inv")
    hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    hosts["sw-lab-8"]["data"]["timeout"] = 2
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    started = time.perf_counter()
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-8,sw-lab-9,sw-lab-11
  tasks:
    - command: show version
    - command: show clock
""",
        ),
        "-i",
        str(inventory),
        "--output",
        "json",
        cwd=workdir,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 4
    doc = run_json(result)
    assert doc["hosts"]["sw-lab-8"]["status"] == "unreachable"
    assert "timed out" in doc["hosts"]["sw-lab-8"]["tasks"][0]["error"]
    assert [len(doc["hosts"][h]["tasks"]) for h in ("sw-lab-9", "sw-lab-11")] == [2, 2]
    assert elapsed < 15, f"the run took {elapsed:.1f}s with a 2s device timeout"
    assert len(rows(workdir, "select id from task_result")) == 5


def test_abort_stops_the_play_exit_8(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-10", "refuse")
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-9,sw-lab-10,sw-lab-11,sw-lab-12
  recovery: {on_failure: abort}
  tasks:
    - command: show version
- hosts: all
  tasks:
    - command: show version
""",
        ),
        "-i",
        str(fault_lab.inventory),
        "-f",
        "1",
        "--output",
        "json",
        cwd=workdir,
    )
    assert result.returncode == 8, result.stderr
    doc = run_json(result)
    status = {h: v["status"] for h, v in doc["hosts"].items()}
    assert status == {
        "sw-lab-9": "ok",
        "sw-lab-10": "unreachable",
        "sw-lab-11": "skipped",
        "sw-lab-12": "skipped",
    }
    assert "play aborted" in doc["hosts"]["sw-lab-11"]["error"]
    assert doc["job"]["aborted"] and doc["job"]["exit_code"] == 8
    assert rows(workdir, "select exit_code from job") == [(8,)]


@pytest.mark.parametrize(
    ("percentage", "code", "ran"),
    [
        (0, 8, 1),  # the first failure is already more than 0%
        (25, 8, 2),  # 1 of 4 = 25% is not more than 25%; 2 of 4 is
        (50, 4, 4),  # 2 of 4 = 50% is not more than 50%: no abort
        (100, 4, 4),  # nothing is more than 100%
    ],
)
def test_max_fail_percentage(
    fault_lab: Lab, workdir: Path, percentage: int, code: int, ran: int
) -> None:
    inventory = fault_lab.inventory_copy(workdir / "inv")
    hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    dead = {"hostname": "127.0.0.1", "port": 1}
    ordered = {"dead-1": dead, "dead-2": dead, **hosts}  # with -f 1, the dead go first
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(ordered, sort_keys=False))
    result = netraven(
        "run",
        book(
            workdir,
            f"""\
- hosts: dead-1,dead-2,sw-lab-9,sw-lab-11
  recovery: {{max_fail_percentage: {percentage}}}
  tasks:
    - command: show version
""",
        ),
        "-i",
        str(inventory),
        "-f",
        "1",
        "--output",
        "json",
        cwd=workdir,
    )
    assert result.returncode == code, result.stderr
    doc = run_json(result)
    started = [h for h, v in doc["hosts"].items() if v["status"] != "skipped"]
    assert len(started) == ran
    assert len(rows(workdir, "select id from task_result")) == ran


def test_retry_failed_and_last_failed(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-7", "refuse")
    playbook = book(workdir, "- hosts: sw-lab-7,sw-lab-9\n  tasks:\n    - command: show version\n")
    first = netraven("run", playbook, "-i", str(fault_lab.inventory), cwd=workdir)
    assert first.returncode == 4
    assert "--limit @.netraven/last-failed.txt" in first.stderr
    assert (workdir / ".netraven" / "last-failed.txt").read_text() == "sw-lab-7\n"
    faults("sw-lab-7", "clear")
    again = netraven(
        "run",
        playbook,
        "-i",
        str(fault_lab.inventory),
        "--retry-failed",
        "1",
        "--output",
        "json",
        cwd=workdir,
    )
    assert again.returncode == 0
    assert list(run_json(again)["hosts"]) == ["sw-lab-7"]
    # A clean run leaves no stale list behind to re-target hosts that have recovered.
    assert not (workdir / ".netraven" / "last-failed.txt").exists()
    (workdir / ".netraven" / "last-failed.txt").write_text("# from an earlier run\nsw-lab-7\n")
    from_file = netraven(
        "run",
        playbook,
        "-i",
        str(fault_lab.inventory),
        "--limit",
        "@.netraven/last-failed.txt",
        "--output",
        "json",
        cwd=workdir,
    )
    assert list(run_json(from_file)["hosts"]) == ["sw-lab-7"]
    nothing = netraven(
        "run", playbook, "-i", str(fault_lab.inventory), "--retry-failed", "2", cwd=workdir
    )
    assert nothing.returncode == 0 and "no failed hosts" in nothing.stderr


@pytest.mark.parametrize(
    ("recovery", "message"),
    [
        ("recovery: {retires: 2}", r"play.yml:2: play\[0\].recovery.retires: unknown key"),
        ("recovery: {on_failure: explode}", "on_failure: Input should be"),
        ("recovery: {circuit_breaker: {scope: site}}", "scope: Input should be"),
    ],
)
def test_bad_recovery_is_input_error(
    fault_lab: Lab, workdir: Path, recovery: str, message: str
) -> None:
    import re

    playbook = book(workdir, f"- hosts: all\n  {recovery}\n  tasks: []\n")
    result = netraven("run", playbook, "-i", str(fault_lab.inventory), cwd=workdir)
    assert result.returncode == 5
    assert re.search(message, result.stderr), result.stderr


def test_dropped_session_is_retried_with_a_reconnect(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    # Login sends enable, terminal length, terminal width: the 4th line is the first task's.
    faults("sw-lab-5", "drop-after", "4")
    started = time.time()
    result = netraven(
        "run",
        book(
            workdir,
            """\
- hosts: sw-lab-5
  recovery: {retries: 1, backoff: {initial: 0.1, jitter: false}}
  tasks:
    - command: show version
    - command: show clock
""",
        ),
        "-i",
        str(fault_lab.inventory),
        "--output",
        "json",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    tasks = run_json(result)["hosts"]["sw-lab-5"]["tasks"]
    assert [t["attempts"] for t in tasks] == [1, 2]
    events = [
        c["command"]
        for c in fault_lab.commands("sw-lab-5", started)
        if c["mode"] in ("connection", "fault")
    ]
    # The second task's session was dropped, then NetRaven reconnected; the last "drop"
    # is the driver's "exit" at close, the fifth line of that session.
    assert events[:3] == ["open", "drop", "open"], events
    assert events.count("open") == 2


def test_slow_device_is_slow_but_fine(fault_lab: Lab, faults, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    faults("sw-lab-7", "slow", "300")
    result = netraven(
        "run",
        book(workdir, "- hosts: sw-lab-7\n  tasks:\n    - command: show clock\n"),
        "-i",
        str(fault_lab.inventory),
        "--output",
        "json",
        cwd=workdir,
    )
    assert result.returncode == 0
    assert run_json(result)["hosts"]["sw-lab-7"]["tasks"][0]["duration_ms"] >= 300
