"""Junos, IOS-XR and EOS through the real engine: backup, idempotent config, check mode,
commit (confirmed) and the device's own rollback, against fake devices that answer as
the real ones do (tests/inprocess/vendor_fakes.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from netraven.domain import HostStatus, JobOutcome, TaskOutcome
from netraven.engine import execute
from netraven.store import queries
from tests.inprocess.conftest import World
from tests.inprocess.vendor_fakes import (
    JUNOS_STAMP,
    EosDevice,
    JunosDevice,
    VendorNetwork,
    XrDevice,
)

NTP = "set system ntp server 192.0.2.1"


def _run(world: World, network: VendorNetwork, playbook: str, **options: Any) -> JobOutcome:
    hosts = {
        name: {"platform": _PLATFORM[type(device)]} for name, device in network.devices.items()
    }
    spec = world.spec(playbook, hosts, **options)
    return asyncio.run(execute(spec, store=world.store, connections=network.registry()))


_PLATFORM = {JunosDevice: "juniper_junos", XrDevice: "cisco_xr", EosDevice: "arista_eos"}


def _task(outcome: JobOutcome, index: int = 0) -> TaskOutcome:
    return [t for t in outcome.tasks if t.action != "rollback"][index]


def _junos(**kwargs: Any) -> tuple[VendorNetwork, JunosDevice]:
    device = JunosDevice("j1", active=["set interfaces ge-0/0/0 description uplink"], **kwargs)
    return VendorNetwork({"j1": device}), device


def test_junos_backup_is_the_committed_config_in_set_form(world: World) -> None:
    network, device = _junos()
    outcome = _run(world, network, "- hosts: all\n  tasks:\n    - backup: {}\n")
    assert outcome.exit_code == 0
    assert device.commands == ["show configuration | display set"]
    (meta,) = queries.backup_history(world.store, "j1")
    text = queries.backup_text(world.store, meta.id)
    assert text == "\n".join(device.active)  # the "## Last commit" stamp is not kept
    assert JUNOS_STAMP not in (text or "")


def test_junos_config_commits_once_and_is_idempotent(world: World) -> None:
    network, device = _junos()
    play = f"""
    - hosts: all
      tasks:
        - config:
            lines:
              - {NTP}
              - set interfaces ge-0/0/0 description core-uplink
    """
    first = _run(world, network, play)
    assert first.exit_code == 0 and _task(first).changed
    assert NTP in device.active
    assert "set interfaces ge-0/0/0 description core-uplink" in device.active
    assert "set interfaces ge-0/0/0 description uplink" not in device.active
    # Loaded into the candidate, the device's own diff, one plain commit (no rollback policy).
    assert device.config_lines == [
        NTP,
        "set interfaces ge-0/0/0 description core-uplink",
        "show | compare",
        "commit",
    ]
    assert len(device.history) == 2 and device.candidate is None
    assert "+set system ntp server 192.0.2.1" in (_task(first).diff or "")
    device.config_lines.clear()
    second = _run(world, network, play)
    assert second.exit_code == 0 and not _task(second).changed
    assert device.config_lines == [] and len(device.history) == 2


def test_junos_delete_removes_a_statement_and_settles(world: World) -> None:
    network, device = _junos()
    device.active.append(NTP)
    play = "- hosts: all\n  tasks:\n    - config: {lines: ['delete system ntp']}\n"
    first = _run(world, network, play)
    assert _task(first).changed and NTP not in device.active
    second = _run(world, network, play)
    assert not _task(second).changed


def test_junos_check_mode_loads_nothing(world: World) -> None:
    network, device = _junos()
    outcome = _run(
        world,
        network,
        f"- hosts: all\n  tasks:\n    - config: {{lines: ['{NTP}']}}\n",
        check=True,
    )
    task = _task(outcome)
    assert outcome.exit_code == 0 and task.changed
    assert "+set system ntp server 192.0.2.1" in (task.diff or "")
    assert "would load and commit" in (task.output or "")
    assert device.config_lines == []  # not even `configure`: nothing reached config mode
    assert device.commands == ["show configuration | display set"]
    assert NTP not in device.active and len(device.history) == 1


def test_junos_check_mode_refuses_configure_as_a_command(world: World) -> None:
    network, device = _junos()
    outcome = _run(
        world,
        network,
        "- hosts: all\n  tasks:\n    - command: configure private\n    - command: show version\n",
        check=True,
    )
    assert [t.status.value for t in outcome.tasks] == ["skipped", "ok"]
    assert device.commands == ["show version"]


def test_junos_rollback_uses_the_devices_own_history(world: World) -> None:
    network, device = _junos()
    device.reject.add("set protocols bogus")
    before = list(device.active)
    outcome = _run(
        world,
        network,
        f"""
        - hosts: all
          recovery: {{on_failure: rollback}}
          tasks:
            - config: {{lines: ['{NTP}']}}
            - config: {{lines: ['set protocols bogus']}}
        """,
    )
    assert outcome.exit_code == 2
    assert outcome.host_status()["j1"] == HostStatus.ROLLED_BACK
    assert device.active == before and device.candidate is None
    # Task 1: commit confirmed, read back, confirmed (two history entries on Junos).
    # Task 2: rejected while loading, the candidate discarded, nothing committed.
    # Rollback: the two entries this job added, then commit.
    assert device.config_lines == [
        NTP,
        "show | compare",
        "commit confirmed 5",
        "commit",
        "set protocols bogus",
        "rollback 0",
        "rollback 2",
        "commit",
    ]
    assert device.pending is None


def test_junos_commit_confirmed_is_not_confirmed_when_the_change_did_not_land(
    world: World,
) -> None:
    network, device = _junos()
    device.ignore.add(NTP)  # accepted, but the committed config lacks it
    before = list(device.active)
    outcome = _run(
        world,
        network,
        f"- hosts: all\n  recovery: {{on_failure: rollback}}\n  tasks:\n"
        f"    - config: {{lines: ['{NTP}']}}\n",
    )
    assert outcome.host_status()["j1"] == HostStatus.ROLLED_BACK
    assert "not confirmed" in (_task(outcome).error or "")
    assert device.config_lines[-3:] == ["commit confirmed 5", "rollback 1", "commit"]
    assert device.active == before and device.pending is None


def test_junos_rejected_commit_leaves_no_candidate(world: World) -> None:
    network, device = _junos(fail_commit=True)
    outcome = _run(world, network, f"- hosts: all\n  tasks:\n    - config: {{lines: ['{NTP}']}}\n")
    task = _task(outcome)
    assert outcome.exit_code == 2 and task.status.value == "failed"
    assert "'commit' was rejected" in (task.error or "")
    assert device.candidate is None and NTP not in device.active
    assert device.config_lines[-1] == "rollback 0"


def _xr() -> tuple[VendorNetwork, XrDevice]:
    device = XrDevice("x1", active={"interface GigabitEthernet0/0/0/0": ["description old"]})
    return VendorNetwork({"x1": device}), device


def test_xr_backup_drops_the_timestamp_and_banner(world: World) -> None:
    network, device = _xr()
    _run(world, network, "- hosts: all\n  tasks:\n    - backup: {}\n")
    (meta,) = queries.backup_history(world.store, "x1")
    text = queries.backup_text(world.store, meta.id) or ""
    assert text.splitlines() == [
        "hostname x1",
        "!",
        "interface GigabitEthernet0/0/0/0",
        " description old",
        "!",
    ]


def test_xr_config_commits_and_rolls_back_with_rollback_configuration(world: World) -> None:
    network, device = _xr()
    device.reject.add("bogus")
    before = device.running()
    play = """
    - hosts: all
      recovery: {on_failure: rollback}
      tasks:
        - config:
            parents: [interface GigabitEthernet0/0/0/0]
            lines: [description new]
        - config: {lines: [bogus]}
    """
    outcome = _run(world, network, play)
    assert outcome.host_status()["x1"] == HostStatus.ROLLED_BACK
    assert "commit confirmed 300" in device.config_lines  # XR counts seconds
    assert device.config_lines.count("abort") == 1  # the rejected task's target config
    # The confirming commit adds no commit of its own on XR: one commit to undo.
    assert device.commands[-2:] == ["rollback configuration last 1", "show running-config"]
    assert device.running() == before


def test_xr_config_is_idempotent(world: World) -> None:
    network, device = _xr()
    play = """
    - hosts: all
      tasks:
        - config:
            parents: [interface GigabitEthernet0/0/0/0]
            lines: [description new]
    """
    assert _task(_run(world, network, play)).changed
    assert device.active["interface GigabitEthernet0/0/0/0"] == ["description new"]
    assert device.config_lines[-1] == "commit"
    sent = len(device.config_lines)
    assert not _task(_run(world, network, play)).changed
    assert len(device.config_lines) == sent


def test_eos_saves_with_write_memory_and_backs_up_without_its_header(world: World) -> None:
    device = EosDevice("e1")
    network = VendorNetwork({"e1": device})
    play = """
    - hosts: all
      tasks:
        - config: {lines: [ntp server 192.0.2.1], save_when: modified}
        - backup: {}
    """
    outcome = _run(world, network, play)
    assert outcome.exit_code == 0 and _task(outcome).changed
    assert "write memory" in device.commands and "ntp server 192.0.2.1" in device.startup
    text = queries.backup_text(world.store, queries.backup_history(world.store, "e1")[-1].id)
    assert text is not None and "! device:" not in text and "! Command:" not in text
    assert "ntp server 192.0.2.1" in text
    again = _run(world, network, play)
    assert not _task(again).changed and device.commands.count("write memory") == 1


@pytest.mark.parametrize("platform", ["juniper_junos", "cisco_xr", "arista_eos"])
def test_an_unknown_command_fails_the_task(world: World, platform: str) -> None:
    device: JunosDevice | XrDevice | EosDevice = {
        "juniper_junos": JunosDevice("d1"),
        "cisco_xr": XrDevice("d1"),
        "arista_eos": EosDevice("d1"),
    }[platform]
    outcome = _run(
        world, VendorNetwork({"d1": device}), "- hosts: all\n  tasks:\n    - command: shw x\n"
    )
    assert outcome.exit_code == 2
    assert "was rejected by the device" in (_task(outcome).error or "")


def test_junos_explicit_rollback_lines_are_committed(world: World) -> None:
    network, device = _junos()
    before = list(device.active)
    outcome = _run(
        world,
        network,
        f"""
        - hosts: all
          recovery: {{on_failure: rollback}}
          tasks:
            - config: {{lines: ['{NTP}']}}
              rollback: {{lines: ['delete system ntp server 192.0.2.1']}}
            - assert: {{that: 'false'}}
        """,
    )
    assert outcome.host_status()["j1"] == HostStatus.ROLLED_BACK
    assert device.config_lines[-2:] == ["delete system ntp server 192.0.2.1", "commit"]
    assert device.active == before


def test_junos_match_none_is_confirmed_when_its_lines_are_there(world: World) -> None:
    """match: none sends every line every run; the confirmation asks only whether they
    are all in the committed config."""
    network, device = _junos()
    outcome = _run(
        world,
        network,
        f"- hosts: all\n  recovery: {{on_failure: rollback}}\n  tasks:\n"
        f"    - config: {{lines: ['{NTP}'], match: none}}\n",
    )
    assert outcome.exit_code == 0, _task(outcome).error
    assert device.config_lines[-2:] == ["commit confirmed 5", "commit"]
    assert NTP in device.active and device.pending is None


def test_junos_batch_rollback_undoes_a_batch_mates_commits(world: World) -> None:
    """rollback_scope: batch rolls back a host whose own tasks all passed: the device's own
    rollback over the commits counted for that host."""
    good, bad = JunosDevice("j1"), JunosDevice("j2")
    bad.reject.add("set protocols bogus")
    network = VendorNetwork({"j1": good, "j2": bad})
    before = {"j1": list(good.active), "j2": list(bad.active)}
    outcome = _run(
        world,
        network,
        f"""
        - hosts: all
          serial: 2
          recovery: {{on_failure: rollback, rollback_scope: batch}}
          tasks:
            - config: {{lines: ['{NTP}']}}
            - config: {{lines: ["{{{{ 'set protocols bogus' if inventory_hostname == 'j2'
                                    else 'set system ntp server 192.0.2.2' }}}}"]}}
        """,
    )
    assert outcome.host_status() == {"j1": HostStatus.ROLLED_BACK, "j2": HostStatus.ROLLED_BACK}
    # j1 committed twice (two tasks, each confirmed + confirm): four history entries.
    assert good.config_lines[-2:] == ["rollback 4", "commit"]
    assert bad.config_lines[-2:] == ["rollback 2", "commit"]
    assert good.active == before["j1"] and bad.active == before["j2"]


def test_xr_check_mode_loads_nothing(world: World) -> None:
    network, device = _xr()
    before = device.running()
    play = """
    - hosts: all
      tasks:
        - config:
            parents: [interface GigabitEthernet0/0/0/0]
            lines: [description new]
    """
    outcome = _run(world, network, play, check=True)
    task = _task(outcome)
    assert outcome.exit_code == 0 and task.changed
    assert "+ description new" in (task.diff or "")
    assert device.config_lines == [] and device.commands == ["show running-config"]
    assert device.running() == before
