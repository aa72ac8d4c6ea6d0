"""The known_hosts file is parsed once and reused until it changes."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from netraven.connections.base import HostParams
from netraven.connections.known_hosts import known_hosts
from netraven.connections.scrapli_conn import ScrapliConnection
from netraven.connections.ssh_options import SshOptions


def _key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519").convert_to_public()


def _write(path: Path, entries: dict[int, asyncssh.SSHKey]) -> None:
    path.write_text(
        "".join(
            f"[127.0.0.1]:{port} {key.export_public_key().decode().strip()}\n"
            for port, key in entries.items()
        )
    )


def _trusted(parsed: asyncssh.SSHKnownHosts, port: int) -> set[bytes]:
    host_keys = parsed.match("127.0.0.1", "127.0.0.1", port)[0]  # by name and by address
    return {k.public_data for k in host_keys}


def test_parsed_once_and_matched_per_port(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    keys = {port: _key() for port in range(10022, 10032)}
    _write(path, keys)
    first = known_hosts(str(path))
    assert isinstance(first, asyncssh.SSHKnownHosts)
    assert known_hosts(str(path)) is first  # not parsed again
    assert _trusted(first, 10025) == {keys[10025].public_data}
    assert _trusted(first, 10099) == set()  # an unknown device stays unknown


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    old, new = _key(), _key()
    _write(path, {10022: old})
    first = known_hosts(str(path))
    stat = path.stat()
    _write(path, {10022: new})  # a re-keyed device: same size, same inode
    # An edit comes seconds later; say so explicitly, the filesystem's clock may be coarse.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = known_hosts(str(path))
    assert second is not first
    assert isinstance(second, asyncssh.SSHKnownHosts)
    assert _trusted(second, 10022) == {new.public_data}


def test_missing_or_broken_file_is_left_to_asyncssh(tmp_path: Path) -> None:
    missing = str(tmp_path / "absent")
    assert known_hosts(missing) == missing
    broken = tmp_path / "broken"
    broken.write_text("garbage\n")  # asyncssh: ValueError, invalid known hosts entry
    assert known_hosts(str(broken)) == str(broken)


def test_scrapli_sessions_share_the_parsed_file(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    _write(path, {10022: _key()})
    ssh = SshOptions.parse("r1", {"known_hosts": str(path)})
    sessions = [
        ScrapliConnection(
            HostParams(name, "127.0.0.1", 10022, "u", "p", None, "cisco_ios", 5.0, {}, ssh=ssh)
        )
        for name in ("r1", "r2")
    ]
    given = [
        s._driver.transport._base_transport_args.transport_options["asyncssh"]["known_hosts"]
        for s in sessions
    ]
    assert isinstance(given[0], asyncssh.SSHKnownHosts)
    assert given[0] is given[1]
