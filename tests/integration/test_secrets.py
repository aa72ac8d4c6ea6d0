"""The canary: a secret used everywhere must appear nowhere NetRaven writes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

CANARY = "Canary-7f3a91-secret"


@pytest.fixture(scope="module")
def canary_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = start_lab(
        tmp_path_factory.mktemp("canarylab"),
        devices=2,
        password=CANARY,
        secret=CANARY + "-enable",
        community=CANARY + "-snmp",
    )
    yield lab
    control.down(lab.directory)


def test_canary_secret_never_leaks(canary_lab: Lab, workdir: Path) -> None:
    inventory = canary_lab.inventory_copy(workdir / "inv")
    # The secrets come from the environment, as they would in CI.
    defaults = (inventory / "defaults.yaml").read_text()
    defaults = defaults.replace(CANARY + "-enable", "${LAB_ENABLE}")
    defaults = defaults.replace(CANARY, "${LAB_PASSWORD}")
    (inventory / "defaults.yaml").write_text(defaults)
    assert CANARY not in defaults
    env = {"LAB_PASSWORD": CANARY, "LAB_ENABLE": CANARY + "-enable"}
    book = workdir / "leak.yml"
    book.write_text(f"""\
- hosts: all
  vars:
    snmp_community: {CANARY}-snmp
  tasks:
    - command: show running-config
    - backup: {{}}
    - config:
        lines:
          - username ops privilege 15 secret 0 {CANARY}-user
          - snmp-server community {{{{ snmp_community }}}} RW
    - command: show running-config | include snmp|username
    - assert:
        that: ["false"]
        fail_msg: "password is {{{{ ansible_password | default('{CANARY}') }}}}"
""")
    outputs = []
    for fmt in ("text", "json", "junit"):
        result = netraven(
            "run",
            str(book),
            "-i",
            str(inventory),
            "-vvv",
            "--diff",
            "--output",
            fmt,
            "-e",
            f"api_token={CANARY}-token",
            cwd=workdir,
            env=env,
        )
        assert result.returncode == 2, result.stdout + result.stderr
        outputs += [result.stdout, result.stderr]
    for args in (
        ["jobs", "list", "--json"],
        ["jobs", "show", "1", "--json"],
        ["jobs", "logs", "1"],
        ["jobs", "show", "2"],
    ):
        result = netraven(*args, cwd=workdir)
        assert result.returncode == 0
        outputs += [result.stdout, result.stderr]
    joined = "\n".join(outputs)
    assert "********" in joined
    assert "snmp-server community ********" in joined
    assert CANARY not in joined
    store = workdir / ".netraven"
    files = list(store.iterdir())
    assert any(f.name == "netraven.db" for f in files)
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), f"canary found in {path.name}"


# Each canary enters by another door; each must come out nowhere.
CONFIG_LINE = "Canary-cfgline-51e0"  # a literal config line: only a pattern can hide it
REFUSED = "Canary-refused-8b2c"  # a refused command's text, from a non-secret -e var
NESTED_E = "Canary-nested-e-c47d"  # -e users: [{password: …}]
NESTED_PLAY = "Canary-nested-play-2f9a"  # play vars admins: [{password: …}]
REDIRECT = "Canary-redirect-93d1"  # a file name in a refused '| redirect' (named task)
CANARIES = (CANARY, CONFIG_LINE, REFUSED, NESTED_E, NESTED_PLAY, REDIRECT)


@pytest.fixture
def dropping_device(canary_lab: Lab) -> Iterator[str]:
    """sw-lab-2 drops every session at its 5th command line: login takes 3, so the
    second task of a session dies and is retried on a new one (a retry warning)."""
    result = netraven(
        "lab",
        "fault",
        "sw-lab-2",
        "drop-after",
        "4",
        "--dir",
        str(canary_lab.directory),
        cwd=canary_lab.directory,
    )
    assert result.returncode == 0, result.stderr
    yield "sw-lab-2"
    control.set_fault(canary_lab.directory, "sw-lab-2", "clear")


def test_check_mode_retries_and_nested_vars_never_leak(
    canary_lab: Lab, dropping_device: str, workdir: Path
) -> None:
    inventory = canary_lab.inventory_copy(workdir / "inv")
    book = workdir / "check.yml"
    book.write_text(f"""\
