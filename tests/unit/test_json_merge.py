"""What a RESTCONF merge still has to change: containers, keyed lists, leaf-lists, leaves."""

from __future__ import annotations

from netraven.engine.json_merge import SAME, merge, missing, text_diff

CURRENT = {
    "native": {
        "hostname": "sw1",
        "interface": {"Gig": [{"name": "1/0/1", "description": "a"}, {"name": "1/0/2"}]},
        "vlan": {"list": [{"id": 10, "name": "USERS"}]},
        "flags": [None],
    }
}


def test_present_content_is_the_same() -> None:
    wanted = {"native": {"hostname": "sw1", "interface": {"Gig": [{"name": "1/0/1"}]}}}
    assert missing(wanted, CURRENT) is SAME
    assert missing({"native": {"vlan": {"list": [{"id": "10"}]}}}, CURRENT) is SAME  # "10" == 10
    assert missing({"native": {"flags": [None]}}, CURRENT) is SAME


def test_only_the_differing_leaves_and_entries_are_left() -> None:
    wanted = {
        "native": {
            "hostname": "sw1",
            "interface": {
                "Gig": [
                    {"name": "1/0/1", "description": "b"},
                    {"name": "1/0/2"},
                    {"name": "1/0/3", "description": "new"},
                ]
            },
            "vlan": {"list": [{"id": 10, "name": "USERS"}, {"id": 20}]},
        }
    }
    assert missing(wanted, CURRENT) == {
        "native": {
            "interface": {
                "Gig": [
                    {"name": "1/0/1", "description": "b"},
                    {"name": "1/0/3", "description": "new"},
                ]
            },
            "vlan": {"list": [{"id": 20}]},
        }
    }


def test_merge_applies_a_patch_by_list_key() -> None:
    patch = {"native": {"interface": {"Gig": [{"name": "1/0/2", "description": "x"}]}}}
    merged = merge(CURRENT, patch)
    assert merged["native"]["interface"]["Gig"] == [
        {"name": "1/0/1", "description": "a"},
        {"name": "1/0/2", "description": "x"},
    ]
    assert merged["native"]["hostname"] == "sw1"
    assert CURRENT["native"]["interface"]["Gig"][1] == {"name": "1/0/2"}  # not mutated


def test_the_diff_is_of_sorted_indented_json() -> None:
    diff = text_diff({"b": 1, "a": 1}, {"a": 2, "b": 1}, "p")
    assert diff.splitlines()[:2] == ["--- p (device)", "+++ p (wanted)"]
    assert '-  "a": 1,' in diff and '+  "a": 2,' in diff


def test_module_prefixes_are_matched_by_local_name() -> None:
    current = {"mod:native": {"hostname": "sw1", "mod-ntp:ntp": {"server": []}}}
    assert missing({"native": {"hostname": "sw1"}}, current) is SAME
    assert missing({"mod:native": {"ntp": {"server": []}}}, current) is SAME
    assert merge(current, {"native": {"hostname": "sw2"}}) == {
        "mod:native": {"hostname": "sw2", "mod-ntp:ntp": {"server": []}}
    }
