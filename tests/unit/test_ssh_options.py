"""data.ssh: merged host → groups → defaults key by key, checked, handed to the drivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netraven.connections.base import HostParams
from netraven.connections.scrapli_conn import ScrapliConnection
from netraven.connections.ssh_options import SshOptions
from netraven.errors import InputError
from netraven.inventory import load_inventory


def _host(tmp_path: Path, host: dict[str, Any], group: dict[str, Any], defaults: dict[str, Any]):  # type: ignore[no-untyped-def]
    (tmp_path / "hosts.yaml").write_text(yaml.safe_dump({"r1": {"groups": ["old"], **host}}))
    (tmp_path / "groups.yaml").write_text(yaml.safe_dump({"old": group}))
    (tmp_path / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    inventory, _ = load_inventory(tmp_path)
    return inventory.hosts["r1"]


def test_keys_merge_host_over_group_over_defaults(tmp_path: Path) -> None:
    host = _host(
        tmp_path,
        {"data": {"ssh": {"ciphers": ["aes128-cbc"]}}},
        {"data": {"ssh": {"kex": ["diffie-hellman-group1-sha1"], "ciphers": ["aes256-ctr"]}}},
        {"data": {"ssh": {"known_hosts": "/etc/ssh/ssh_known_hosts"}}},
    )
    options = SshOptions.from_host(host)
    assert options.algorithms == (
        ("kex", ("diffie-hellman-group1-sha1",)),
        ("ciphers", ("aes128-cbc",)),
    )
    assert options.host_key_checking is True
    assert options.asyncssh_args() == {
        "kex_algs": ["diffie-hellman-group1-sha1"],
        "encryption_algs": ["aes128-cbc"],
        "known_hosts": "/etc/ssh/ssh_known_hosts",
    }


def test_default_is_checking_against_the_users_known_hosts() -> None:
    options = SshOptions()
    assert options.host_key_checking is True
    assert options.asyncssh_args() == {
        "known_hosts": str(Path("~/.ssh/known_hosts").expanduser())
    }
    assert SshOptions(host_key_checking=False).asyncssh_args() == {"known_hosts": None}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kex": ["diffie-hellman-group0-md5"]}, "data.ssh.kex: unknown algorithm"),
        ({"ciphers": []}, "data.ssh.ciphers must be a non-empty list"),
        ({"macs": [1]}, "data.ssh.macs must be"),
        ({"host_key_algs": ["ssh-rsa", "nope"]}, "unknown algorithm 'nope'"),
        ({"host_key_checking": "no"}, "host_key_checking must be true or false"),
        ({"known_hosts": 3}, "known_hosts must be a file path"),
        ({"strict": True}, "data.ssh.strict: unknown key"),
    ],
)
def test_bad_values_are_input_errors_naming_the_host(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=f"host r9: .*{message}"):
        SshOptions.parse("r9", values)


def test_scrapli_gets_the_lists_and_known_hosts_through_asyncssh(tmp_path: Path) -> None:
    ssh = SshOptions.parse("r1", {"kex": ["diffie-hellman-group14-sha1"], "known_hosts": "kh"})
    params = HostParams(
        "r1", "10.0.0.1", 22, "u", "p", None, "cisco_ios", 5.0,
        {"transport_options": {"asyncssh": {"keepalive_interval": 7}}}, ssh=ssh,
    )  # fmt: skip
    conn = ScrapliConnection(params)
    options = conn._driver.transport._base_transport_args.transport_options["asyncssh"]
    assert options == {
        "keepalive_interval": 7,  # the user's own asyncssh options are kept
        "kex_algs": ["diffie-hellman-group14-sha1"],
        "known_hosts": "kh",
    }
    assert conn._driver.auth_strict_key is False  # asyncssh checks, scrapli does not
