"""Retries of one task on one host, by tenacity, for retryable errors only.

Retryable: refused or reset connections, timeouts, dropped sessions, prompt timeouts.
Never retried: authentication failures (retrying a wrong password locks accounts),
rejected commands, failed asserts, template errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from netraven.errors import DeviceError
from netraven.playbook.schema import Backoff

T = TypeVar("T")


def retryable(error: BaseException) -> bool:
    return isinstance(error, DeviceError) and error.retryable


def wait_strategy(backoff: Backoff) -> wait_base:
    if backoff.jitter:
        return wait_exponential_jitter(
            initial=backoff.initial,
            max=backoff.max,
            exp_base=backoff.multiplier,
            jitter=backoff.initial,
        )
    return wait_exponential(
        multiplier=backoff.initial, exp_base=backoff.multiplier, max=backoff.max
    )


async def with_retries(
    attempt: Callable[[int], Awaitable[T]],
    retries: int,
    backoff: Backoff,
    on_retry: Callable[[int, BaseException, float], None],
) -> tuple[T, int]:
    """Run ``attempt(n)`` until it succeeds, fails for good, or retries run out.

    Returns the result and the number of attempts made; re-raises the last error.
    """
    if retries <= 0:
        return await attempt(1), 1

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        if error is not None:
            on_retry(state.attempt_number, error, delay)

    number = 0
    async for trial in AsyncRetrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_strategy(backoff),
        retry=retry_if_exception(retryable),
        before_sleep=before_sleep,
        reraise=True,
    ):
        with trial:
            number = trial.retry_state.attempt_number
            result = await attempt(number)
    return result, number
