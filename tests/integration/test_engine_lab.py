"""The embeddable engine against real SSH devices: one login per host per job, two jobs
side by side in one running loop, and inventory mistakes refused before any contact."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from netraven.engine import JobSpec, Owner, execute
from netraven.inventory import load_inventory
from netraven.playbook.loader import load_playbook
from netraven.store import queries
from netraven.store.engine import open_engine
from tests.conftest import netraven
from tests.integration.conftest import Lab

THREE_PLAYS = """
- hosts: sw-lab-1,sw-lab-2
  tasks:
    - command: show version
- hosts: sw-lab-1
  tasks:
    - command: show clock
- hosts: sw-lab-1,sw-lab-2
  tasks:
    - backup:
"""


def _opens(lab: Lab, device: str, since: float) -> int:
    return sum(
        1
        for c in lab.commands(device, since)
        if c["mode"] == "connection" and c["command"] == "open"
    )


def test_a_three_play_playbook_logs_in_to_each_host_once(lab: Lab, workdir: Path) -> None:
    book = workdir / "three.yml"
    book.write_text(THREE_PLAYS)
    since = time.time()
    result = netraven("run", str(book), "-i", str(lab.inventory), cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert _opens(lab, "sw-lab-1", since) == 1
    assert _opens(lab, "sw-lab-2", since) == 1
    commands = [c["command"] for c in lab.commands("sw-lab-1", since) if c["mode"] != "connection"]
    assert "show clock" in commands and "show running-config" in commands


def test_two_jobs_run_concurrently_in_one_loop(lab: Lab, workdir: Path) -> None:
    store = open_engine(f"sqlite:///{workdir / 'shared.db'}")
    inventory, secrets = load_inventory(lab.inventory)
    books = []
    for name, hosts in (("a", "sw-lab-3,sw-lab-4"), ("b", "sw-lab-5,sw-lab-6")):
        path = workdir / f"{name}.yml"
        path.write_text(
            f"- hosts: {hosts}\n  tasks:\n    - command: show version\n"
            f"    - config: {{lines: ['snmp-server contact job-{name}']}}\n"
        )
        books.append(load_playbook(path))

    async def service_like() -> list[int]:
        specs = [
            JobSpec(book, inventory, Owner(f"api:{i}"), secrets=tuple(secrets))
            for i, book in enumerate(books)
        ]
        outcomes = await asyncio.gather(*(execute(s, store=store) for s in specs))
        assert [o.exit_code for o in outcomes] == [0, 0]
        return [o.job_id for o in outcomes]

    first, second = asyncio.run(service_like())
    one = queries.task_results(store, first)
    two = queries.task_results(store, second)
    assert {t.host for t in one} == {"sw-lab-3", "sw-lab-4"}
    assert {t.host for t in two} == {"sw-lab-5", "sw-lab-6"}
    assert all(t.status in ("ok", "changed") for t in one + two)
    jobs = {j.id: j for j in queries.list_jobs(store)}
    assert jobs[first].user == "api:0" and jobs[second].user == "api:1"
    assert "snmp-server contact job-a" in lab.running_config("sw-lab-3", workdir)
    assert "snmp-server contact job-b" in lab.running_config("sw-lab-6", workdir)
    assert "job-b" not in lab.running_config("sw-lab-3", workdir)


def test_connection_extras_repeating_auth_username_is_input_error(
    lab: Lab, workdir: Path
) -> None:
    inventory = lab.inventory_copy(
        workdir / "inv",
        **{"sw-lab-1": {"data": {"connection_extras": {"auth_username": "admin"}}}},
    )
    book = workdir / "show.yml"
    book.write_text("- hosts: sw-lab-1\n  tasks:\n    - command: show version\n")
    since = time.time()
    result = netraven("run", str(book), "-i", str(inventory), cwd=workdir)
    assert result.returncode == 5, result.stderr
    assert "sw-lab-1" in result.stderr and "auth_username" in result.stderr
    assert "Traceback" not in result.stderr
    assert _opens(lab, "sw-lab-1", since) == 0


def test_scrapli_on_a_platform_it_lacks_is_input_error(lab: Lab, workdir: Path) -> None:
    inventory = lab.inventory_copy(
        workdir / "inv",
        **{"sw-lab-1": {"platform": "hp_procurve", "data": {"connection": "scrapli"}}},
    )
    book = workdir / "show.yml"
    book.write_text("- hosts: sw-lab-1\n  tasks:\n    - command: show version\n")
    for command in ("run", "validate"):
        result = netraven(command, str(book), "-i", str(inventory), cwd=workdir)
        assert result.returncode == 5, result.stderr
        assert "does not support platform 'hp_procurve'" in result.stderr
