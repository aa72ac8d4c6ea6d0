"""The limiter logic: which scopes limit a host, slot order, login spacing, bad values."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from netraven.engine.limits import DEFAULTS, JobLimits, read_limits
from netraven.errors import InputError
from netraven.inventory import load_inventory


def _inventory(
    tmp_path: Path, hosts: dict[str, Any], groups: dict[str, Any], defaults: dict[str, Any]
) -> Any:
    (tmp_path / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    (tmp_path / "groups.yaml").write_text(yaml.safe_dump(groups))
    (tmp_path / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    inventory, _ = load_inventory(tmp_path)
    return inventory


def test_scopes_include_parent_groups_and_defaults(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {"r1": {"groups": ["ams"]}, "r2": {"groups": ["lon"]}},
        {
            "ams": {"groups": ["eu"]},
            "lon": {},
            "eu": {"data": {"max_concurrency": 2}},
        },
        {"data": {"logins_per_second": 4}},
    )
    limits = read_limits(inv)
    assert limits.concurrency == {"eu": 2}
    assert limits.login_rate == {DEFAULTS: 4.0}
    assert limits.members == {"r1": ("defaults", "eu"), "r2": ("defaults",)}


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("group", {"max_concurrency": 0}, "group g: data.max_concurrency must be above 0"),
        ("group", {"max_concurrency": -1}, "must be above 0"),
        ("group", {"max_concurrency": 1.5}, "must be a whole number"),
        ("group", {"max_concurrency": "two"}, "must be a whole number"),
        ("group", {"max_concurrency": True}, "must be a whole number"),
        ("defaults", {"logins_per_second": "fast"}, "defaults: data.logins_per_second must be"),
        ("defaults", {"logins_per_second": 0}, "must be above 0"),
        ("host", {"max_concurrency": 2}, "host r1: data.max_concurrency limits a group"),
        ("host", {"logins_per_second": 2}, "host r1: data.logins_per_second limits a group"),
    ],
)
def test_bad_values_are_input_errors(
    tmp_path: Path, where: str, value: dict[str, Any], message: str
) -> None:
    host: dict[str, Any] = {"groups": ["g"], **({"data": value} if where == "host" else {})}
    inv = _inventory(
        tmp_path,
        {"r1": host},
        {"g": {"data": value} if where == "group" else {}},
        {"data": value} if where == "defaults" else {},
    )
    with pytest.raises(InputError, match=message):
        read_limits(inv)


def test_login_delays_space_each_group_and_honour_all_of_a_hosts_groups(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {"a1": {"groups": ["a"]}, "a2": {"groups": ["a"]}, "b1": {"groups": ["a", "b"]}},
        {"a": {"data": {"logins_per_second": 2}}, "b": {"data": {"logins_per_second": 1}}},
        {},
    )
    now = [100.0]
    limits = JobLimits(read_limits(inv), clock=lambda: now[0])
    assert limits.login_delay("a1") == 0.0
    assert limits.login_delay("a2") == pytest.approx(0.5)
    assert limits.login_delay("b1") == pytest.approx(1.0)  # a's next slot; b was free
    now[0] = 101.2
    assert limits.login_delay("b1") == pytest.approx(0.8)  # b: one per second after 101.0
    assert limits.login_delay("zz") == 0.0  # a host without limits never waits


def test_slots_bound_concurrency_per_group(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {f"h{i}": {"groups": ["g", "w"] if i % 2 else ["g"]} for i in range(6)},
        {"g": {"data": {"max_concurrency": 3}}, "w": {"data": {"max_concurrency": 1}}},
        {},
    )
    limits = JobLimits(read_limits(inv))
    active: dict[str, int] = {"g": 0, "w": 0}
    peak: dict[str, int] = {"g": 0, "w": 0}

    async def work(host: str, groups: list[str]) -> None:
        async with limits.slot(host, asyncio.Semaphore(10)):
            for g in groups:
                active[g] += 1
                peak[g] = max(peak[g], active[g])
            await asyncio.sleep(0.01)
            for g in groups:
                active[g] -= 1

    async def main() -> None:
        await asyncio.gather(
            *(work(f"h{i}", ["g", "w"] if i % 2 else ["g"]) for i in range(6))
        )

    asyncio.run(main())
    assert peak == {"g": 3, "w": 1}
    assert active == {"g": 0, "w": 0}


def test_a_cancelled_wait_releases_what_it_took(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {"h1": {"groups": ["a", "b"]}, "h2": {"groups": ["b"]}},
        {"a": {"data": {"max_concurrency": 1}}, "b": {"data": {"max_concurrency": 1}}},
        {},
    )
    limits = JobLimits(read_limits(inv))

    async def main() -> bool:
        async with limits.slot("h2"):  # holds b
            waiter = asyncio.create_task(limits.slot("h1").__aenter__())
            await asyncio.sleep(0.01)  # h1 took a, waits for b
            waiter.cancel()
            await asyncio.gather(waiter, return_exceptions=True)
        slot = limits.slot("h1")
        await asyncio.wait_for(slot.__aenter__(), 1)  # a was given back
        await slot.__aexit__(None, None, None)
        return True

    assert asyncio.run(main())
