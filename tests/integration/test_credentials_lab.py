"""Credential fallback over real SSH: the lab accepts one username/password only."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

HOST = "sw-lab-7"
WRONG = "wrong-Pw-31"
BOOK = "- hosts: all\n  tasks:\n    - command: show version\n"


def inventory(lab: Lab, target: Path, credentials: str) -> Path:
    """The lab inventory without a login in defaults: only credentials.yaml gives one."""
    lab.inventory_copy(target)
    defaults = yaml.safe_load((target / "defaults.yaml").read_text())
    del defaults["username"], defaults["password"]
    (target / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    (target / "credentials.yaml").write_text(credentials)
    return target


def connection_events(lab: Lab, since: float) -> list[str]:
    return [c["command"] for c in lab.commands(HOST, since) if c["mode"] == "connection"]


def test_a_refused_set_falls_back_to_the_next_and_the_set_is_recorded(
    lab: Lab, workdir: Path
) -> None:
    inv = inventory(
        lab,
        workdir / "inv",
        f"aaa: {{username: {lab.settings.username}, password: {WRONG}, priority: 10}}\n"
        "breakglass: {username: '${NR_BG_USER}', password: '${NR_BG_PW}', priority: 20}\n",
    )
    (workdir / "book.yml").write_text(BOOK)
    env = {"NR_BG_USER": lab.settings.username, "NR_BG_PW": lab.settings.password}
    db = workdir / "creds.db"
    since = time.time()
    result = netraven(
        "run", "book.yml", "-i", str(inv), "-l", HOST, "--output", "json",
        "--db", f"sqlite:///{db}", cwd=workdir, env=env,
    )  # fmt: skip
    doc = run_json(result)
    assert result.returncode == 0, result.stderr
    assert doc["hosts"][HOST]["status"] == "ok"
    assert [p["credential"] for p in doc["hosts"][HOST]["plays"]] == ["breakglass"]
    # Two logins reached the device: the wrong set once (refused, never again), then the right.
    assert connection_events(lab, since) == ["open", "login-refused", "open"]

    shown = netraven("jobs", "show", "last", "--db", f"sqlite:///{db}", cwd=workdir, env=env)
    assert shown.returncode == 0 and "breakglass" in shown.stdout
    shown_json = netraven(
        "jobs", "show", "last", "--json", "--db", f"sqlite:///{db}", cwd=workdir, env=env
    )
    assert run_json(shown_json)["hosts"][HOST]["plays"][0]["credential"] == "breakglass"
    logs = netraven("jobs", "logs", "last", "--db", f"sqlite:///{db}", cwd=workdir, env=env)
    assert "credential set 'aaa' refused" in logs.stdout

    stored = b"".join(p.read_bytes() for p in workdir.glob("creds.db*"))
    assert b"breakglass" in stored
    for secret in (WRONG, lab.settings.password):
        assert secret.encode() not in stored
        for text in (result.stdout, result.stderr, shown.stdout, logs.stdout):
            assert secret not in text


def test_every_set_refused_is_unreachable_naming_the_sets(lab: Lab, workdir: Path) -> None:
    inv = inventory(
        lab,
        workdir / "inv",
        f"aaa: {{username: {lab.settings.username}, password: {WRONG}, priority: 10}}\n"
        f"local: {{username: local, password: {WRONG}x, priority: 20}}\n",
    )
    (workdir / "book.yml").write_text(BOOK)
    since = time.time()
    result = netraven(
        "run", "book.yml", "-i", str(inv), "-l", HOST, "--output", "json",
        "--db", f"sqlite:///{workdir / 'creds.db'}", cwd=workdir,
    )  # fmt: skip
    doc = run_json(result)
    assert result.returncode == 4, result.stderr
    host = doc["hosts"][HOST]
    assert host["status"] == "unreachable" and host["plays"][0]["credential"] is None
    assert "every credential set (aaa, local)" in host["tasks"][0]["error"]
    assert connection_events(lab, since) == ["open", "login-refused", "open", "login-refused"]
    assert WRONG not in result.stdout + result.stderr
