"""Feature flags: stable buckets, modes, and the netraven.toml declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

from netraven.errors import InputError
from netraven.flags import BUCKETS, FlagDefinition, FlagOverride, FlagState, bucket, resolve
from netraven.flags.builtin import BUILTIN_FLAGS
from netraven.settings import load_settings

HOSTS = [f"sw-{i:04d}" for i in range(4000)]


def rollout(percent: float, tags: tuple[str, ...] = ()) -> FlagState:
    return FlagState("new_ntp", "", False, "rollout", percent, tags)


def test_bucket_is_stable_across_processes_and_spread_per_flag() -> None:
    # A fixed value: Python's salted hash() would change between runs, sha256 does not.
    assert bucket("new_ntp", "sw-0001") == bucket("new_ntp", "sw-0001")
    # sha256(b"new_ntp\0sw-0001"), first 8 bytes big-endian, mod 10000 (checked with sha256sum).
    assert bucket("new_ntp", "sw-0001") == 5355
    assert all(0 <= bucket("f", h) < BUCKETS for h in HOSTS[:200])
    # Two flags do not pick the same canaries.
    first = {h for h in HOSTS if rollout(10).on_for(h)}
    other = {h for h in HOSTS if FlagState("other", "", False, "rollout", 10).on_for(h)}
    assert len(first & other) < len(first) / 2


def test_raising_the_percentage_only_adds_hosts_and_roughly_matches_it() -> None:
    previous: set[str] = set()
    for percent in (0, 1, 5, 10, 25, 50, 90, 100):
        on = {h for h in HOSTS if rollout(percent).on_for(h)}
        assert previous <= on
        assert abs(len(on) - len(HOSTS) * percent / 100) <= max(0.02 * len(HOSTS), 1)
        previous = on
    assert len(previous) == len(HOSTS)
    assert not any(rollout(0).on_for(h) for h in HOSTS)


def test_tags_switch_on_hosts_outside_the_percentage() -> None:
    state = rollout(0, ("canary",))
    assert state.on_for("sw-0001", ["canary", "ams"])
    assert not state.on_for("sw-0001", ["ams"])
    assert state.describe() == "rollout: 0% of hosts or tags canary"


def test_modes_and_resolution() -> None:
    declared = [FlagDefinition("a", "A", True), FlagDefinition("b", "B", False)]
    states = resolve(declared, {})
    assert states["a"].mode == "default" and states["a"].on_for("x")
    assert not states["b"].on_for("x")
    states = resolve(
        declared,
        {
            "a": FlagOverride("a", enabled=False),
            "b": FlagOverride("b", percent=100.0),
            "gone": FlagOverride("gone", enabled=True),  # undeclared: not evaluated
        },
    )
    assert set(states) == {"a", "b"}
    assert states["a"].mode == "off" and not states["a"].on_for("x")
    assert states["b"].mode == "rollout" and states["b"].on_for("x")


def test_flags_are_declared_in_netraven_toml(tmp_path: Path) -> None:
    (tmp_path / "netraven.toml").write_text(
        'forks = 5\n\n[flags.new_ntp]\ndescription = "Push the new NTP servers"\n'
        "default = false\n\n[flags.fast_backup]\ndefault = true\n"
    )
    settings = load_settings(tmp_path)
    assert settings.flags[:2] == (
        FlagDefinition("new_ntp", "Push the new NTP servers", False),
        FlagDefinition("fast_backup", "", True),
    )
    assert settings.flags[2:] == BUILTIN_FLAGS
    assert settings.forks == 5


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("[flags.new_ntp]\ndefault = 'yes'\n", "flags.new_ntp: default: expected a boolean", 1),
        ("x = 1\n[flags.ok]\n[flags.New]\n", "flags.New: a flag name is lower-case", 3),
        ("[flags.a]\ncolour = 'red'\n", "flags.a: unknown key 'colour'", 1),
        ("flags = 3\n", "flags: expected tables [flags.NAME]", 1),
    ],
)
def test_bad_declarations_name_file_line_and_field(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    (tmp_path / "netraven.toml").write_text(text)
    with pytest.raises(InputError) as raised:
        load_settings(tmp_path)
    assert message in str(raised.value)
    assert f"netraven.toml:{line}" in str(raised.value)


def test_builtin_flags_are_always_there_and_a_declaration_changes_their_default(
    tmp_path: Path,
) -> None:
    from netraven.app.flags import flag_states

    plain = load_settings(tmp_path).flags
    assert plain == BUILTIN_FLAGS
    (tmp_path / "netraven.toml").write_text("[flags.ui_breakers]\ndefault = false\n")
    flags = load_settings(tmp_path).flags
    ui = next(f for f in flags if f.name == "ui_breakers")
    assert ui.default is False and ui.scope == "ui" and ui.description  # kept from the built-in
    assert [f.name for f in flags].count("ui_breakers") == 1
    # Jobs only see job-scope flags: with only UI flags the store is not even read.
    assert flag_states([f for f in flags if f.scope == "ui"], None) == {}  # type: ignore[arg-type]
