"""``repo:NAME`` and ``repo:NAME@VERSION`` references and the per-job pinning."""

from __future__ import annotations

import pytest

from netraven.errors import InputError
from netraven.playbook.repo import RepoLoader, RepoRef, RepoVersion, parse_ref


def test_references_parse() -> None:
    assert parse_ref("repo:ntp") == RepoRef("ntp", None)
    assert parse_ref("repo:ios/ntp.cfg@12") == RepoRef("ios/ntp.cfg", 12)
    assert str(RepoRef("ios/ntp", 3)) == "repo:ios/ntp@3"


@pytest.mark.parametrize("bad", ["repo:", "repo:ntp@0", "repo:ntp@x", "repo:../etc", "repo:a@1@2"])
def test_bad_references_are_input_errors(bad: str) -> None:
    with pytest.raises(InputError, match="not a repository reference"):
        parse_ref(bad)


class Source:
    def __init__(self) -> None:
        self.latest = 1
        self.fetches: list[tuple[str, int | None]] = []

    def fetch(self, name: str, version: int | None) -> RepoVersion | None:
        self.fetches.append((name, version))
        if name != "ntp" or (version or 0) > self.latest:
            return None
        number = version or self.latest
        return RepoVersion(name, number, f"sha{number}", f"body {number}")


def test_latest_is_pinned_for_the_job_and_missing_ones_are_named() -> None:
    loader, source = RepoLoader(), Source()
    with pytest.raises(InputError, match="no template repository"):
        loader.resolve("repo:ntp")
    loader.attach(source)
    assert loader.resolve("repo:ntp").version == 1
    source.latest = 2  # a version added while the job runs
    assert loader.resolve("repo:ntp").version == 1
    assert loader.resolve("repo:ntp@2").version == 2
    assert loader.resolve("repo:ntp@1").version == 1
    assert source.fetches == [("ntp", None), ("ntp", 2)]  # @1 was known from the pin
    with pytest.raises(InputError, match="has no version 7 of template 'ntp'"):
        loader.resolve("repo:ntp@7")
    with pytest.raises(InputError, match="has no template 'vlan'"):
        loader.resolve("repo:vlan")


def test_a_worker_renders_the_versions_the_coordinator_pinned() -> None:
    coordinator, source = RepoLoader(), Source()
    coordinator.attach(source)
    assert coordinator.resolve("repo:ntp").version == 1
    pins = coordinator.pins()
    assert pins["repo:ntp"] == 1
    source.latest = 2  # a new version lands before a worker loads the job
    worker = RepoLoader()
    worker.attach(source)
    assert worker.resolve("repo:ntp").version == 2  # on its own it would take the new one
    worker.pin(pins)
    assert worker.resolve("repo:ntp").version == 1
    with pytest.raises(InputError, match="version 9 is not in the template repository"):
        worker.pin({"repo:ntp": 9})
