"""``--start-at-task`` in the engine: earlier tasks neither run nor recorded, per host.

Each test asserts what the fake devices received and what the job recorded.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from netraven.errors import InputError
from netraven.store.models import Job
from tests.inprocess.conftest import World

TWO_PLAYS = """
- name: first
  hosts: site_a
  tasks:
    - name: ntp one
      config: {lines: ["ntp server 192.0.2.1"]}
    - block:
        - name: ntp two
          config: {lines: ["ntp server 192.0.2.2"]}
        - name: ntp three
          config: {lines: ["ntp server 192.0.2.3"]}
      rescue:
        - name: only on failure
          config: {lines: ["ntp server 192.0.2.9"]}
      always:
        - name: ntp four
          config: {lines: ["ntp server 192.0.2.4"]}
- name: second
  hosts: all
  tasks:
    - name: logging one
      config: {lines: ["logging host 192.0.2.51"]}
    - name: logging two
      config: {lines: ["logging host 192.0.2.52"]}
"""


def _servers(world: World, host: str) -> list[str]:
    device = world.network.device(host)
    return [line for n in (1, 2, 3, 4, 9) if device.has(line := f"ntp server 192.0.2.{n}")] + [
        line for n in (51, 52) if device.has(line := f"logging host 192.0.2.{n}")
    ]


def test_starts_inside_a_block_on_every_host_and_runs_its_always(world: World) -> None:
    outcome = world.run(TWO_PLAYS, start_at_task="ntp three")
    assert outcome.exit_code == 0
    recorded = [(t.host, t.name) for t in outcome.tasks if t.play_index == 0]
    assert sorted(recorded) == sorted(
        (h, n) for h in ("r1", "r2") for n in ("ntp three", "ntp four")
    )
    for host in ("r1", "r2"):
        assert _servers(world, host) == [
            "ntp server 192.0.2.3",
            "ntp server 192.0.2.4",
            "logging host 192.0.2.51",
            "logging host 192.0.2.52",
        ]
    # later plays run whole, also on hosts the start play did not have
    assert _servers(world, "r3") == ["logging host 192.0.2.51", "logging host 192.0.2.52"]


def test_plays_before_the_start_do_not_run_or_contact_their_hosts(world: World) -> None:
    outcome = world.run(TWO_PLAYS, start_at_task="logging t*o")  # a glob, as in Ansible
    assert outcome.exit_code == 0
    assert {h.play_index for h in outcome.hosts} == {1}
    assert {(t.name, t.play_index) for t in outcome.tasks} == {("logging two", 1)}
    for host in ("r1", "r2", "r3", "r4"):
        assert _servers(world, host) == ["logging host 192.0.2.52"]
        assert world.network.device(host).logins == 1


def test_role_tasks_match_as_role_colon_name(world: World) -> None:
    tasks = world.root / "roles" / "ntp" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(
        "- name: first\n  config: {lines: ['ntp server 192.0.2.1']}\n"
        "- name: second\n  config: {lines: ['ntp server 192.0.2.2']}\n"
    )
    book = (
        "- hosts: r1\n  roles: [ntp]\n  tasks:\n"
        "    - name: after\n      config: {lines: ['ntp server 192.0.2.3']}\n"
    )
    outcome = world.run(book, start_at_task="ntp : second")
    assert [t.name for t in outcome.tasks] == ["second", "after"]
    assert _servers(world, "r1") == ["ntp server 192.0.2.2", "ntp server 192.0.2.3"]


def test_tags_select_among_the_tasks_after_the_start(world: World) -> None:
    book = TWO_PLAYS.replace("    - block:\n", "    - tags: [blk]\n      block:\n")
    outcome = world.run(book, start_at_task="ntp three", tags=frozenset({"blk"}))
    assert [t.name for t in outcome.tasks if t.host == "r1"] == ["ntp three", "ntp four"]
    assert _servers(world, "r1") == ["ntp server 192.0.2.3", "ntp server 192.0.2.4"]


def test_a_start_task_excluded_by_tags_still_starts_the_run(world: World) -> None:
    book = TWO_PLAYS.replace("    - block:\n", "    - tags: [blk]\n      block:\n")
    outcome = world.run(book, start_at_task="ntp one", tags=frozenset({"blk"}))
    assert [t.name for t in outcome.tasks if t.host == "r1"] == [
        "ntp two",
        "ntp three",
        "ntp four",
    ]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("no such task", "no task matches 'no such task'"),
        ("only on failure", "no task matches 'only on failure'"),  # rescue: not startable
    ],
)
def test_an_unknown_start_is_an_input_error_before_anything(
    world: World, name: str, why: str
) -> None:
    with pytest.raises(InputError, match=why):
        world.run(TWO_PLAYS, start_at_task=name)
    with Session(world.store) as session:
        assert session.exec(select(Job)).all() == []
    assert all(d.logins == 0 for d in world.network.devices.values())


def test_a_start_only_in_a_play_without_hosts_says_so(world: World) -> None:
    book = TWO_PLAYS.replace("hosts: site_a", "hosts: site_a:&site_b")
    with pytest.raises(InputError, match=r"only in plays without hosts"):
        world.run(book, start_at_task="ntp two")


def test_the_start_is_recorded_with_the_job_options(world: World) -> None:
    outcome = world.run(TWO_PLAYS, start_at_task="logging one")
    with Session(world.store) as session:
        job = session.get(Job, outcome.job_id)
    assert job is not None and '"start_at_task": "logging one"' in job.options
