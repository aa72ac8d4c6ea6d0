"""What a flag is and how it is decided for one host: pure functions, no I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Percentages are resolved on a 1/100 of a percent grid, so ``--percent 0.5`` means something.
BUCKETS = 10_000
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class FlagDefinition:
    """A flag as ``netraven.toml`` declares it (``[flags.NAME]``)."""

    name: str
    description: str = ""
    default: bool = False
    scope: str = "job"  # "job": decided per host in jobs; "ui": hides web UI pages


@dataclass(frozen=True)
class FlagOverride:
    """What the store says, set by ``netraven flags …`` or the API.

    ``enabled`` True/False switches the flag on/off for every host; None with a percentage
    or tags is a gradual rollout; the row's absence means "the declared default".
    """

    name: str
    enabled: bool | None = None
    percent: float | None = None
    tags: tuple[str, ...] = ()
    updated_by: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class FlagState:
    """A flag's effective setting for one job: what ``flag(NAME)`` is decided from."""

    name: str
    description: str
    default: bool
    mode: str  # "default", "on", "off" or "rollout"
    percent: float | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    def on_for(self, host: str, host_tags: Iterable[str] = ()) -> bool:
        if self.mode == "on":
            return True
        if self.mode == "off":
            return False
        if self.mode == "default":
            return self.default
        if self.tags and not set(self.tags).isdisjoint(host_tags):
            return True
        return self.percent is not None and bucket(self.name, host) < self.percent * 100

    def describe(self) -> str:
        if self.mode == "default":
            return f"default ({'on' if self.default else 'off'})"
        if self.mode != "rollout":
            return self.mode
        parts = []
        if self.percent is not None:
            parts.append(f"{self.percent:g}% of hosts")
        if self.tags:
            parts.append("tags " + ", ".join(self.tags))
        return "rollout: " + " or ".join(parts)

    def as_record(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "default": self.default,
            "percent": self.percent,
            "tags": list(self.tags),
        }


def bucket(flag: str, host: str) -> int:
    """The host's stable place, 0..BUCKETS-1, in this flag's rollout order.

    Hashing the flag name with the host spreads each flag's rollout over different hosts,
    so the same unlucky 10 % are not the canaries of every flag. sha256, not ``hash()``:
    Python salts ``hash`` per process, and a host must stay in its bucket across runs,
    machines and releases.
    """
    digest = hashlib.sha256(f"{flag}\0{host}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def resolve(
    definitions: Iterable[FlagDefinition], overrides: Mapping[str, FlagOverride]
) -> dict[str, FlagState]:
    """Each declared flag's state for a job; an override of an undeclared flag is ignored.

    Undeclared overrides stay in the store (the declaration may come back with the next
    commit of ``netraven.toml``) but cannot be evaluated without a description and default.
    """
    states: dict[str, FlagState] = {}
    for definition in definitions:
        override = overrides.get(definition.name)
        mode = "default"
        percent: float | None = None
        tags: tuple[str, ...] = ()
        if override is not None:
            if override.enabled is not None:
                mode = "on" if override.enabled else "off"
            elif override.percent is not None or override.tags:
                mode, percent, tags = "rollout", override.percent, override.tags
        states[definition.name] = FlagState(
            definition.name, definition.description, definition.default, mode, percent, tags
        )
    return states
