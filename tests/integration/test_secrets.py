"""The canary: a secret used everywhere must appear nowhere NetRaven writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netraven.lab import control
from tests.conftest import netraven
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