- hosts: all
  vars:
    admins: [{{name: ops, password: {NESTED_PLAY}}}]
  recovery: {{retries: 2, backoff: {{initial: 0.1, jitter: false}}}}
  tasks:
    - command: show clock
    - name: probe
      command: >-
        show running-config | include
        {{{{ users[0].password }}}}|{{{{ admins[0].password }}}}
    - name: add users
      config:
        lines:
          - username lit privilege 15 secret 0 {CONFIG_LINE}
          - "username {{{{ users[0].name }}}} secret 0 {{{{ users[0].password }}}}"
    - name: user by command
      command: "{{{{ user_cmd }}}}"
    - name: keep a copy
      command: show running-config | redirect flash:{REDIRECT}
""")
    extra = [
        "-e",
        json.dumps({"users": [{"name": "a", "password": NESTED_E}]}),
        "-e",
        json.dumps({"user_cmd": f"username x secret {REFUSED}"}),
    ]
    started = time.time()
    outputs: list[str] = []
    runs = (
        ("text", ["-v", "--diff"]),
        ("json", ["-vvv", "--diff", "--output-file", "out.json"]),
        ("junit", ["-v", "--output-file", "out.xml"]),
    )
    for fmt, options in runs:
        result = netraven(
            "run", str(book), "-i", str(inventory), "--check", "--output", fmt,
            *options, *extra, cwd=workdir,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        outputs += [result.stdout, result.stderr]
        # The dropped session was retried, and the retry said so on the terminal.
        assert "[WARNING]: task 'probe' attempt 1 failed: " in result.stderr, result.stderr
    files = [(workdir / "out.json").read_text(), (workdir / "out.xml").read_text()]

    doc = json.loads(files[0])
    for host in ("sw-lab-1", "sw-lab-2"):
        tasks = {t["name"]: t for t in doc["hosts"][host]["tasks"]}
        assert tasks["add users"]["status"] == "changed"
        assert "username lit privilege 15 secret 0 ********" in tasks["add users"]["output"]
        refused = tasks["user by command"]
        assert refused["status"] == "skipped"
        assert refused["output"] == ("check mode: refused: 'username …' is not a read-only command")
        copy = tasks["keep a copy"]
        assert copy["status"] == "skipped" and "'| redirect'" in copy["output"]
    assert [t["attempts"] for t in doc["hosts"]["sw-lab-2"]["tasks"][:3]] == [1, 2, 2]

    # Check mode held on the devices: no configuration mode, nothing refused arrived.
    for device in ("sw-lab-1", "sw-lab-2"):
        received = canary_lab.commands(device, since=started)
        assert received and "config" not in {c["mode"] for c in received}
        sent = " ".join(str(c["command"]) for c in received)
        assert "redirect" not in sent and REFUSED not in sent and "username" not in sent

    for args in (
        ["jobs", "list", "--json"],
        *(
            [*cmd, str(job)]
            for job in (1, 2, 3)
            for cmd in (["jobs", "show"], ["jobs", "show", "--json"], ["jobs", "logs"])
        ),
    ):
        result = netraven(*args, cwd=workdir)
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    joined = "\n".join(outputs + files)
    assert "attempt 1 failed" in joined and "include ********|********" in joined
    assert [c for c in CANARIES if c in joined] == [], "leaked to the terminal, a file or jobs"
    store = workdir / ".netraven"
    names = {f.name for f in store.iterdir()}
    assert {"netraven.db", "netraven.db-wal"} <= names or "netraven.db" in names
    for path in store.iterdir():
        data = path.read_bytes()
        assert [c for c in CANARIES if c.encode() in data] == [], f"leaked into {path.name}"
    shown = run_json(netraven("jobs", "show", "3", "--json", cwd=workdir))
    assert shown["job"]["status"] == "succeeded"
