"""``repo:NAME`` and ``repo:NAME@VERSION``: templates from the template repository.

Wherever a playbook takes a Jinja2 template file (``config: src``/``template``, the
``template`` action's ``src``, ``rollback: template``) it may name a repository template
instead; ``{% include "repo:NAME" %}`` works inside templates too. The playbook layer knows
no store: a ``TemplateSource`` is attached by whoever prepares the run (``app.runs``).

Within one job a name resolves once: ``repo:NAME`` (the latest version) is pinned at its
first use, so every host renders the same text even if someone adds a version mid-run. The
versions a job actually rendered are kept here for the engine to record with the job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import jinja2

from netraven.errors import InputError

__all__ = [
    "PREFIX",
    "RepoLoader",
    "RepoRef",
    "RepoVersion",
    "TemplateSource",
    "is_repo_ref",
    "parse_ref",
]

PREFIX = "repo:"
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*"
_REF = re.compile(rf"^{PREFIX}(?P<name>{NAME_PATTERN})(?:@(?P<version>[1-9][0-9]*))?$")


@dataclass(frozen=True)
class RepoRef:
    name: str
    version: int | None  # None: the latest

    def __str__(self) -> str:
        return PREFIX + self.name + (f"@{self.version}" if self.version else "")


@dataclass(frozen=True)
class RepoVersion:
    name: str
    version: int
    sha256: str
    body: str


class TemplateSource(Protocol):
    def fetch(self, name: str, version: int | None) -> RepoVersion | None: ...


def is_repo_ref(text: str) -> bool:
    return text.startswith(PREFIX)


def parse_ref(text: str) -> RepoRef:
    match = _REF.match(text.strip())
    if match is None:
        raise InputError(
            f"'{text}' is not a repository reference: use repo:NAME or repo:NAME@VERSION "
            "(VERSION a whole number from 1)"
        )
    version = match.group("version")
    return RepoRef(match.group("name"), int(version) if version else None)


class RepoLoader(jinja2.BaseLoader):
    """The Jinja2 loader for ``repo:`` names; every other name is left to the file loader."""

    def __init__(self) -> None:
        self.source: TemplateSource | None = None
        self.referenced: set[RepoRef] = set()  # seen while loading the playbook
        self._pinned: dict[RepoRef, RepoVersion] = {}
        self._rendered: dict[tuple[str, int], RepoVersion] = {}
        self.on_fetch: Callable[[RepoVersion], None] | None = None

    def attach(self, source: TemplateSource) -> None:
        self.source = source

    def note(self, text: str) -> str:
        """A reference met while loading: check its spelling; return it as written."""
        self.referenced.add(parse_ref(text))
        return text

    def resolve(self, text: str) -> RepoVersion:
        """The version this job uses for ``text`` (pinned at first use)."""
        ref = parse_ref(text)
        pinned = self._pinned.get(ref)
        if pinned is not None:
            return pinned
        if self.source is None:
            raise InputError(f"{ref}: no template repository is available to this run")
        found = self.source.fetch(ref.name, ref.version)
        if found is None:
            exists = ref.version is not None and self.source.fetch(ref.name, None) is not None
            what = f"version {ref.version} of " if exists else ""
            raise InputError(f"{ref}: the template repository has no {what}template '{ref.name}'")
        self._pinned[ref] = found
        self._pinned.setdefault(RepoRef(found.name, found.version), found)
        return found

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool]]:
        if not is_repo_ref(template):
            raise jinja2.TemplateNotFound(template)
        version = self.resolve(template)
        self._rendered[(version.name, version.version)] = version
        return version.body, None, lambda: True  # versions never change

    def pins(self) -> dict[str, int]:
        """Each reference and the version it is pinned to (``repo:NAME`` → the latest as of
        pinning), for another process that must render the same versions (a worker)."""
        return {str(ref): found.version for ref, found in self._pinned.items()}

    def pin(self, pins: dict[str, int]) -> None:
        """Use exactly these versions (``pins()`` of the process that started the job)."""
        for text, version in pins.items():
            ref = parse_ref(text)
            found = self.source.fetch(ref.name, version) if self.source is not None else None
            if found is None:
                raise InputError(f"{ref}: version {version} is not in the template repository")
            self._pinned[ref] = found

    def rendered(self) -> list[RepoVersion]:
        """The versions this job has rendered so far, in name order."""
        return [self._rendered[key] for key in sorted(self._rendered)]
