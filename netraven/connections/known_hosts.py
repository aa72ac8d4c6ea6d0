"""A known_hosts file parsed once, not at every connection.

Given a path, asyncssh reads and parses the whole file at every connect: with a
1,000-line known_hosts (one entry per device, as the lab writes and a real fleet's file
is) a 1,000-device run parsed a million keys, ~7 s of CPU, more than all the SSH work
of the run. The parsed ``SSHKnownHosts`` is kept per path and reused while the file's
size, inode and modification time stay the same, so an edited file (a re-keyed device)
is read again by the next connection; matching a host against it is a dict lookup.
"""

from __future__ import annotations

import os
import threading

import asyncssh

_lock = threading.Lock()  # netmiko's threads and the event loop may both ask
_parsed: dict[str, tuple[tuple[int, int, int], asyncssh.SSHKnownHosts]] = {}


def known_hosts(path: str) -> asyncssh.SSHKnownHosts | str:
    """The parsed file, or ``path`` itself when it cannot be read or parsed here.

    Falling back to the path leaves the error to asyncssh at connect time, where it was
    reported before this cache existed, with the same message.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return path
    stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _lock:
        cached = _parsed.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            parsed = asyncssh.read_known_hosts(path)
        except (OSError, ValueError, asyncssh.Error):
            return path
        _parsed[path] = (stamp, parsed)
        return parsed
