"""Which UI pages follow which feature flags: a page whose flag is off is hidden, not broken.

The page flags are built in (netraven/flags/builtin.py, on by default), so every project can
switch a page off (``netraven flags disable ui_breakers``) and a ``[flags.ui_breakers]``
table in ``netraven.toml`` may change the default. Off means the flag is ``off``, or at its
default and that default is false; a rollout counts as on, because a page is
shown to people, not to hosts. A hidden page leaves the navigation and its routes answer
404, like a page that does not exist; the API under it is not gated.
"""

from __future__ import annotations

from collections.abc import Iterable

from netraven.app.read_models import FlagView

__all__ = ["PAGE_FLAGS", "hidden_pages"]

# page name (as the navigation and routes call it) -> the flag that gates it
PAGE_FLAGS: dict[str, str] = {
    "hosts": "ui_backups",
    "breakers": "ui_breakers",
    "schedules": "ui_schedules",
    "templates": "ui_templates",
}


def _off(view: FlagView) -> bool:
    if view.mode == "off":
        return True
    return view.mode == "default" and not view.default


def hidden_pages(flags: Iterable[FlagView]) -> frozenset[str]:
    by_name = {v.name: v for v in flags}
    return frozenset(
        page for page, flag in PAGE_FLAGS.items() if flag in by_name and _off(by_name[flag])
    )
