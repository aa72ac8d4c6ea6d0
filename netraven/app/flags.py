"""Feature flags as users manage them: list, switch on/off, roll out, and a job's snapshot."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from netraven.app.read_models import FlagView
from netraven.errors import InputError
from netraven.flags.model import FlagDefinition, FlagOverride, FlagState, resolve
from netraven.store import flag_queries

__all__ = ["flag_states", "list_flags", "reset_flag", "rollout_flag", "switch_flag"]


def _declared(definitions: Sequence[FlagDefinition], name: str) -> FlagDefinition:
    for definition in definitions:
        if definition.name == name:
            return definition
    known = ", ".join(d.name for d in definitions) or "none"
    raise InputError(f"no feature flag '{name}' is declared in netraven.toml (declared: {known})")


def _view(state: FlagState, override: FlagOverride | None) -> FlagView:
    return FlagView(
        name=state.name,
        description=state.description,
        default=state.default,
        mode=state.mode,
        percent=state.percent,
        tags=list(state.tags),
        summary=state.describe(),
        updated_by=override.updated_by if override else None,
        updated_at=override.updated_at if override else None,
    )


def flag_states(definitions: Sequence[FlagDefinition], store: Engine) -> dict[str, FlagState]:
    """What a job starting now sees: the ``job``-scope flags; none, no store access."""
    for_jobs = [d for d in definitions if d.scope == "job"]
    if not for_jobs:
        return {}
    return resolve(for_jobs, flag_queries.load_overrides(store))


def list_flags(definitions: Sequence[FlagDefinition], store: Engine | None) -> list[FlagView]:
    """``store`` None: there is no store yet, so every flag has its declared default."""
    overrides = flag_queries.load_overrides(store) if store is not None else {}
    states = resolve(definitions, overrides)
    return [_view(states[d.name], overrides.get(d.name)) for d in definitions]


def switch_flag(
    definitions: Sequence[FlagDefinition], store: Engine, name: str, on: bool, by: str
) -> FlagView:
    """On or off for every host, whatever the default and any rollout said."""
    definition = _declared(definitions, name)
    saved = flag_queries.save_override(store, FlagOverride(name, enabled=on), by)
    return _view(resolve([definition], {name: saved})[name], saved)


def rollout_flag(
    definitions: Sequence[FlagDefinition],
    store: Engine,
    name: str,
    by: str,
    *,
    percent: float | None = None,
    tags: Sequence[str] = (),
) -> FlagView:
    """On for a stable share of hosts and/or the hosts with any of ``tags``."""
    definition = _declared(definitions, name)
    if percent is None and not tags:
        raise InputError("a rollout needs --percent P and/or --tag T")
    if percent is not None and not 0 <= percent <= 100:
        raise InputError(f"--percent: {percent:g} is not between 0 and 100")
    override = FlagOverride(name, percent=percent, tags=tuple(dict.fromkeys(tags)))
    saved = flag_queries.save_override(store, override, by)
    return _view(resolve([definition], {name: saved})[name], saved)


def reset_flag(definitions: Sequence[FlagDefinition], store: Engine, name: str) -> FlagView:
    """Forget the override: the flag goes back to its declared default."""
    definition = _declared(definitions, name)
    flag_queries.clear_override(store, name)
    return _view(resolve([definition], {})[name], None)
