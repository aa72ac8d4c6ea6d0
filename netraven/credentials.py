"""Credential sets: which logins a host may try, in which order (issue 8 §6).

A ``credentials.yaml`` beside ``hosts.yaml`` names sets of username/password (and optional
enable secret) matched to hosts by tag or group, each with a priority. Nornir's
SimpleInventory ignores the file, so an inventory that has one still loads in Nornir; the
secrets stay out of host variables, where templates and ``hostvars`` would see them.

A host's candidates are its inventory login first (``username``/``password`` resolved
host → groups → defaults, named ``inventory``), then every matching set, lowest
``priority`` first (file order among equals). The session tries them in that order on an
authentication failure only, and never the same set twice for a host in one job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nornir.core.inventory import Host, Inventory

from netraven.connections.base import HostParams
from netraven.errors import InputError, InputErrors
from netraven.yamlfile import LineDict

__all__ = [
    "CREDENTIALS_FILE",
    "INVENTORY_SET",
    "CredentialInventory",
    "CredentialSet",
    "candidates",
    "credential_sets",
    "parse_credentials",
]

CREDENTIALS_FILE = "credentials.yaml"
INVENTORY_SET = "inventory"  # the host's own username/password from hosts/groups/defaults
_KEYS = {"username", "password", "secret", "priority", "tags", "groups"}


@dataclass(frozen=True)
class CredentialSet:
    """One login to try; ``repr`` never shows the password or secret."""

    name: str
    username: str | None
    password: str | None = field(repr=False)
    secret: str | None = field(default=None, repr=False)  # None: keep the host's enable secret
    priority: int = 0
    tags: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def matches(self, host: Host) -> bool:
        """No tags and no groups: every host; otherwise any tag or any group (through
        parent groups) of the host."""
        if not self.tags and not self.groups:
            return True
        tags = host.get("tags", [])
        if isinstance(tags, list) and self.tags & set(tags):
            return True
        return bool(self.groups & {g.name for g in host.extended_groups()})

    def apply(self, params: HostParams) -> HostParams:
        """The host's connection parameters logging in with this set."""
        secret = params.secret if self.secret is None else self.secret
        return replace(params, username=self.username, password=self.password, secret=secret)


class CredentialInventory(Inventory):
    """Nornir's inventory carrying the credential sets loaded beside it."""

    __slots__ = ("credentials",)

    def __init__(self, *args: Any, credentials: Sequence[CredentialSet] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.credentials: tuple[CredentialSet, ...] = tuple(credentials)


def credential_sets(inventory: Inventory | None) -> tuple[CredentialSet, ...]:
    """The sets of an inventory loaded by NetRaven (none for a plain Nornir inventory)."""
    sets: tuple[CredentialSet, ...] = getattr(inventory, "credentials", ())
    return sets


def candidates(host: Host, sets: Iterable[CredentialSet]) -> list[CredentialSet]:
    """The sets a host tries, in order (see the module docstring)."""
    ordered = sorted(
        (s for s in sets if s.matches(host)), key=lambda s: s.priority
    )  # sorted is stable: file order among equal priorities
    if host.username is not None or host.password is not None:
        own = CredentialSet(INVENTORY_SET, host.username, host.password)
        ordered.insert(0, own)
    return ordered


def parse_credentials(
    raw: LineDict,
    path: Path,
    known_groups: set[str],
    expand: Callable[[Any, Path, int, str], Any],
) -> tuple[list[CredentialSet], list[str]]:
    """The sets in ``credentials.yaml`` and their secrets; every mistake by file and line."""
    problems: list[InputError] = []
    sets: list[CredentialSet] = []
    secrets: list[str] = []
    for name, body in raw.items():
        line = raw.key_lines.get(name, 1)
        try:
            cred = _parse_one(str(name), body, path, line, known_groups, expand)
        except InputError as exc:
            problems.extend(exc.errors if isinstance(exc, InputErrors) else [exc])
            continue
        sets.append(cred)
        secrets += [v for v in (cred.password, cred.secret) if v]
    if problems:
        raise InputErrors.of(problems)
    return sets, secrets


def _parse_one(
    name: str,
    body: Any,
    path: Path,
    line: int,
    known_groups: set[str],
    expand: Callable[[Any, Path, int, str], Any],
) -> CredentialSet:
    def error(message: str, key: str | None = None) -> InputError:
        at = body.key_lines.get(key, line) if isinstance(body, LineDict) and key else line
        return InputError(f"{name}{'.' + key if key else ''}: {message}", path=str(path), line=at)

    if name == INVENTORY_SET:
        raise error(f"'{INVENTORY_SET}' is reserved for the host's own username/password")
    if not isinstance(body, LineDict):
        raise error("expected a mapping (username, password, priority, …)")
    unknown = [
        error(f"unknown key (allowed: {', '.join(sorted(_KEYS))})", key)
        for key in body
        if key not in _KEYS
    ]
    if unknown:
        raise InputErrors.of(unknown)
    values = expand(body, path, line, name)
    for key in ("username", "password"):
        if not isinstance(values.get(key), str) or not values[key]:
            raise error("required, a non-empty string", key)
    secret = values.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise error("expected a string", "secret")
    priority = values.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise error("required, an integer (lower is tried first)", "priority")
    lists: dict[str, frozenset[str]] = {}
    for key in ("tags", "groups"):
        value = values.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise error("expected a list of strings", key)
        lists[key] = frozenset(value)
    missing = sorted(lists["groups"] - known_groups)
    if missing:
        raise error(f"unknown group '{missing[0]}'", "groups")
    return CredentialSet(
        name,
        values["username"],
        values["password"],
        secret,
        priority,
        lists["tags"],
        lists["groups"],
    )
