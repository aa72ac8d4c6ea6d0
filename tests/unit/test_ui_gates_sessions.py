"""Which pages flags hide, and the UI's session table."""

from __future__ import annotations

import pytest

from netraven.app.read_models import FlagView
from netraven.service.ui import session as ui_session
from netraven.service.ui.gates import PAGE_FLAGS, hidden_pages
from netraven.service.ui.session import Sessions, same


def flag(name: str, mode: str, default: bool = True, percent: float | None = None) -> FlagView:
    return FlagView(
        name=name, description="", default=default, mode=mode,  # type: ignore[arg-type]
        percent=percent, tags=[], summary="", updated_by=None, updated_at=None,
    )  # fmt: skip


def test_only_declared_flags_that_are_off_hide_their_page() -> None:
    assert hidden_pages([]) == frozenset()  # nothing declared: every page shows
    assert hidden_pages([flag("ui_breakers", "off")]) == {"breakers"}
    assert hidden_pages([flag("ui_breakers", "default", default=False)]) == {"breakers"}
    assert hidden_pages([flag("ui_breakers", "default", default=True)]) == frozenset()
    assert hidden_pages([flag("ui_breakers", "on", default=False)]) == frozenset()
    # a rollout is on for the UI, even at 0 %: the page is for people, not hosts
    assert hidden_pages([flag("ui_schedules", "rollout", False, 0.0)]) == frozenset()
    assert hidden_pages([flag("new_ntp", "off"), flag("ui_templates", "off")]) == {"templates"}
    assert set(PAGE_FLAGS) == {"hosts", "breakers", "schedules", "templates"}


def test_sessions_end_when_idle_dropped_or_crowded(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(ui_session.time, "monotonic", lambda: clock[0])
    sessions = Sessions(idle_seconds=60, limit=2)
    first = sessions.create("a" * 64)
    assert first.id != first.csrf and len(first.id) >= 40
    clock[0] += 59
    assert sessions.get(first.id) is first  # a request keeps it alive
    clock[0] += 59
    assert sessions.get(first.id) is first
    clock[0] += 61
    assert sessions.get(first.id) is None and len(sessions) == 0  # idle too long
    a, b = sessions.create("a" * 64), sessions.create("b" * 64)
    sessions.get(a.id)  # b is now the least recently used
    c = sessions.create("c" * 64)
    assert sessions.get(b.id) is None and sessions.get(a.id) is a and sessions.get(c.id) is c
    sessions.drop(a.id)
    assert sessions.get(a.id) is None
    assert sessions.get(None) is None and sessions.get("") is None


def test_csrf_comparison() -> None:
    assert same("token", "token")
    assert not same("token", "tokex") and not same("token", None) and not same("token", "")
