"""The job service's pure parts: roles, path confinement, URLs, SSE framing, feeds."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from netraven.cli.remote import parse_sse
from netraven.errors import InputError, StoreError
from netraven.service.db import async_url
from netraven.service.feed import JobFeed
from netraven.service.requests import StartJob
from netraven.service.routes.events import _frames
from netraven.service.runner import _storable, resolve_inside
from netraven.service.tokens import Role, token_digest


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.ADMIN.allows(Role.VIEWER)
    assert Role.OPERATOR.allows(Role.VIEWER) and not Role.OPERATOR.allows(Role.ADMIN)
    assert not Role.VIEWER.allows(Role.OPERATOR)


def test_token_digest_is_sha256_hex() -> None:
    # echo -n nrv_x | sha256sum
    expected = "27b95f9f46a71bb0a3f7d57fb6999690013b82015f7ec109ecb8ab857ba69bf9"
    assert token_digest("nrv_x") == expected
    assert len(token_digest("nrv_x")) == 64 and token_digest("nrv_y") != token_digest("nrv_x")


def test_paths_stay_inside_the_playbook_directory(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "site.yml").write_text("- hosts: all\n")
    (tmp_path / "secret.yml").write_text("x")
    (root / "link.yml").symlink_to(tmp_path / "secret.yml")
    assert resolve_inside(root, "sub/site.yml", "playbook") == root / "sub" / "site.yml"
    assert resolve_inside(root, "sub/../sub/site.yml", "playbook") == root / "sub" / "site.yml"
    for escaping in ("../secret.yml", str(tmp_path / "secret.yml"), "link.yml"):
        with pytest.raises(InputError, match="outside the service's playbook directory"):
            resolve_inside(root, escaping, "playbook")
    with pytest.raises(InputError, match="does not exist"):
        resolve_inside(root, "nope.yml", "playbook")


def test_async_urls() -> None:
    assert async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert async_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert async_url("postgresql+psycopg://h/db?options=-csearch_path%3Ds").startswith(
        "postgresql+psycopg://h/db?options="
    )
    with pytest.raises(StoreError, match="SQLite and PostgreSQL"):
        async_url("mysql://h/db")
    with pytest.raises(StoreError) as raised:
        async_url("postgresql+asyncpg://u:hunter2@h/db")
    assert "hunter2" not in str(raised.value)


def test_secret_extra_vars_are_never_stored() -> None:
    request = StartJob(
        playbook="p.yml",
        inventory="inv",
        extra_vars={"vlan": 10, "users": [{"name": "a", "password": "s3cret"}], "api_token": "t"},
    )
    stored, withheld = _storable(request)
    assert withheld and "s3cret" not in str(stored) and "'t'" not in str(stored)
    assert stored["extra_vars"]["vlan"] == 10
    plain, withheld = _storable(StartJob(playbook="p", inventory="i", extra_vars={"vlan": 1}))
    assert not withheld and plain["extra_vars"] == {"vlan": 1}


def test_feed_numbers_events_and_resumes() -> None:
    async def scenario() -> tuple[list[int], list[int], list[int | None]]:
        feed = JobFeed(7)
        feed.add("play", play_index=0, play="p", hosts=["a"])
        seen: list[int] = []

        async def follow(after: int, into: list[int]) -> None:
            async for event in feed.follow(after, keepalive=5):
                assert event is not None
                into.append(event.seq)

        first = asyncio.create_task(follow(0, seen))
        await asyncio.sleep(0)
        feed.add("log", level="warning", message="m")
        feed.add("end")
        await first
        resumed: list[int] = []
        await follow(2, resumed)
        quiet = JobFeed(8)
        ticks: list[int | None] = []

        async def one_tick() -> None:
            async for event in quiet.follow(0, keepalive=0.01):
                ticks.append(None if event is None else event.seq)
                if len(ticks) == 2:
                    quiet.add("end")

        await one_tick()
        return seen, resumed, ticks

    seen, resumed, ticks = asyncio.run(scenario())
    assert seen == [1, 2, 3] and resumed == [3]
    assert ticks == [None, None, 1]


def test_a_feed_filled_from_another_thread_wakes_its_subscribers() -> None:
    """Jobs run on their own loop in another thread; subscribers wait on the request loop."""

    async def scenario() -> list[int]:
        feed = JobFeed(9)
        seen: list[int] = []

        def producer() -> None:
            for _ in range(50):
                feed.add("log", level="warning", message="m")
            feed.add("end")
            feed.add("log", level="warning", message="after the end: dropped")

        async def follow() -> None:
            async for event in feed.follow(0, keepalive=5):
                assert event is not None
                seen.append(event.seq)

        follower = asyncio.create_task(follow())
        await asyncio.sleep(0)
        thread = threading.Thread(target=producer)
        thread.start()
        await asyncio.wait_for(follower, 5)
        thread.join()
        return seen

    assert asyncio.run(scenario()) == list(range(1, 52))


def test_sse_frames_round_trip() -> None:
    loop = asyncio.new_event_loop()
    feed = JobFeed(3, loop)
    feed.add("log", level="warning", message="two\nlines")
    feed.add("end")

    async def frames() -> list[str]:
        async def source():  # type: ignore[no-untyped-def]
            yield feed.events[0]
            yield None
            yield feed.events[1]

        return [f async for f in _frames(source())]

    text = "".join(asyncio.run(frames()))
    loop.close()
    assert text.startswith("id: 1\nevent: log\ndata: {") and ": keep-alive\n\n" in text
    parsed = list(parse_sse(iter(text.split("\n"))))
    assert [e.model_dump() for e in parsed] == [e.model_dump() for e in feed.events]
