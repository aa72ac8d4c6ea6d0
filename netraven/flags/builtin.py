"""Flags NetRaven declares itself: switches for its own features, on by default.

They behave like declared flags (``netraven flags disable http_connections`` is the kill
switch; a rollout enables a feature for a share of hosts) and a ``[flags.NAME]`` table in
``netraven.toml`` may change a built-in's default. ``scope`` says who is asked: ``job``
flags are decided per host and recorded with every job; ``ui`` flags hide pages of the
web UI and mean nothing to a job.
"""

from __future__ import annotations

from netraven.flags.model import FlagDefinition

__all__ = ["BUILTIN_FLAGS", "HTTP_CONNECTIONS", "merge_declared"]

HTTP_CONNECTIONS = "http_connections"

BUILTIN_FLAGS: tuple[FlagDefinition, ...] = (
    FlagDefinition(
        HTTP_CONNECTIONS,
        "The http connection kind (eAPI, RESTCONF, rest:, restconf_config:); off for a host: "
        "its HTTP tasks fail without a request sent",
        True,
    ),
    FlagDefinition("ui_backups", "Web UI: the host and backup pages", True, scope="ui"),
    FlagDefinition("ui_breakers", "Web UI: the circuit breaker page", True, scope="ui"),
    FlagDefinition("ui_schedules", "Web UI: the schedules page", True, scope="ui"),
    FlagDefinition("ui_templates", "Web UI: the template repository pages", True, scope="ui"),
)


def merge_declared(declared: tuple[FlagDefinition, ...]) -> tuple[FlagDefinition, ...]:
    """The declared flags, then the built-ins not redeclared (which keep their scope)."""
    builtin = {d.name: d for d in BUILTIN_FLAGS}
    merged = [
        FlagDefinition(d.name, d.description or builtin[d.name].description, d.default,
                       scope=builtin[d.name].scope)
        if d.name in builtin
        else d
        for d in declared
    ]
    seen = {d.name for d in declared}
    return (*merged, *(d for d in BUILTIN_FLAGS if d.name not in seen))
