from __future__ import annotations

from pathlib import Path

import pytest

from netraven.errors import InputError
from netraven.inventory import load_inventory
from netraven.playbook.patterns import select, split_pattern


@pytest.fixture
def inventory(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "hosts.yaml").write_text("""\
ams-sw1: {groups: [ams, access], data: {tags: [floor1]}}
ams-sw2: {groups: [ams, access]}
ams-core: {groups: [ams, core], data: {tags: [floor1, critical]}}
lon-sw1: {groups: [lon, access]}
lon-core: {groups: [lon, core]}
""")
    (tmp_path / "groups.yaml").write_text("""\
europe: {}
ams: {groups: [europe]}
lon: {groups: [europe]}
access: {}
core: {}
empty: {}
""")
    inv, _ = load_inventory(tmp_path)
    return inv


@pytest.mark.parametrize(
    ("pattern", "hosts"),
    [
        ("all", ["ams-sw1", "ams-sw2", "ams-core", "lon-sw1", "lon-core"]),
        ("ams", ["ams-sw1", "ams-sw2", "ams-core"]),
        ("europe:!lon", ["ams-sw1", "ams-sw2", "ams-core"]),
        ("access:&ams", ["ams-sw1", "ams-sw2"]),
        ("access:&ams:!ams-sw2", ["ams-sw1"]),
        ("!ams-sw2:access:&ams", ["ams-sw1"]),
        ("core,lon-sw1", ["ams-core", "lon-sw1", "lon-core"]),
        ("tag:floor1", ["ams-sw1", "ams-core"]),
        ("tag:floor1:&core", ["ams-core"]),
        ("~ams-sw\\d", ["ams-sw1", "ams-sw2"]),
        ("lon-*", ["lon-sw1", "lon-core"]),
        ("ams-sw1:!missing-host", ["ams-sw1"]),
    ],
)
def test_patterns(inventory, pattern: str, hosts: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert select(inventory, pattern).hosts == hosts


def test_empty_matches_warn(inventory) -> None:  # type: ignore[no-untyped-def]
    selection = select(inventory, "empty")
    assert selection.hosts == [] and selection.warnings == ["group 'empty' has no hosts"]
    assert select(inventory, "tag:nothing").warnings == ["no host has tag 'nothing'"]


def test_unknown_name_is_an_error(inventory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="unknown host or group 'nope'"):
        select(inventory, "ams:nope")
    with pytest.raises(InputError, match="unknown host or group"):
        select(inventory, "ams:&nope")


def test_split_keeps_tag_terms() -> None:
    assert split_pattern("tag:a:&tag:b:!c") == ["tag:a", "&tag:b", "!c"]
