"""Credential sets: loading from credentials.yaml, matching hosts, ordering, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from netraven.connections.base import HostParams
from netraven.credentials import CredentialSet, candidates, credential_sets
from netraven.errors import InputError
from netraven.inventory import load_inventory
from netraven.vault import encrypt

HOSTS = """\
r1: {groups: [core], data: {tags: [lab]}}
r2: {groups: [edge]}
r3: {groups: [edge], username: own-user, password: own-pw}
"""
GROUPS = "core: {}\nedge: {}\n"


def write(tmp_path: Path, credentials: str, defaults: str = "platform: cisco_ios\n") -> Path:
    (tmp_path / "hosts.yaml").write_text(HOSTS)
    (tmp_path / "groups.yaml").write_text(GROUPS)
    (tmp_path / "defaults.yaml").write_text(defaults)
    (tmp_path / "credentials.yaml").write_text(textwrap.dedent(credentials))
    return tmp_path


CREDS = """\
breakglass: {username: local, password: bg-pw-1, secret: bg-en-1, priority: 20}
aaa: {username: svc, password: aaa-pw-1, priority: 10}
core-only: {username: core, password: core-pw-1, priority: 15, groups: [core]}
lab-tag: {username: lab, password: lab-pw-1, priority: 10, tags: [lab]}
"""


def names(sets: list[CredentialSet]) -> list[str]:
    return [s.name for s in sets]


def test_sets_are_matched_by_group_or_tag_and_ordered_by_priority_then_file_order(
    tmp_path: Path,
) -> None:
    inv, secrets = load_inventory(write(tmp_path, CREDS))
    sets = credential_sets(inv)
    # r1: in group core and tagged lab; aaa and lab-tag tie at 10: file order decides.
    assert names(candidates(inv.hosts["r1"], sets)) == ["aaa", "lab-tag", "core-only", "breakglass"]
    assert names(candidates(inv.hosts["r2"], sets)) == ["aaa", "breakglass"]
    # A host with its own username/password tries it first, as "inventory".
    r3 = candidates(inv.hosts["r3"], sets)
    assert names(r3) == ["inventory", "aaa", "breakglass"]
    assert (r3[0].username, r3[0].password) == ("own-user", "own-pw")
    assert {"bg-pw-1", "bg-en-1", "aaa-pw-1", "core-pw-1", "lab-pw-1"} <= set(secrets)


def test_defaults_login_counts_as_the_inventory_set(tmp_path: Path) -> None:
    inv, _ = load_inventory(write(tmp_path, CREDS, "username: d\npassword: d-pw\n"))
    assert names(candidates(inv.hosts["r2"], credential_sets(inv))) == [
        "inventory",
        "aaa",
        "breakglass",
    ]


def test_apply_replaces_login_and_keeps_the_hosts_enable_secret_unless_given(
    tmp_path: Path,
) -> None:
    inv, _ = load_inventory(
        write(tmp_path, CREDS, "platform: cisco_ios\ndata: {enable_secret: host-en}\n")
    )
    params = HostParams.from_host(inv.hosts["r2"])
    aaa, breakglass = candidates(inv.hosts["r2"], credential_sets(inv))
    assert (aaa.apply(params).username, aaa.apply(params).secret) == ("svc", "host-en")
    used = breakglass.apply(params)
    assert (used.username, used.password, used.secret) == ("local", "bg-pw-1", "bg-en-1")
    assert "bg-pw-1" not in repr(used) and "bg-pw-1" not in repr(breakglass)


def test_values_come_from_the_environment_and_the_vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NR_AAA_PW", "env-pw-1")
    vaulted = textwrap.indent(encrypt("vault-pw-1", b"vpw"), "    ")
    write(
        tmp_path,
        "aaa: {username: svc, password: '${NR_AAA_PW}', priority: 1}\n"
        f"local:\n  username: local\n  priority: 2\n  password: !vault |\n{vaulted}\n",
    )
    inv, secrets = load_inventory(tmp_path, b"vpw")
    sets = credential_sets(inv)
    assert [(s.name, s.password) for s in sets] == [("aaa", "env-pw-1"), ("local", "vault-pw-1")]
    assert {"env-pw-1", "vault-pw-1"} <= set(secrets)


def test_no_credentials_file_means_no_sets(tmp_path: Path) -> None:
    (tmp_path / "hosts.yaml").write_text("r1: {username: u, password: p}\nr2: {}\n")
    inv, _ = load_inventory(tmp_path)
    assert credential_sets(inv) == ()
    assert names(candidates(inv.hosts["r1"], ())) == ["inventory"]
    assert candidates(inv.hosts["r2"], ()) == []


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("aaa: {username: u, password: p}\n", 1, "aaa.priority: required, an integer"),
        ("aaa:\n  username: u\n  priority: 1\n", 1, "aaa.password: required"),
        ("aaa:\n  username: u\n  password: p\n  priority: x\n", 4, "aaa.priority: required"),
        ("aaa:\n  username: u\n  password: p\n  priority: 1\n  pass: q\n", 5, "unknown key"),
        ("aaa:\n  username: u\n  password: p\n  priority: 1\n  groups: [nope]\n", 5, "'nope'"),
        ("aaa:\n  username: u\n  password: p\n  priority: 1\n  tags: lab\n", 5, "list of str"),
        ("inventory: {username: u, password: p, priority: 1}\n", 1, "reserved"),
        ("aaa: [u, p]\n", 1, "expected a mapping"),
    ],
)
def test_mistakes_are_input_errors_with_file_and_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    write(tmp_path, body)
    with pytest.raises(InputError) as caught:
        load_inventory(tmp_path)
    assert caught.value.path == str(tmp_path / "credentials.yaml")
    assert caught.value.line == line
    assert message in str(caught.value)


def test_missing_environment_variable_names_the_set(tmp_path: Path) -> None:
    write(tmp_path, "aaa:\n  username: u\n  password: ${NR_NOT_SET_X}\n  priority: 1\n")
    with pytest.raises(InputError, match=r"credentials.yaml:3: aaa.password: environment"):
        load_inventory(tmp_path)
