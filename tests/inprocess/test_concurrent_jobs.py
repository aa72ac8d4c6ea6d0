"""Two jobs inside one running event loop, as the service will run them."""

from __future__ import annotations

import asyncio

from netraven.engine import execute
from netraven.store import queries
from tests.inprocess.conftest import World


def test_two_jobs_in_one_loop_keep_to_their_own_results(world: World) -> None:
    for name in ("r1", "r2", "r3", "r4"):
        device = world.network.device(name)
        device.outputs["show version"] = f"Version of {name}"
        device.delay = 0.02
    first = world.spec("- hosts: site_a\n  tasks:\n    - command: show version\n")
    second = world.spec(
        "- hosts: site_b\n  tasks:\n    - command: show version\n"
        "    - config: {lines: ['ntp server 192.0.2.7']}\n"
    )

    async def both() -> list[int]:
        outcomes = await asyncio.gather(
            execute(first, store=world.store, connections=world.network.registry()),
            execute(second, store=world.store, connections=world.network.registry()),
        )
        return [o.job_id for o in outcomes]

    one, two = asyncio.run(both())
    assert one != two
    hosts_one = {h.host for h in queries.host_results(world.store, one)}
    hosts_two = {h.host for h in queries.host_results(world.store, two)}
    assert hosts_one == {"r1", "r2"} and hosts_two == {"r3", "r4"}
    for job_id, expected in ((one, 1), (two, 2)):
        tasks = queries.task_results(world.store, job_id)
        assert {len([t for t in tasks if t.host == h]) for h in {t.host for t in tasks}} == {
            expected
        }
        assert all(t.output is None or t.output.startswith("Version of") or "ntp" in t.output
                   for t in tasks)
        assert all(f"Version of {t.host}" == t.output for t in tasks if t.action == "command")
        job = queries.get_job(world.store, job_id)
        assert job is not None and job.status == "succeeded"
    assert world.network.device("r3").has("ntp server 192.0.2.7")
    assert not world.network.device("r1").has("ntp server 192.0.2.7")
