"""The service's two polling caches: verified tokens and shared job answers.

A fake clock drives expiry; fake lookups count store reads, so each test says how many
reads a sequence of requests costs and what a revoke or a job change does to that.
"""

from __future__ import annotations

import asyncio

import pytest

from netraven.service.response_cache import Answer, ResponseCache
from netraven.service.token_cache import TokenCache
from netraven.service.tokens import Principal, Role


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Store:
    """Tokens by value, with a count of lookups and an optional gate to hold one open."""

    def __init__(self) -> None:
        self.valid: dict[str, Principal] = {"nrv_a": Principal("a", Role.VIEWER)}
        self.lookups = 0
        self.gate: asyncio.Event | None = None

    async def lookup(self, token: str) -> Principal | None:
        self.lookups += 1
        answer = self.valid.get(token)
        if self.gate is not None:
            await self.gate.wait()
        return answer


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_a_valid_token_is_looked_up_once_per_ttl() -> None:
    clock, store = Clock(), Store()
    cache = TokenCache(1.0, clock=clock)

    async def go() -> None:
        for _ in range(20):
            assert await cache.principal("nrv_a", store.lookup) == Principal("a", Role.VIEWER)
        assert store.lookups == 1
        clock.now += 0.99
        await cache.principal("nrv_a", store.lookup)
        assert store.lookups == 1
        clock.now += 0.02  # 1.01 s after the lookup: asked again
        await cache.principal("nrv_a", store.lookup)
        assert store.lookups == 2

    run(go())


def test_unknown_tokens_are_never_remembered() -> None:
    clock, store = Clock(), Store()
    cache = TokenCache(1.0, clock=clock)

    async def go() -> None:
        assert await cache.principal("nrv_new", store.lookup) is None
        store.valid["nrv_new"] = Principal("new", Role.ADMIN)  # created by the CLI meanwhile
        assert await cache.principal("nrv_new", store.lookup) == Principal("new", Role.ADMIN)
        assert store.lookups == 2

    run(go())


def test_revoked_elsewhere_is_refused_within_the_ttl() -> None:
    clock, store = Clock(), Store()
    cache = TokenCache(1.0, clock=clock)

    async def go() -> None:
        await cache.principal("nrv_a", store.lookup)
        del store.valid["nrv_a"]  # `netraven tokens revoke` in another process
        clock.now += 0.5
        assert await cache.principal("nrv_a", store.lookup) is not None  # the stated delay
        clock.now += 0.5
        assert await cache.principal("nrv_a", store.lookup) is None
        assert await cache.principal("nrv_a", store.lookup) is None  # and not remembered

    run(go())


def test_revoked_here_is_refused_at_once() -> None:
    clock, store = Clock(), Store()
    cache = TokenCache(1.0, clock=clock)

    async def go() -> None:
        await cache.principal("nrv_a", store.lookup)
        del store.valid["nrv_a"]
        cache.clear()  # what DELETE /tokens/{name} does once the store has the revoke
        assert await cache.principal("nrv_a", store.lookup) is None

    run(go())


def test_a_lookup_that_raced_a_revoke_is_not_remembered() -> None:
    clock, store = Clock(), Store()
    cache = TokenCache(1.0, clock=clock)

    async def go() -> None:
        store.gate = asyncio.Event()
        early = asyncio.create_task(cache.principal("nrv_a", store.lookup))
        await asyncio.sleep(0)  # it has read "valid" and waits for its answer
        del store.valid["nrv_a"]
        cache.clear()
        store.gate.set()
        assert await early is not None  # it began before the revoke
        assert await cache.principal("nrv_a", store.lookup) is None
        assert store.lookups == 2

    run(go())


def test_concurrent_requests_share_one_token_lookup() -> None:
    clock, store = Clock(), Store()
    cache = TokenCache(1.0, clock=clock)

    async def go() -> None:
        store.gate = asyncio.Event()
        tasks = [asyncio.create_task(cache.principal("nrv_a", store.lookup)) for _ in range(50)]
        await asyncio.sleep(0)
        store.gate.set()
        assert all(p == Principal("a", Role.VIEWER) for p in await asyncio.gather(*tasks))
        assert store.lookups == 1

    run(go())


