"""Two jobs running at once against one store lose no breaker failure (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from netraven.engine import execute
from netraven.errors import ConnectionFailed
from netraven.store import queries
from netraven.store.engine import open_engine
from netraven.testing import FakeNetwork
from tests.fixtures.postgres import temporary_schema
from tests.inprocess.conftest import World

HOSTS = 24  # per job


def _breaker_play(group: str) -> str:
    # The same play name in both playbooks: both jobs count into one breaker, play:fleet.
    return f"""
- name: fleet
  hosts: {group}
  recovery:
    circuit_breaker: {{scope: play, threshold: 1000, reset_after: 300}}
  tasks:
    - command: show version
"""


def _run_two_jobs(world: World) -> None:
    hosts = {f"a{i}": {"groups": ["a"]} for i in range(HOSTS)}
    hosts |= {f"b{i}": {"groups": ["b"]} for i in range(HOSTS)}
    for name in hosts:
        device = world.network.device(name)
        device.fail_open.append(ConnectionFailed("connection refused"))
        device.delay = 0.001
    first = world.spec(_breaker_play("a"), hosts)
    second = world.spec(_breaker_play("b"), hosts)

    async def both() -> None:
        await asyncio.gather(
            execute(first, store=world.store, connections=world.network.registry()),
            execute(second, store=world.store, connections=world.network.registry()),
        )

    asyncio.run(both())


def _failures(store: Engine) -> int:
    (breaker,) = [b for b in queries.load_breakers(store) if b.scope_key == "play:fleet"]
    return breaker.failures


def test_sqlite_counts_every_failure_of_two_concurrent_jobs(tmp_path: Path) -> None:
    world = World(tmp_path, FakeNetwork(), open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
    _run_two_jobs(world)
    assert _failures(world.store) == 2 * HOSTS


@pytest.fixture
def pg_store(tmp_path: Path) -> Iterator[Engine]:
    with temporary_schema() as (url, _):
        engine = open_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_postgres_counts_every_failure_of_two_concurrent_jobs(
    tmp_path: Path, pg_store: Engine
) -> None:
    world = World(tmp_path, FakeNetwork(), pg_store)
    _run_two_jobs(world)
    assert _failures(pg_store) == 2 * HOSTS
