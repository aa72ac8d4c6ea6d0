"""``parse:`` over real SSH: ntc-templates on the lab's ``show ip interface brief`` and
``show version`` register ``.parsed`` matching the devices' real state; a parser that
cannot parse fails the task; playbook mistakes stop the run before any device is contacted.

A lab of its own, because the test changes interfaces and counts them exactly.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

HOSTS = ("sw-lab-1", "sw-lab-2")

PARSE_BOOK = """\
- name: parse the lab
  hosts: all
  tasks:
    - name: loopback and a shut port
      config:
        lines:
          - interface Loopback7
          - " ip address 192.0.2.{{ inventory_hostname[-1] }} 255.255.255.255"
          - interface GigabitEthernet1/0/3
          - " shutdown"
    - name: interfaces
      command: show ip interface brief
      parse: ntc_templates
      register: ip
    - name: version
      command: show version
      parse: {name: ansible.netcommon.ntc_templates, command: show version}
      register: ver
    - name: running
      command: show running-config
      register: run
    - name: check parsed
      assert:
        that:
          - ip.parsed | length == run.output | regex_findall('(?m)^interface ') | length
          - >-
            (ip.parsed | selectattr('interface', 'equalto', 'Loopback7') | first).ip_address
            == '192.0.2.' ~ inventory_hostname[-1]
          - >-
            (ip.parsed | selectattr('interface', 'equalto', 'GigabitEthernet1/0/3')
            | first).status == 'administratively down'
          - ver.parsed[0].hostname == inventory_hostname
        success_msg: >-
          {{ ip.parsed | length }} interfaces;
          {{ ver.parsed[0].version }} on {{ ver.parsed[0].hardware[0] }}
          serial {{ ver.parsed[0].serial[0] }}
"""


@pytest.fixture(scope="module")
def own_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    running = start_lab(tmp_path_factory.mktemp("parselab"), devices=len(HOSTS))
    yield running
    control.down(running.directory)


def test_ntc_templates_parse_matches_the_devices(own_lab: Lab, workdir: Path) -> None:
    book = workdir / "parse.yml"
    book.write_text(PARSE_BOOK)
    result = netraven(
        "run", str(book), "-i", str(own_lab.inventory), "--output", "json", cwd=workdir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = run_json(result)
    for host in HOSTS:
        tasks = {t["name"]: t for t in document["hosts"][host]["tasks"]}
        assert [tasks[n]["status"] for n in ("interfaces", "version", "check parsed")] == [
            "ok",
            "ok",
            "ok",
        ]
        # The output stays the device's raw text; .parsed is what register carries.
        assert tasks["interfaces"]["output"].startswith("Interface              IP-Address")
        serial = re.search(r"Processor board ID (\S+)", tasks["version"]["output"])
        assert serial is not None
        # Independent reading of the device: its running config, through a second job.
        running = own_lab.running_config(host, workdir)
        interfaces = len(re.findall(r"(?m)^interface ", running))
        assert "interface Loopback7" in running and interfaces == 10
        assert tasks["check parsed"]["output"] == (
            f"{interfaces} interfaces; 15.2(7)E4 on WS-C2960X-48FPD-L serial {serial.group(1)}"
        )
    shown = netraven("jobs", "logs", "1", "--json", cwd=workdir)
    assert shown.returncode == 0, shown.stderr
    logs: list[dict[str, str]] = json.loads(shown.stdout)
    messages = {(e["host"], e["message"]) for e in logs}
    loopback = {"interface": "Loopback7", "ip_address": "192.0.2.2", "status": "up", "proto": "up"}
    assert any(
        h == "sw-lab-2"
        and m.startswith("task 'interfaces': parsed: [")
        and json.dumps(loopback) in m
        for h, m in messages
    )
    for host in HOSTS:
        assert (host, "task 'interfaces': parsed 10 record(s) with ntc_templates") in messages
        assert (host, "task 'version': parsed 1 record(s) with ntc_templates") in messages


def test_a_parse_failure_fails_the_task_and_keeps_the_output(own_lab: Lab, workdir: Path) -> None:
    book = workdir / "fail.yml"
    book.write_text(
        "- hosts: sw-lab-1\n  tasks:\n"
        "    - name: no template\n      command: show running-config\n"
        "      parse: ntc_templates\n      register: r\n"
        "    - name: after\n      command: show clock\n"
    )
    result = netraven(
        "run", str(book), "-i", str(own_lab.inventory), "--output", "json", cwd=workdir
    )
    assert result.returncode == 2, result.stdout + result.stderr
    host = run_json(result)["hosts"]["sw-lab-1"]
    assert host["status"] == "failed"
    [task] = host["tasks"]  # the host stops at the failed task
    assert task["status"] == "failed"
    assert task["error"] == (
        "parse: ntc-templates has no template for 'show running-config' on cisco_ios"
    )
    assert "hostname sw-lab-1" in task["output"]  # what the device said is kept


@pytest.mark.parametrize(
    ("tasks", "line", "message"),
    [
        (
            "    - command: show version\n      parse: textfsmm\n",
            4,
            "play[0].tasks[0].parse.parser: Value error, unknown parser 'textfsmm'",
        ),
        (
            "    - command: show version\n"
            "      parse:\n        parser: textfsm\n        template: nope.textfsm\n",
            6,
            "play[0].tasks[0].parse.template: template file not found: ",
        ),
        (
            "    - config: {lines: [ntp server 192.0.2.1]}\n      parse: ntc_templates\n",
            4,
            "play[0].tasks[0].parse: only a command task can parse",
        ),
    ],
)
def test_parse_mistakes_exit_5_before_any_contact(
    own_lab: Lab, workdir: Path, tasks: str, line: int, message: str
) -> None:
    (workdir / "bad.yml").write_text("- hosts: all\n  tasks:\n" + tasks)
    since = time.time()
    result = netraven("run", "bad.yml", "-i", str(own_lab.inventory), cwd=workdir)
    assert result.returncode == 5, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: bad.yml:{line}: {message}")
    assert not any(own_lab.commands(h, since) for h in HOSTS)
    assert not (workdir / ".netraven").exists()  # nothing ran, nothing recorded
