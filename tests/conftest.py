"""Shared helpers: run the real CLI in a subprocess, find free loopback ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port_range(count: int) -> int:
    """A base port with ``count`` consecutive free ports on 127.0.0.1."""
    for base in range(41000 + (os.getpid() % 200) * 50, 60000, 97):
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free port range")


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
