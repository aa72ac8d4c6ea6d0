from __future__ import annotations

import asyncio

import pytest

from netraven.engine.breakers import OPEN, BreakerBoard, BreakerState, StoredBreaker
from netraven.engine.policy import PlayGuard
from netraven.engine.retry import retryable, wait_strategy, with_retries
from netraven.errors import AuthenticationFailed, ConnectionFailed, SessionLost, TaskFailed
from netraven.playbook.schema import Backoff, CircuitBreakerPolicy, Play, Recovery


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionFailed("refused"), True),
        (SessionLost("dropped"), True),
        (AuthenticationFailed("bad password"), False),
        (TaskFailed("% Invalid input"), False),
        (ValueError("x"), False),
    ],
)
def test_retry_classification(error: Exception, expected: bool) -> None:
    assert retryable(error) is expected


def test_backoff_without_jitter_doubles_up_to_max() -> None:
    wait = wait_strategy(Backoff(initial=1, max=5, multiplier=2, jitter=False))

    class State:
        def __init__(self, n: int) -> None:
            self.attempt_number = n

    assert [wait(State(n)) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]  # type: ignore[arg-type]


def test_with_retries_stops_on_non_retryable() -> None:
    calls: list[int] = []
    retried: list[int] = []

    async def attempt(n: int) -> str:
        calls.append(n)
        if n == 1:
            raise SessionLost("dropped")
        raise AuthenticationFailed("no")

    with pytest.raises(AuthenticationFailed):
        asyncio.run(
            with_retries(
                attempt, 5, Backoff(initial=0, jitter=False), lambda n, e, d: retried.append(n)
            )
        )
    assert calls == [1, 2] and retried == [1]


def test_with_retries_returns_attempt_count() -> None:
    async def attempt(n: int) -> str:
        if n < 3:
            raise ConnectionFailed("refused")
        return "ok"

    result = asyncio.run(
        with_retries(attempt, 3, Backoff(initial=0, jitter=False), lambda *a: None)
    )
    assert result == ("ok", 3)


def test_task_recovery_overrides_play() -> None:
    play = Play.model_validate(
        {
            "hosts": "all",
            "recovery": {"retries": 2, "on_failure": "rollback", "max_fail_percentage": 10},
            "tasks": [{"command": "x", "recovery": {"retries": 0}}],
        }
    )
    merged = play.recovery.merged(play.tasks[0].recovery)
    assert (merged.retries, merged.on_failure, merged.max_fail_percentage) == (0, "rollback", 10)
    assert Recovery().retries == 0 and Recovery().on_failure == "continue"


def test_play_guard_percentages() -> None:
    guard = PlayGuard(4, Recovery(max_fail_percentage=50))
    guard.host_failed("a", fatal=False)
    guard.host_failed("b", fatal=False)
    assert not guard.aborted  # 50% is not more than 50%
    guard.host_failed("c", fatal=False)
    assert guard.aborted and "3 of 4" in str(guard.reason)
    fatal = PlayGuard(10, Recovery(any_errors_fatal=True))
    fatal.host_failed("a", fatal=False)
    assert fatal.aborted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SharedBreakers:
    """An in-memory stand-in for the store's atomic breaker rows, shared by several boards."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rows: dict[str, StoredBreaker] = {}
        self.changes: list[tuple[str, str]] = []

    def _put(self, key: str, row: StoredBreaker) -> StoredBreaker:
        self.rows[key] = row
        self.changes.append((key, row.state))
        return row

    async def failure(self, key: str, policy: CircuitBreakerPolicy, trial: bool) -> StoredBreaker:
        row = self.rows.get(key, StoredBreaker("closed", 0, None))
        failures = row.failures + 1
        if trial or failures >= policy.threshold:
            opened = self.clock() if trial or row.state != OPEN else row.opened_at
            return self._put(key, StoredBreaker(OPEN, failures, opened))
        return self._put(key, StoredBreaker(row.state, failures, row.opened_at))

    async def success(self, key: str, policy: CircuitBreakerPolicy, trial: bool) -> StoredBreaker:
        row = self.rows.get(key, StoredBreaker("closed", 0, None))
        if trial or row.state == "closed":
            return self._put(key, StoredBreaker("closed", 0, None))
        return row

    async def trial(self, key: str, policy: CircuitBreakerPolicy) -> StoredBreaker:
        row = self.rows.get(key, StoredBreaker("closed", 0, None))
        return self._put(key, StoredBreaker("half_open", row.failures, row.opened_at))


def test_breaker_opens_at_threshold_and_half_opens_after_reset() -> None:
    policy = CircuitBreakerPolicy(scope="group", threshold=2, reset_after=60)
    clock = Clock()
    shared = SharedBreakers(clock)
    changes = shared.changes

    async def scenario() -> None:
        board = BreakerBoard([], shared, clock)
        first = await board.admit("group:ams", policy)
        second = await board.admit("group:ams", policy)
        # A third host must wait: two in flight could both still fail.
        third = asyncio.create_task(board.admit("group:ams", policy))
        await asyncio.sleep(0)
        assert not third.done()
        await board.release("group:ams", policy, first, success=False)
        await asyncio.sleep(0)
        assert not third.done()  # one failure + one in flight = threshold
        await board.release("group:ams", policy, second, success=False)
        skipped = await third
        assert not skipped.admitted and skipped.reason == "circuit open: group:ams"
        assert board.open_keys() == ["group:ams"]
        clock.now += 61
        trial = await board.admit("group:ams", policy)
        assert trial.admitted and trial.trial
        assert not (await board.admit("group:ams", policy)).admitted  # one trial at a time
        await board.release("group:ams", policy, trial, success=True)
        assert board.open_keys() == []

    asyncio.run(scenario())
    assert ("group:ams", OPEN) in changes and changes[-1] == ("group:ams", "closed")


def test_breaker_state_survives_via_initial_state() -> None:
    policy = CircuitBreakerPolicy(threshold=1, reset_after=300)
    clock = Clock()
    opened = BreakerState("group:lon", OPEN, 1, opened_at=clock.now - 10)
    board = BreakerBoard([opened], None, clock)
    admission = asyncio.run(board.admit("group:lon", policy))
    assert not admission.admitted


def test_interrupted_host_is_no_verdict_for_the_breaker() -> None:
    policy = CircuitBreakerPolicy(threshold=1)

    async def scenario() -> BreakerBoard:
        board = BreakerBoard([], None, Clock())
        admission = await board.admit("host:a", policy)
        await board.release("host:a", policy, admission, None)
        return board

    board = asyncio.run(scenario())
    assert board.open_keys() == [] and board.state("host:a").failures == 0
    assert board.state("host:a").in_flight == 0


def test_failures_of_a_concurrent_job_open_this_jobs_breaker() -> None:
    policy = CircuitBreakerPolicy(scope="group", threshold=3, reset_after=300)
    clock = Clock()
    shared = SharedBreakers(clock)

    async def scenario() -> tuple[BreakerBoard, BreakerBoard]:
        one, two = BreakerBoard([], shared, clock), BreakerBoard([], shared, clock)
        for board in (one, two, one):
            admission = await board.admit("group:ams", policy)
            await board.release("group:ams", policy, admission, success=False)
        return one, two

    one, two = asyncio.run(scenario())
    assert shared.rows["group:ams"].failures == 3 and shared.rows["group:ams"].state == OPEN
    assert one.open_keys() == ["group:ams"]  # it counted the other job's failure
    assert two.state("group:ams").failures == 2  # it had seen the first one, too
