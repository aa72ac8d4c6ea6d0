from __future__ import annotations

from pathlib import Path

import pytest

from netraven.connections.base import HostParams
from netraven.errors import InputError
from netraven.inventory import host_tags, load_inventory


def write(tmp_path: Path, hosts: str, groups: str = "", defaults: str = "") -> Path:
    (tmp_path / "hosts.yaml").write_text(hosts)
    if groups:
        (tmp_path / "groups.yaml").write_text(groups)
    if defaults:
        (tmp_path / "defaults.yaml").write_text(defaults)
    return tmp_path


def test_inheritance_host_groups_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
r1:
  hostname: 10.0.0.1
  groups: [edge, ams]
  data: {role: edge-router}
r2:
  groups: [ams]
  platform: arista_eos
""",
        """\
edge: {port: 2222, data: {tags: [edge], enable_secret: edge-secret}}
ams: {port: 22, username: ams-user, data: {tags: [ams], site: ams}}
""",
        "username: admin\npassword: pw\nplatform: cisco_ios\ndata: {enable_secret: default}\n",
    )
    inv, secrets = load_inventory(tmp_path)
    r1 = HostParams.from_host(inv.hosts["r1"])
    assert (r1.hostname, r1.port, r1.username, r1.password, r1.platform, r1.secret) == (
        "10.0.0.1",
        2222,
        "ams-user",
        "pw",
        "cisco_ios",
        "edge-secret",
    )
    assert host_tags(inv.hosts["r1"]) == ["edge"]  # first group wins, as in Nornir
    r2 = HostParams.from_host(inv.hosts["r2"])
    assert (r2.hostname, r2.port, r2.platform, r2.secret) == ("r2", 22, "arista_eos", "default")
    assert inv.hosts["r2"]["site"] == "ams"
    assert set(secrets) >= {"pw", "edge-secret", "default"}


def test_env_vars_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NR_TEST_PW", "from-env")
    write(tmp_path, "r1: {password: '${NR_TEST_PW}', data: {note: 'x-${NR_TEST_PW}-y'}}\n")
    inv, secrets = load_inventory(tmp_path)
    assert inv.hosts["r1"].password == "from-env"
    assert inv.hosts["r1"]["note"] == "x-from-env-y"
    assert "from-env" in secrets


def test_missing_env_var_names_file_line_and_key(tmp_path: Path) -> None:
    write(tmp_path, "r1:\n  hostname: a\nr2:\n  password: ${NR_TEST_NOT_SET_ANYWHERE}\n")
    with pytest.raises(InputError) as error:
        load_inventory(tmp_path)
    assert str(error.value) == (
        f"{tmp_path / 'hosts.yaml'}:4: r2.password: environment "
        "variable NR_TEST_NOT_SET_ANYWHERE is not set"
    )


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        ("r1: {hostnme: a}\n", "hosts.yaml:1: r1: unknown key 'hostnme'"),
        ("r1:\n  groups: [nope]\n", "hosts.yaml:1: r1.groups: unknown group 'nope'"),
        ("r1:\n  port: abc\n", "hosts.yaml:2: r1.port: expected an integer"),
        ("r1: [\n", "hosts.yaml:2: invalid YAML"),
    ],
)
def test_bad_inventory(tmp_path: Path, hosts: str, message: str) -> None:
    write(tmp_path, hosts)
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        load_inventory(tmp_path)


def test_nornir_connection_options_load(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
r1:
  connection_options:
    netmiko: {extras: {fast_cli: false}, port: 2022}
""",
    )
    inv, _ = load_inventory(tmp_path)
    assert inv.hosts["r1"].connection_options["netmiko"].port == 2022