def test_token_cache_keeps_digests_not_tokens() -> None:
    cache = TokenCache(1.0, clock=Clock())
    run(cache.principal("nrv_a", Store().lookup))
    assert "nrv_a" not in repr(vars(cache))


class Maker:
    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None

    async def __call__(self) -> Answer:
        self.calls += 1
        made = self.calls
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return Answer(f"[{made}]".encode())


def test_an_answer_is_shared_for_the_ttl_then_made_again() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        assert (await cache.get("/jobs?", make)).body == b"[1]"
        clock.now += 0.9
        assert (await cache.get("/jobs?", make)).body == b"[1]"
        assert (await cache.get("/jobs?limit=5", make)).body == b"[2]"  # another question
        clock.now += 0.2
        assert (await cache.get("/jobs?", make)).body == b"[3]"

    run(go())


def test_a_change_here_is_seen_by_the_next_poll() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        await cache.get("/jobs/1/summary?", make)
        cache.invalidate()  # the runner finished job 1
        assert (await cache.get("/jobs/1/summary?", make)).body == b"[2]"

    run(go())


def test_a_read_begun_before_a_change_is_not_served_after_it() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        make.gate = asyncio.Event()
        early = asyncio.create_task(cache.get("k", make))
        await asyncio.sleep(0)
        cache.invalidate()  # the job finished while that read was in flight
        late = asyncio.create_task(cache.get("k", make))  # must not join the stale read
        await asyncio.sleep(0)
        make.gate.set()
        assert (await early).body == b"[1]" and (await late).body == b"[2]"
        assert (await cache.get("k", make)).body == b"[2]"

    run(go())


def test_concurrent_pollers_share_one_read() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        make.gate = asyncio.Event()
        tasks = [asyncio.create_task(cache.get("k", make)) for _ in range(50)]
        await asyncio.sleep(0)
        make.gate.set()
        assert {a.body for a in await asyncio.gather(*tasks)} == {b"[1]"}
        assert make.calls == 1

    run(go())


def test_a_failed_read_reaches_every_waiter_and_is_not_kept() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        make.gate, make.fail = asyncio.Event(), LookupError("no job 9")
        tasks = [asyncio.create_task(cache.get("k", make)) for _ in range(3)]
        await asyncio.sleep(0)
        make.gate.set()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            assert isinstance(outcome, LookupError)
        make.gate, make.fail = None, None
        assert (await cache.get("k", make)).body == b"[2]"

    run(go())


def test_waiters_ask_again_if_the_read_they_shared_was_cancelled() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        make.gate = asyncio.Event()
        first = asyncio.create_task(cache.get("k", make))
        await asyncio.sleep(0)
        second = asyncio.create_task(cache.get("k", make))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.sleep(0)
        make.gate.set()
        assert (await second).body == b"[2]"
        with pytest.raises(asyncio.CancelledError):
            await first

    run(go())


def test_the_cache_is_bounded() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock, max_entries=3)

    async def go() -> None:
        for key in ("a", "b", "c", "d"):
            await cache.get(key, make)
        assert make.calls == 4
        await cache.get("d", make)
        assert make.calls == 4
        await cache.get("a", make)  # the oldest was dropped
        assert make.calls == 5

    run(go())


def test_expired_answers_are_not_kept_until_pushed_out() -> None:
    clock, make = Clock(), Maker()
    cache = ResponseCache(1.0, clock=clock)

    async def go() -> None:
        await cache.get("/jobs/1?", make)  # a big job's detail, say
        await cache.get("/jobs/2?", make)
        assert len(cache) == 2
        clock.now += 1.5
        await cache.get("/jobs?", make)
        assert len(cache) == 1  # only what may still be served is held

    run(go())
