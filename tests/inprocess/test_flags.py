"""Playbooks test feature flags per host, and each job records the flags it saw."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from netraven.app.jobs import show_job
from netraven.domain import HostStatus, TaskStatus
from netraven.engine import execute
from netraven.flags import FlagState, bucket
from tests.inprocess.conftest import HOSTS, World

PLAY = """
- hosts: all
  tasks:
    - name: new ntp
      config:
        lines: ["ntp server 10.9.9.9"]
      when: flag('new_ntp')
    - name: old ntp
      config:
        lines: ["ntp server 10.1.1.1"]
      when: not flag('new_ntp')
"""


def run(world: World, flags: dict[str, FlagState], playbook: str = PLAY) -> int:
    tagged = {
        name: {"platform": "cisco_ios", "groups": ["site_a"], "data": {"tags": tags}}
        for name, tags in zip(HOSTS, (["canary"], [], [], []), strict=True)
    }
    spec = dataclasses.replace(world.spec(playbook, tagged), flags=flags)
    outcome = asyncio.run(
        execute(spec, store=world.store, connections=world.network.registry())
    )
    return outcome.job_id


def test_a_rollout_switches_on_the_hosts_in_its_buckets_and_the_tagged_ones(world: World) -> None:
    state = FlagState("new_ntp", "new NTP", False, "rollout", 50.0, ("canary",))
    job_id = run(world, {"new_ntp": state})
    expected_on = {h for h in HOSTS if h == "r1" or bucket("new_ntp", h) < 5000}
    # Only meaningful with a mix: r1 is on by its tag alone (bucket 8561), r2 by its bucket.
    assert bucket("new_ntp", "r1") >= 5000 and 1 < len(expected_on) < len(HOSTS)
    for host in HOSTS:
        device = world.network.device(host)
        assert device.has("ntp server 10.9.9.9") == (host in expected_on)
        assert device.has("ntp server 10.1.1.1") == (host not in expected_on)
    detail = show_job(world.store, job_id)
    seen = detail.flags["new_ntp"]
    assert seen.mode == "rollout" and seen.percent == 50.0 and seen.tags == ["canary"]
    assert set(seen.on) == expected_on
    assert {h.status for h in detail.hosts.values()} == {HostStatus.OK}


def test_switched_off_flag_and_the_default(world: World) -> None:
    job_id = run(world, {"new_ntp": FlagState("new_ntp", "", True, "off")})
    assert not any(world.network.device(h).has("ntp server 10.9.9.9") for h in HOSTS)
    assert show_job(world.store, job_id).flags["new_ntp"].on == []
    world2_job = run(world, {"new_ntp": FlagState("new_ntp", "", True, "default")})
    assert all(world.network.device(h).has("ntp server 10.9.9.9") for h in HOSTS)
    assert sorted(show_job(world.store, world2_job).flags["new_ntp"].on) == sorted(HOSTS)


def test_an_undeclared_flag_fails_the_task_naming_it(world: World) -> None:
    job_id = run(world, {"other": FlagState("other", "", False, "default")})
    detail = show_job(world.store, job_id)
    for host in HOSTS:
        task = detail.hosts[host].tasks[0]
        assert task.status == TaskStatus.FAILED
        assert "flag('new_ntp'): no such feature flag" in (task.error or "")
        assert "declared: other" in (task.error or "")
    assert not any(world.network.device(h).has("ntp server 10.9.9.9") for h in HOSTS)


def test_without_flags_nothing_is_recorded(world: World) -> None:
    job_id = run(world, {}, "- hosts: all\n  tasks:\n    - command: show version\n")
    row = show_job(world.store, job_id)
    assert row.flags == {}
    from netraven.store import queries

    job = queries.get_job(world.store, job_id)
    assert job is not None and job.flags is None
    assert json.loads(job.options)["check"] is False


def test_a_builtin_flag_switches_the_http_connection_kind_off_per_host(world: World) -> None:
    from tests.inprocess.test_rest import SECRET, api_device, registry

    devices = {"r1": api_device("r1"), "r2": api_device("r2")}
    hosts = {
        name: {
            "hostname": "127.0.0.1",
            "port": 8443,
            "platform": "cisco_ios",
            "data": {"transport": "https", "enable_secret": SECRET, "tags": tags},
        }
        for name, tags in (("r1", ["canary"]), ("r2", []))
    }
    # On for the canary only: r2's bucket is above 0 %, so the tag alone decides.
    state = FlagState("http_connections", "", True, "rollout", 0.0, ("canary",))
    play = "- hosts: all\n  tasks:\n    - command: show version\n"
    spec = dataclasses.replace(world.spec(play, hosts), flags={"http_connections": state})
    outcome = asyncio.run(execute(spec, store=world.store, connections=registry(devices)))
    detail = show_job(world.store, outcome.job_id)
    assert detail.hosts["r1"].status == HostStatus.OK
    assert detail.hosts["r2"].status == HostStatus.FAILED
    error = detail.hosts["r2"].tasks[0].error or ""
    assert "http connection kind is switched off for this host by feature flag" in error
    assert "netraven flags enable http_connections" in error
    assert devices["r1"].requests and not devices["r2"].requests  # nothing was sent to r2
    assert detail.flags["http_connections"].on == ["r1"]
