"""``data.ssh``: SSH algorithms for old gear, and host key checking, from the inventory.

Keys (each may be set on the host, a group or the defaults; they merge key by key, the
host's winning, like the rest of the inventory's data):

- ``kex``, ``ciphers``, ``macs``, ``host_key_algs``: the algorithms offered, in order of
  preference, by their SSH wire names (``diffie-hellman-group14-sha1``, ``aes128-cbc``,
  ``hmac-sha1``, ``ssh-rsa``) — the names OpenSSH's ``KexAlgorithms``/``Ciphers``/``MACs``/
  ``HostKeyAlgorithms`` take. A list replaces the client's defaults (it does not add to
  them), so a device offering only legacy algorithms can be reached without weakening
  every other session. Names asyncssh does not know are input errors.
- ``host_key_checking`` (default true, as Ansible's): the device's host key must be in
  ``known_hosts`` (default ``~/.ssh/known_hosts``; OpenSSH format, ``[host]:port``
  entries for other ports). An unknown or changed key fails the host as unreachable.

Only scrapli's asyncssh transport takes algorithm lists; netmiko (paramiko) can only
disable algorithms, so lists on a netmiko host are refused at plan time. Host key
checking applies to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nornir.core.inventory import Host

from netraven.errors import ConnectionFailed, InputError

__all__ = ["ALGORITHM_KEYS", "SshOptions"]

# data.ssh key → asyncssh.connect() argument
ALGORITHM_KEYS = {
    "kex": "kex_algs",
    "ciphers": "encryption_algs",
    "macs": "mac_algs",
    "host_key_algs": "server_host_key_algs",
}
_KEYS = (*ALGORITHM_KEYS, "host_key_checking", "known_hosts")


def _supported(key: str) -> set[str]:
    """What the installed asyncssh can negotiate, defaults and legacy alike."""
    from asyncssh.encryption import get_encryption_algs
    from asyncssh.kex import get_kex_algs
    from asyncssh.mac import get_mac_algs
    from asyncssh.public_key import get_certificate_algs, get_public_key_algs

    names: list[bytes]
    if key == "kex":
        names = list(get_kex_algs())
    elif key == "ciphers":
        names = list(get_encryption_algs())
    elif key == "macs":
        names = list(get_mac_algs())
    else:
        names = [*get_public_key_algs(), *get_certificate_algs()]
    return {n.decode() for n in names}


@dataclass(frozen=True)
class SshOptions:
    algorithms: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (data.ssh key, names)
    host_key_checking: bool = True
    known_hosts: str | None = None  # None: ~/.ssh/known_hosts

    @classmethod
    def from_host(cls, host: Host) -> SshOptions:
        """The host's merged ``data.ssh``; a bad key or value is an InputError."""
        merged: dict[str, Any] = {}
        sources = [host.defaults.data, *(g.data for g in reversed(host.extended_groups()))]
        for data in [*sources, host.data]:
            value = (data or {}).get("ssh")
            if value is None:
                continue
            if not isinstance(value, dict):
                raise InputError(f"host {host.name}: data.ssh must be a mapping")
            merged.update(value)
        return cls.parse(host.name, merged)

    @classmethod
    def parse(cls, name: str, values: dict[str, Any]) -> SshOptions:
        unknown = sorted(set(values) - set(_KEYS))
        if unknown:
            raise InputError(
                f"host {name}: data.ssh.{unknown[0]}: unknown key (allowed: {', '.join(_KEYS)})"
            )
        algorithms: list[tuple[str, tuple[str, ...]]] = []
        for key in ALGORITHM_KEYS:
            names = values.get(key)
            if names is None:
                continue
            if isinstance(names, str):
                names = [names]
            if not isinstance(names, list) or not names or not all(
                isinstance(n, str) for n in names
            ):
                raise InputError(
                    f"host {name}: data.ssh.{key} must be a non-empty list of algorithm names"
                )
            bad = [n for n in names if n not in _supported(key)]
            if bad:
                raise InputError(f"host {name}: data.ssh.{key}: unknown algorithm '{bad[0]}'")
            algorithms.append((key, tuple(names)))
        checking = values.get("host_key_checking", True)
        if not isinstance(checking, bool):
            raise InputError(f"host {name}: data.ssh.host_key_checking must be true or false")
        known = values.get("known_hosts")
        if known is not None and (not isinstance(known, str) or not known):
            raise InputError(f"host {name}: data.ssh.known_hosts must be a file path")
        return cls(tuple(algorithms), checking, known)

    def known_hosts_path(self) -> str:
        return str(Path(self.known_hosts or "~/.ssh/known_hosts").expanduser())

    def check_known_hosts(self) -> None:
        """Refuse to connect, with a clear message, when checking has no file to check against."""
        if self.host_key_checking and not Path(self.known_hosts_path()).is_file():
            raise ConnectionFailed(
                f"host key checking is on and the known_hosts file {self.known_hosts_path()} "
                "does not exist (set data.ssh.known_hosts, or data.ssh.host_key_checking: false)"
            )

    def asyncssh_args(self) -> dict[str, Any]:
        """``asyncssh.connect`` arguments: algorithm lists, and the known_hosts to check.

        ``known_hosts=None`` is asyncssh's "accept any key"; a path makes asyncssh refuse
        a key that is missing or different, matching ``[host]:port`` entries itself.
        """
        args: dict[str, Any] = {ALGORITHM_KEYS[k]: list(v) for k, v in self.algorithms}
        args["known_hosts"] = self.known_hosts_path() if self.host_key_checking else None
        return args

    def netmiko_args(self) -> dict[str, Any]:
        """netmiko's host key arguments (paramiko reads the known_hosts file)."""
        if not self.host_key_checking:
            return {"ssh_strict": False, "system_host_keys": False}
        return {
            "ssh_strict": True,
            "system_host_keys": False,
            "alt_host_keys": True,
            "alt_key_file": self.known_hosts_path(),
        }
