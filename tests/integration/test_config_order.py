"""Config lines land under their own parent on a real (lab) device, and --diff is what is sent.

The reported defect: with ``no spanning-tree portfast`` under ``interface Gi1/0/1``
followed by an ``interface Gi1/0/2`` block, the ``no`` line was sent last, so Gi1/0/2
lost portfast while Gi1/0/1 kept it, and the run reported success.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from netraven.engine.config_diff import clean_running
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

SETUP = """\
- hosts: {host}
  tasks:
    - name: Portfast on both ports
      config:
        lines:
          - interface GigabitEthernet1/0/1
          - " spanning-tree portfast"
          - interface GigabitEthernet1/0/2
          - " spanning-tree portfast"
"""

ISSUE = """\
- hosts: {host}
  tasks:
    - name: Ports
      config:
        lines:
          - interface Gi1/0/1
          - " description uplink"
          - " no spanning-tree portfast"
          - interface Gi1/0/2
          - " description printer"
"""

GLOBALS_BETWEEN = """\
- hosts: {host}
  tasks:
    - name: Ports and globals
      config:
        lines:
          - int Gi1/0/3
          - " no spanning-tree portfast"
          - ip http server
          - interface GigabitEthernet1/0/4
          - " no switchport access vlan"
          - " description printer"
          - no logging host 10.0.0.250
          - logging host 10.0.0.251
          - interface Gi1/0/5
          - " no spanning-tree portfast"
"""


def blocks(config: str) -> dict[str, list[str]]:
    """Top-level line -> its indented lines, as the device shows them."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in clean_running(config).splitlines():
        if not line.strip() or line.strip() == "!":
            continue
        if line[:1].isspace():
            current.append(line.strip())
        else:
            current = out.setdefault(line.strip(), [])
    return out


def run(lab: Lab, workdir: Path, text: str, host: str, *flags: str) -> dict[str, Any]:
    book = workdir / "book.yml"
    book.write_text(text.format(host=host))
    result = netraven(
        "run", str(book), "-i", str(lab.inventory), "--output", "json", *flags, cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    task: dict[str, Any] = run_json(result)["hosts"][host]["tasks"][0]
    return task


def config_lines(lab: Lab, host: str, since: float) -> list[str]:
    received = lab.commands(host, since)
    return [c["command"] for c in received if c["mode"] == "config" and c["command"] != "end"]


def check_then_run(lab: Lab, workdir: Path, text: str, host: str) -> tuple[str, list[str]]:
    """--check --diff, then a real run: the same diff, and the device got what was previewed."""
    started = time.time()
    preview = run(lab, workdir, text, host, "--check", "--diff")
    assert preview["changed"] is True
    assert config_lines(lab, host, started) == []  # check mode sent nothing
    would_send = preview["output"].removeprefix("would send:\n").splitlines()
    started = time.time()
    real = run(lab, workdir, text, host, "--diff")
    assert real["changed"] is True
    assert real["diff"] == preview["diff"]
    assert config_lines(lab, host, started) == [line.strip() for line in would_send]
    return preview["diff"], would_send


def test_the_issue_no_line_lands_under_its_own_interface(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-11"
    run(lab, workdir, SETUP, host)
    before = blocks(lab.running_config(host, workdir))
    assert "spanning-tree portfast" in before["interface GigabitEthernet1/0/1"]
    assert "spanning-tree portfast" in before["interface GigabitEthernet1/0/2"]

    diff, sent = check_then_run(lab, workdir, ISSUE, host)
    assert sent == [
        "interface GigabitEthernet1/0/1",
        " description uplink",
        " no spanning-tree portfast",
        "exit",
        "interface GigabitEthernet1/0/2",
        " description printer",
    ]
    changes = [line for line in diff.splitlines()[2:] if line[:1] in "+-"]
    assert changes == [
        "- description access port 1",
        "+ description uplink",
        "- spanning-tree portfast",
        "- description access port 2",
        "+ description printer",
    ]
    after = blocks(lab.running_config(host, workdir))
    port1, port2 = after["interface GigabitEthernet1/0/1"], after["interface GigabitEthernet1/0/2"]
    assert "spanning-tree portfast" not in port1 and "description uplink" in port1
    assert "spanning-tree portfast" in port2 and "description printer" in port2
    assert {k: v for k, v in after.items() if "1/0/1" not in k and "1/0/2" not in k} == {
        k: v for k, v in before.items() if "1/0/1" not in k and "1/0/2" not in k
    }

    started = time.time()
    again = run(lab, workdir, ISSUE, host, "--diff")
    assert again["changed"] is False and not again["diff"]
    assert config_lines(lab, host, started) == []


def test_globals_between_blocks_stay_global(lab: Lab, workdir: Path) -> None:
    host = "sw-lab-12"
    before = blocks(lab.running_config(host, workdir))
    assert "spanning-tree portfast" in before["interface GigabitEthernet1/0/3"]
    assert "switchport access vlan 10" in before["interface GigabitEthernet1/0/4"]

    _, sent = check_then_run(lab, workdir, GLOBALS_BETWEEN, host)
    assert sent == [
        "interface GigabitEthernet1/0/3",
        " no spanning-tree portfast",
        "exit",
        "ip http server",
        "interface GigabitEthernet1/0/4",
        " no switchport access vlan",
        " description printer",
        "exit",
        "no logging host 10.0.0.250",
        "logging host 10.0.0.251",
        "interface GigabitEthernet1/0/5",
        " no spanning-tree portfast",
    ]
    after = blocks(lab.running_config(host, workdir))
    assert "ip http server" in after  # a global line, not a child of Gi1/0/3
    assert "spanning-tree portfast" not in after["interface GigabitEthernet1/0/3"]
    assert after["interface GigabitEthernet1/0/4"] == [
        "description printer",
        "switchport mode access",
        "spanning-tree portfast",
    ]
    assert "spanning-tree portfast" not in after["interface GigabitEthernet1/0/5"]
    assert "logging host 10.0.0.251" in after and "logging host 10.0.0.250" not in after
    for port in (6, 7, 8):  # untouched blocks keep their portfast
        assert "spanning-tree portfast" in after[f"interface GigabitEthernet1/0/{port}"]

    started = time.time()
    again = run(lab, workdir, GLOBALS_BETWEEN, host, "--diff")
    assert again["changed"] is False
    assert config_lines(lab, host, started) == []
