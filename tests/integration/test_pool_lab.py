"""A ConnectionPool in a long-lived process against real SSH devices: the lab's connection
log shows one login per host for two jobs run in the idle window (scrapli and netmiko)."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import yaml

from netraven.engine import ConnectionPool, JobSpec, Owner, execute
from netraven.inventory import load_inventory
from netraven.playbook.loader import load_playbook
from netraven.store import queries
from netraven.store.engine import open_engine
from tests.integration.conftest import Lab

HOSTS = ("sw-lab-7", "sw-lab-8")


def _events(lab: Lab, device: str, since: float, mode: str) -> list[str]:
    return [c["command"] for c in lab.commands(device, since) if c["mode"] == mode]


def test_two_jobs_in_one_process_log_in_once_per_host(lab: Lab, workdir: Path) -> None:
    inventory_dir = workdir / "inventory"
    shutil.copytree(lab.inventory, inventory_dir)
    hosts_file = inventory_dir / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts["sw-lab-8"].setdefault("data", {})["connection"] = "netmiko"  # find_prompt probe
    hosts_file.write_text(yaml.safe_dump(hosts, sort_keys=False))
    book = workdir / "show.yml"
    book.write_text(f"- hosts: {','.join(HOSTS)}\n  tasks:\n    - command: show version\n")
    store = open_engine(f"sqlite:///{workdir / 'service.db'}")
    inventory, secrets = load_inventory(inventory_dir)
    since = time.time()

    async def service_like() -> list[int]:
        pool = ConnectionPool(idle_seconds=60, max_per_device=2)
        ids = []
        for n in range(2):
            owner = Owner(f"api:{n}")
            spec = JobSpec(load_playbook(book), inventory, owner, secrets=tuple(secrets))
            outcome = await execute(spec, store=store, pool=pool)
            assert outcome.exit_code == 0, outcome
            ids.append(outcome.job_id)
        assert pool.reused == 2 and pool.idle() == 2
        await pool.close()
        assert pool.idle() == 0
        return ids

    first, second = asyncio.run(service_like())
    for host in HOSTS:
        assert _events(lab, host, since, "connection").count("open") == 1, host
        shown = [c for c in lab.commands(host, since) if c["command"] == "show version"]
        assert len(shown) == 2, host
    for job in (first, second):
        results = queries.task_results(store, job)
        assert {t.host for t in results} == set(HOSTS)
        assert all(t.status == "ok" for t in results)
    deadline = time.time() + 5
    while time.time() < deadline:  # pool.close() logged both sessions out
        if all(_events(lab, h, since, "disconnect") for h in HOSTS):
            break
        time.sleep(0.05)
    assert all(_events(lab, h, since, "disconnect") for h in HOSTS)
