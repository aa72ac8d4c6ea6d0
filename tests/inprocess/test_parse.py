"""``parse:`` in the real engine against fake devices: large outputs parse off the event
loop, the host's platform picks the ntc-templates entry, and check mode still parses."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import netraven.engine.parse as parse_module
from netraven.domain import TaskStatus
from netraven.engine.offload import LARGE_TEXT
from netraven.errors import InputError
from netraven.lab.device import Device, Session, seed_config
from netraven.store import queries
from tests.inprocess.conftest import World

MAC_TEXTFSM = """\
Value VLAN (\\d+)
Value MAC ([0-9a-f.]+)
Value PORT (\\S+)

Start
  ^\\s*${VLAN}\\s+${MAC}\\s+DYNAMIC\\s+${PORT} -> Record
"""


def _mac_table(rows: int) -> str:
    lines = ["          Mac Address Table", "-------------------------------------------", ""]
    lines += [
        f" {10 + i % 4:>4}    0000.0000.{i:04x}    DYNAMIC     Gi1/0/{i % 48 + 1}"
        for i in range(rows)
    ]
    return "\n".join(lines)


def test_a_large_output_is_parsed_in_a_worker_thread(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _mac_table(3000)
    assert len(text) > LARGE_TEXT
    world.network.device("r1").outputs["show mac address-table"] = text
    (world.root / "mac.textfsm").write_text(MAC_TEXTFSM)
    threads: list[str] = []
    real = parse_module.parse_output

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(parse_module, "parse_output", spy)
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show mac address-table
              parse: {parser: textfsm, template: mac.textfsm}
              register: macs
            - assert:
                that:
                  - macs.parsed | length == 3000
                  - >-
                    macs.parsed[2999]
                    == {'VLAN': '13', 'MAC': '0000.0000.0bb7', 'PORT': 'Gi1/0/24'}
                  - macs.output.startswith('          Mac Address Table')
        """
    )
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    assert [t.status for t in outcome.tasks] == [TaskStatus.OK, TaskStatus.OK]
    assert len(threads) == 1 and threads[0] != threading.main_thread().name
    logs = [e.message for e in queries.logs(world.store, outcome.job_id)]
    assert "task 'command: show mac address-table': parsed 3000 record(s) with textfsm" in logs
    assert any(m.endswith("…(truncated)") for m in logs)  # the debug copy is capped


def _lab_brief() -> str:
    device = Device("sw", "en", "X1", seed_config("sw", "$1$h", "public"))
    cli = Session(device)
    cli.privileged = True
    return cli.handle("show ip interface brief")


def test_host_platform_chooses_the_template_and_check_mode_still_parses(world: World) -> None:
    for name in ("r1", "r2"):
        world.network.device(name).outputs["show ip interface brief"] = _lab_brief()
    hosts = {
        "r1": {"platform": "cisco_xe"},
        "r2": {"platform": "arista_eos"},
    }
    outcome = world.run(
        """
        - hosts: all
          tasks:
            - command: show ip interface brief
              parse: ntc_templates
              register: ip
            - assert:
                that: "(ip.parsed | map(attribute='interface') | list)[-1] == 'Vlan1'"
        """,
        hosts,
        check=True,
    )
    by_host = {(t.host, t.task_index): t for t in outcome.tasks}
    # cisco_xe has no entry of its own and falls back to cisco_ios, as netmiko does.
    assert by_host[("r1", 0)].status == TaskStatus.OK
    assert by_host[("r1", 1)].status == TaskStatus.OK
    # arista_eos's template expects EOS's columns: IOS text matches nothing there, which is
    # an empty success the job log warns about, and the assert that needs data fails.
    assert by_host[("r2", 0)].status == TaskStatus.OK
    assert by_host[("r2", 1)].status == TaskStatus.FAILED
    assert "list object has no element -1" in (by_host[("r2", 1)].error or "")
    warnings = [e.message for e in queries.logs(world.store, outcome.job_id, "r2")]
    assert (
        "task 'command: show ip interface brief': parsed 0 record(s) with ntc_templates: "
        "the parser matched nothing in the output"
    ) in warnings
    assert world.network.device("r1").commands == ["show ip interface brief"]
    assert outcome.exit_code == 2


def test_a_role_finds_its_parse_template_in_its_templates_dir(world: World) -> None:
    role = world.root / "roles" / "macs"
    for sub in ("tasks", "templates"):
        (role / sub).mkdir(parents=True)
    (role / "templates" / "mac.textfsm").write_text(MAC_TEXTFSM)
    (role / "tasks" / "main.yml").write_text(
        "- command: show mac address-table\n"
        "  parse: {parser: textfsm, template: mac.textfsm}\n"
        "  register: macs\n"
        "- assert:\n"
        "    that: \"macs.parsed | map(attribute='PORT') | list == ['Gi1/0/1', 'Gi1/0/2']\"\n"
    )
    world.network.device("r1").outputs["show mac address-table"] = _mac_table(2)
    outcome = world.run("- hosts: r1\n  roles: [macs]\n")
    assert [t.status for t in outcome.tasks] == [TaskStatus.OK, TaskStatus.OK]
    (role / "templates" / "mac.textfsm").unlink()
    with pytest.raises(InputError, match=r"parse\.template: template file not found: "):
        world.run("- hosts: r1\n  roles: [macs]\n")
