"""Circuit breakers as users see them: which are open, when a trial host may go through,
and closing them by hand."""

from __future__ import annotations

import time
from collections.abc import Callable

from netraven.app.read_models import BreakerView
from netraven.store import queries
from netraven.store.models import Breaker
from netraven.store.queries import Bind

__all__ = ["breaker_view", "list_breakers", "reset_breakers", "trial_in"]


def breaker_view(b: Breaker) -> BreakerView:
    return BreakerView(
        scope_key=b.scope_key,
        state=b.state,
        failures=b.failures,
        opened_at=b.opened_at,
        reset_after=b.reset_after,
        job_id=b.job_id,
    )


def list_breakers(store: Bind, *, include_closed: bool = False) -> list[BreakerView]:
    return [
        breaker_view(b)
        for b in queries.load_breakers(store)
        if include_closed or b.state != "closed"
    ]


def trial_in(view: BreakerView, clock: Callable[[], float] = time.time) -> float | None:
    """Seconds until an open breaker lets a trial host through (None when closed)."""
    if view.state == "closed" or view.opened_at is None:
        return None
    return max(0.0, view.opened_at.timestamp() + view.reset_after - clock())


def reset_breakers(store: Bind, scope_key: str | None) -> int:
    """Close one breaker (or all, for None); the next run contacts the scope's hosts again."""
    return queries.reset_breakers(store, scope_key)
