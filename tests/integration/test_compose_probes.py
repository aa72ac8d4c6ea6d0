"""compose.yaml's health checks, run as plain processes against the real thing.

No Docker daemon here, so the containers never run; but each probe is an ordinary command,
and a typo in one would leave a service "starting" forever. Each probe is taken from
compose.yaml as written, run against a live server on loopback (exit 0) and against a
stopped or absent one (exit not 0). Only what cannot hold outside a container is changed:
ports (the test's free ones instead of 8080/10022), 127.0.0.1 instead of 0.0.0.0 for
listening, ``python`` is this interpreter, and the lab's directory is a temporary one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import ROOT, free_port_range

SERVICES: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def probe(
    service: str,
    replace: dict[str, str],
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> int:
    """Run ``service``'s health check as compose would (CMD: exec, CMD-SHELL: sh -c).

    ``options`` go right after the program's name (a CMD probe only).
    """
    kind, program, *rest = SERVICES[service]["healthcheck"]["test"]
    argv = [program, *options, *rest]
    for old, new in replace.items():
        assert any(old in arg for arg in argv), f"{old!r} not in {service}'s probe"
        argv = [arg.replace(old, new) for arg in argv]
    if kind == "CMD-SHELL":
        # compose turns $$ into $ before the container's shell sees the command
        argv = ["sh", "-c", argv[0].replace("$$", "$")]
    elif argv[0] == "python":
        argv[0] = sys.executable
    return subprocess.run(
        argv, env={**os.environ, **(env or {})}, capture_output=True, timeout=30
    ).returncode


def command(service: str, replace: dict[str, str]) -> list[str]:
    """``service``'s command, with the image's entrypoint (netraven) in front."""
    args = list(SERVICES[service]["command"])
    for old, new in replace.items():
        assert old in args, f"{old!r} not in {service}'s command"
        args[args.index(old)] = new
    return [sys.executable, "-m", "netraven", *args]


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_api_probe_answers_while_serve_runs(tmp_path: Path) -> None:
    port = str(free_port_range(1))
    server = subprocess.Popen(
        command("api", {"0.0.0.0": "127.0.0.1", "8080": port})
        + ["--db", f"sqlite:///{tmp_path / 'store.db'}", "--log-level", "warning"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while probe("api", {":8080/": f":{port}/"}) != 0:
            assert server.poll() is None, "netraven serve exited"
            assert time.monotonic() < deadline, "the api probe never passed"
            time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
    finally:
        stop(server)
    assert probe("api", {":8080/": f":{port}/"}) != 0


def test_lab_probe_answers_while_the_foreground_lab_runs(tmp_path: Path) -> None:
    port = str(free_port_range(6))
    lab = subprocess.Popen(
        command("lab", {"0.0.0.0": "127.0.0.1", "/project/lab": str(tmp_path), "10022": port}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert lab.stdout is not None
        assert lab.stdout.readline().startswith(b"lab up: 6 device(s)")
        assert probe("lab", {"10022": port}) == 0
        hosts = yaml.safe_load((tmp_path / "inventory" / "hosts.yaml").read_text())
        assert {host["hostname"] for host in hosts.values()} == {"lab"}  # the service name
    finally:
        stop(lab)
    assert lab.returncode == 0
    assert probe("lab", {"10022": port}) != 0


def test_postgres_probe_answers_over_tcp() -> None:
    """Against the PostgreSQL the tests use (127.0.0.1:5432), then a port nothing serves."""
    env = {"POSTGRES_USER": "postgres", "POSTGRES_DB": "test"}
    assert probe("postgres", {}, env) == 0
    closed = str(free_port_range(1))
    assert probe("postgres", {}, {**env, "PGPORT": closed}) != 0


def test_redis_probe_answers() -> None:
    """Against the Redis the tests use (127.0.0.1:6379), then a port nothing serves."""
    assert probe("redis", {}) == 0
    closed = str(free_port_range(1))
    assert probe("redis", {}, options=("-p", closed)) != 0
