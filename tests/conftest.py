"""Shared helpers: run the real CLI in a subprocess, find free loopback ports."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


PORT_LOW, PORT_HIGH = 12000, 32000  # below the kernel's ephemeral ports (32768+)
PORT_SLOT = 50
_held_slots: list[IO[bytes]] = []  # slot locks this session holds until it exits


def free_port_range(count: int) -> int:
    """A base port with ``count`` consecutive free ports on 127.0.0.1, below 32768.

    Outgoing connections never get ports below the ephemeral range, so a free range stays
    free unless another test session picks it too. Each session therefore locks the
    50-port slots it takes (``flock``, dropped by the kernel when the process exits, so no
    stale locks) and starts scanning at a slot that depends on its pid.
    """
    needed = -(-count // PORT_SLOT)
    slots = (PORT_HIGH - PORT_LOW) // PORT_SLOT
    lock_dir = Path(tempfile.gettempdir()) / "netraven-test-ports"
    lock_dir.mkdir(exist_ok=True)
    start = (os.getpid() * 7) % slots
    for step in range(slots):
        first = (start + step) % slots
        if first + needed > slots:
            continue
        locks = _lock_slots(lock_dir, range(first, first + needed))
        if locks is None:
            continue
        base = PORT_LOW + first * PORT_SLOT
        if _bindable(base, count):
            _held_slots.extend(locks)
            return base
        for lock in locks:
            lock.close()
    raise RuntimeError("no free port range")


def _lock_slots(lock_dir: Path, slots: range) -> list[IO[bytes]] | None:
    locks: list[IO[bytes]] = []
    for slot in slots:
        handle = (lock_dir / f"slot-{slot}.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            for lock in locks:
                lock.close()
            return None
        locks.append(handle)
    return locks


def _bindable(base: int, count: int) -> bool:
    sockets = []
    try:
        for port in range(base, base + count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for s in sockets:
            s.close()


def netraven(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netraven", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def run_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(
            f"not JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        ) from None
    return document


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A project directory of its own: the default store lands in its .netraven/."""
    return tmp_path
