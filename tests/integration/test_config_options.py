"""ios_config's options against lab devices over SSH: device state, recorded results, reruns.

Every test asserts what the device's running and startup configs say afterwards and
what the job recorded (``run --output json``), and runs the task again: only
``match: none`` may report a change the second time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netraven.engine.config_diff import clean_running
from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab of its own, so no other module's pushes or saves touch these devices."""
    running = start_lab(tmp_path_factory.mktemp("configlab"), devices=8)
    yield running
    control.down(running.directory)


def run(lab: Lab, workdir: Path, book: str, host: str, *flags: str) -> list[dict[str, Any]]:
    path = workdir / "book.yml"
    path.write_text(f"- hosts: {host}\n  tasks:\n{book}")
    result = netraven(
        "run", str(path), "-i", str(lab.inventory), "--output", "json", *flags, cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = run_json(result)
    assert document["job"]["exit_code"] == 0
    tasks: list[dict[str, Any]] = document["hosts"][host]["tasks"]
    return tasks


def show(lab: Lab, workdir: Path, host: str, what: str) -> dict[str, list[str]]:
    """``show running-config`` / ``show startup-config`` as top-level line -> its lines."""
    probe = workdir / "probe.yml"
    probe.write_text(f"- hosts: {host}\n  tasks:\n    - command: show {what}\n")
    result = netraven(
        "run", str(probe), "-i", str(lab.inventory), "--output", "json",
        "--db", f"sqlite:///{workdir / 'probe.db'}", cwd=workdir,
    )  # fmt: skip
    text = str(run_json(result)["hosts"][host]["tasks"][0]["output"])
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in clean_running(text).splitlines():
        if line.strip() in ("", "!"):
            continue
        if line[:1].isspace():
            current.append(line.strip())
        else:
            current = out.setdefault(line.strip(), [])
    return out


def config_sent(lab: Lab, host: str, since: float) -> list[str]:
    return [
        c["command"]
        for c in lab.commands(host, since)
        if c["mode"] == "config" and c["command"] != "end"
    ]


def exec_sent(lab: Lab, host: str, since: float) -> list[str]:
    return [c["command"] for c in lab.commands(host, since) if c["mode"] == "privileged"]


PORT1 = "interface GigabitEthernet1/0/1"

PARENTS = """\
    - name: uplink port
      config:
        parents: int Gi1/0/1
        lines:
          - desc uplink to core
          - spanning-tree portfast
          - no switchport access vlan
        save_when: modified
"""


def test_parents_with_abbreviations_and_save_when_modified(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-1"
    started = time.time()
    [first] = run(lab, workdir, PARENTS, host, "--diff")
    assert first["changed"] is True and first["status"] == "changed"
    assert config_sent(lab, host, started) == [
        PORT1,
        "description uplink to core",
        "no switchport access vlan",
    ]
    assert "write memory" in exec_sent(lab, host, started)
    expected = ["description uplink to core", "switchport mode access", "spanning-tree portfast"]
    assert show(lab, workdir, host, "running-config")[PORT1] == expected
    assert show(lab, workdir, host, "startup-config")[PORT1] == expected  # saved
    lines = first["diff"].splitlines()
    assert lines[:2] == ["--- running", "+++ intended"]
    assert "-switchport access vlan 10" in [line.replace(" ", "", 1) for line in lines]

    started = time.time()
    [again] = run(lab, workdir, PARENTS, host)
    assert again["changed"] is False and again["status"] == "ok" and not again["diff"]
    assert config_sent(lab, host, started) == []
    assert "write memory" not in exec_sent(lab, host, started)  # running == startup


STRICT = """\
    - config:
        parents: [interface GigabitEthernet1/0/2]
        lines: [spanning-tree portfast, description printer]
        match: strict
"""


def test_match_strict_puts_the_lines_in_order(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-2"
    [first] = run(lab, workdir, STRICT, host)
    assert first["changed"] is True
    assert show(lab, workdir, host, "running-config")["interface GigabitEthernet1/0/2"] == [
        "switchport access vlan 10",
        "switchport mode access",
        "spanning-tree portfast",
        "description printer",
    ]
    startup = show(lab, workdir, host, "startup-config")
    assert startup["interface GigabitEthernet1/0/2"][0] == "description access port 2"  # unsaved
    started = time.time()
    [again] = run(lab, workdir, STRICT, host)
    assert again["changed"] is False and config_sent(lab, host, started) == []


EXACT = """\
    - config:
        before: [no logging host 10.0.0.250]
        parents: [ip access-list extended EDGE]
        lines:
          - permit tcp any any eq 22
          - deny ip any any
        match: exact
        replace: block
        after: [logging host 10.0.0.251]
"""


def test_match_exact_with_before_and_after_check_then_run(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-3"
    seed = (
        "    - config:\n        lines: [ip access-list extended EDGE, ' permit ip any any',"
        " ' deny ip any any']\n"
    )
    run(lab, workdir, seed, host)
    assert show(lab, workdir, host, "running-config")["ip access-list extended EDGE"] == [
        "permit ip any any",
        "deny ip any any",
    ]
    started = time.time()
    [preview] = run(lab, workdir, EXACT, host, "--check", "--diff")
    assert preview["changed"] is True and config_sent(lab, host, started) == []
    would = preview["output"].removeprefix("would send:\n").splitlines()
    assert would == [
        "no logging host 10.0.0.250",
        "ip access-list extended EDGE",
        " no permit ip any any",
        " no deny ip any any",
        " permit tcp any any eq 22",
        " deny ip any any",
        "exit",
        "logging host 10.0.0.251",
    ]
    started = time.time()
    [real] = run(lab, workdir, EXACT, host, "--diff")
    assert real["changed"] is True and real["diff"] == preview["diff"]
    assert config_sent(lab, host, started) == [line.strip() for line in would]
    after = show(lab, workdir, host, "running-config")
    assert after["ip access-list extended EDGE"] == ["permit tcp any any eq 22", "deny ip any any"]
    assert "logging host 10.0.0.251" in after and "logging host 10.0.0.250" not in after

    started = time.time()
    [again] = run(lab, workdir, EXACT, host)
    assert again["changed"] is False and config_sent(lab, host, started) == []  # no before/after


NONE = """\
    - config:
        parents: [interface GigabitEthernet1/0/4]
        lines: [description access port 4]
        match: none
"""


def test_match_none_sends_every_time_and_says_changed(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-4"
    for _ in range(2):
        started = time.time()
        [task] = run(lab, workdir, NONE, host)
        assert task["changed"] is True and not task["diff"]  # sent, though it changes nothing
        assert config_sent(lab, host, started) == [
            "interface GigabitEthernet1/0/4",
            "description access port 4",
        ]


AUDIT_STARTUP = """\
    - name: unsaved changes
      config:
        diff_against: startup
      register: drift
    - assert:
        that: drift.differs
"""

SAVE_ALWAYS = """\
    - config:
        save_when: always
"""


def test_diff_against_startup_then_save_when_always(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-5"
    run(lab, workdir, "    - config:\n        lines: [ntp server 192.0.2.5]\n", host)
    audit, _ = run(lab, workdir, AUDIT_STARTUP, host)
    assert audit["changed"] is False  # a comparison changes nothing on the device
    assert audit["diff"].splitlines()[:2] == ["--- startup", "+++ running"]
    assert [line for line in audit["diff"].splitlines()[2:] if line[:1] in "+-"] == [
        "+ntp server 192.0.2.5"
    ]
    assert "ntp server 192.0.2.5" not in show(lab, workdir, host, "startup-config")

    started = time.time()
    [preview] = run(lab, workdir, SAVE_ALWAYS, host, "--check")
    assert preview["changed"] is True and "would save" in preview["output"]
    assert "write memory" not in exec_sent(lab, host, started)  # the guard held it back
    assert "ntp server 192.0.2.5" not in show(lab, workdir, host, "startup-config")
    [saved] = run(lab, workdir, SAVE_ALWAYS, host)
    assert saved["changed"] is True  # the startup config changed
    assert "ntp server 192.0.2.5" in show(lab, workdir, host, "startup-config")
    started = time.time()
    [again] = run(lab, workdir, SAVE_ALWAYS, host)
    assert again["changed"] is False  # saved again, but nothing new reached the startup config
    assert "write memory" in exec_sent(lab, host, started)
    clean = (
        "    - config: {diff_against: startup}\n      register: d\n"
        "    - assert: {that: not d.differs}\n"
    )
    audit, _ = run(lab, workdir, clean, host)
    assert audit["changed"] is False and not audit["diff"]


INTENDED = """\
    - config:
        diff_against: intended
        intended_config: "{{ lookup('file', 'intended.cfg') }}"
        diff_ignore_lines: ['^hostname', '^snmp-server community', '^enable secret', '^username']
      register: compliance
"""


def test_diff_against_intended_reports_drift_without_pushing(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-6"
    running = show(lab, workdir, host, "running-config")  # secrets come back redacted: ignored
    intended = []
    for line, children in running.items():
        if line.startswith("logging host"):
            line = "logging host 10.0.0.99"  # drift: the device logs elsewhere
        intended += [line, *(f" {c}" for c in children)]
    intended[intended.index("hostname sw-lab-6")] = "hostname some-other-name"  # ignored
    (workdir / "intended.cfg").write_text("\n".join(intended) + "\n")
    started = time.time()
    [task] = run(lab, workdir, INTENDED, host, "--diff")
    assert config_sent(lab, host, started) == []
    assert task["changed"] is False
    assert [line for line in task["diff"].splitlines() if line[:1] in "+-"] == [
        "--- running",
        "+++ intended_config",
        "-logging host 10.0.0.250",
        "+logging host 10.0.0.99",
    ]
    assert "differs from the running config" in task["output"]


SRC = """\
    - config:
        src: vlans.j2
        replace: block
        save: true
"""


def test_src_template_file_with_the_older_save_key(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-7"
    (workdir / "vlans.j2").write_text(
        "{% for v in [30, 40] %}vlan {{ v }}\n name V{{ v }}\n{% endfor %}"
    )
    started = time.time()
    [first] = run(lab, workdir, SRC, host)
    assert first["changed"] is True
    assert config_sent(lab, host, started) == [
        "vlan 30", "name V30", "exit", "vlan 40", "name V40",
    ]  # fmt: skip
    startup = show(lab, workdir, host, "startup-config")
    assert startup["vlan 30"] == ["name V30"] and startup["vlan 40"] == ["name V40"]
    started = time.time()
    [again] = run(lab, workdir, SRC, host)
    assert again["changed"] is False and config_sent(lab, host, started) == []
    assert "write memory" not in exec_sent(lab, host, started)
