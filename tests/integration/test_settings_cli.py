"""Settings through the real CLI: --version, config show, breakers --db, the lab from anywhere."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncssh

import netraven
from netraven.lab import control
from netraven.store import queries
from netraven.store.breakers import record_breaker_failure
from netraven.store.engine import open_engine
from tests.conftest import free_port_range
from tests.conftest import netraven as cli

CLEAN_ENV = {name: "" for name in os.environ if name.upper().startswith("NETRAVEN_")}


def run(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    result = cli(*args, cwd=cwd, env={**CLEAN_ENV, **env})
    return result.returncode, result.stdout, result.stderr


def test_version(workdir: Path) -> None:
    code, out, err = run("--version", cwd=workdir)
    assert (code, out, err) == (0, f"netraven {netraven.__version__}\n", "")


def test_config_show_reports_values_and_sources_with_secrets_masked(workdir: Path) -> None:
    (workdir / "netraven.toml").write_text('state_dir = "state"\nforks = 12\n')
    sub = workdir / "site" / "ams"
    sub.mkdir(parents=True)
    code, out, err = run(
        "config",
        "show",
        "--json",
        cwd=sub,
        NETRAVEN_DB_URL="postgresql+psycopg://ops:Hunter2pw@127.0.0.1:5432/test?password=Qz9x",
    )
    assert code == 0, err
    assert "Hunter2pw" not in out and "Qz9x" not in out
    document = json.loads(out)
    shown = document["settings"]
    toml = f"netraven.toml ({workdir / 'netraven.toml'})"
    assert document["config_file"] == str(workdir / "netraven.toml")
    assert shown["forks"] == {"value": 12, "source": toml}
    assert shown["state_dir"] == {"value": str(workdir / "state"), "source": toml}
    assert shown["lab_dir"] == {"value": str(workdir / "state" / "lab"), "source": "default"}
    assert shown["db_url"] == {
        "value": "postgresql+psycopg://ops:***@127.0.0.1:5432/test?password=***",
        "source": "env NETRAVEN_DB_URL",
    }
    code, text, _ = run("config", "show", cwd=sub)
    assert code == 0
    assert text.splitlines()[0] == f"config file: {workdir / 'netraven.toml'}"
    forks = next(line for line in text.splitlines() if line.startswith("forks"))
    assert forks.split() == ["forks", "12", "netraven.toml", f"({workdir / 'netraven.toml'})"]


def test_bad_netraven_toml_is_exit_5_with_file_line_and_key(workdir: Path) -> None:
    (workdir / "netraven.toml").write_text("forks = 4\nforkz = 5\n")
    code, out, err = run("config", "show", cwd=workdir)
    assert code == 5 and out == ""
    assert err.startswith(f"error: {workdir / 'netraven.toml'}:2: unknown key 'forkz'")
    assert "Traceback" not in err and len(err.splitlines()) == 1
    (workdir / "netraven.toml").write_text("forks = 4\n\nstate_dir = \n")
    code, _, err = run("breakers", "list", cwd=workdir)
    assert code == 5 and f"{workdir / 'netraven.toml'}:3: invalid TOML" in err
    code, _, err = run("config", "show", cwd=workdir / "..", NETRAVEN_FORKS="zero")
    assert code == 5 and "NETRAVEN_FORKS" in err


def test_breakers_use_the_store_netraven_toml_names(workdir: Path) -> None:
    (workdir / "netraven.toml").write_text('db_url = "sqlite:///jobs/store.db"\n')
    sub = workdir / "deep" / "er"
    sub.mkdir(parents=True)
    engine = open_engine(f"sqlite:///{workdir / 'jobs' / 'store.db'}")
    record_breaker_failure(
        engine,
        "group:ams",
        threshold=1,
        reset_after=300.0,
        job_id=1,
        now=datetime.now(UTC),
        trial=False,
    )
    code, out, err = run("breakers", "list", "--json", cwd=sub)
    assert code == 0, err
    assert [b["scope_key"] for b in json.loads(out)] == ["group:ams"]
    assert not (sub / ".netraven").exists()
    code, out, _ = run("breakers", "reset", "group:ams", cwd=sub)
    assert (code, out) == (0, "reset 1 breaker(s)\n")
    assert queries.load_breakers(engine) == []
    # --db still wins over the file; listing is read-only, so it creates no store there
    other = workdir / "other.db"
    code, out, err = run("breakers", "list", "--db", f"sqlite:///{other}", cwd=sub)
    assert code == 1 and f"no job store at {other}" in err and not other.exists()


def test_lab_is_found_from_a_subdirectory_and_fault_errors_exit_5(workdir: Path) -> None:
    base = str(free_port_range(2))
    sub = workdir / "playbooks" / "ams"
    sub.mkdir(parents=True)
    code, out, err = run("lab", "up", "--devices", "2", "--base-port", base, cwd=workdir)
    assert code == 0, err
    lab_dir = workdir / ".netraven" / "lab"
    try:
        code, out, _ = run("lab", "status", "--json", cwd=sub)
        assert code == 0
        assert json.loads(out)["running"] and json.loads(out)["dir"] == str(lab_dir)
        code, out, err = run("lab", "fault", "sw-lab-2", "slow", "25", cwd=sub)
        assert code == 0, err
        assert control.faults.load(lab_dir / "faults.json")["sw-lab-2"].slow_ms == 25
        for args, message in (  # the other cases: tests/unit/test_lab_big_config.py
            (("sw-lab-9", "hang"), "no lab device 'sw-lab-9'"),
            (("sw-lab-1", "slow", "soon"), "'soon' is not a number"),
        ):
            code, _, err = run("lab", "fault", *args, cwd=sub)
            assert code == 5 and message in err and "Traceback" not in err, (args, err)
        assert set(control.faults.load(lab_dir / "faults.json")) == {"sw-lab-2"}
    finally:
        code, out, _ = run("lab", "down", cwd=sub)
    assert (code, out) == (0, "lab stopped\n")
    assert control.read_state(lab_dir) is None
    assert run("lab", "status", cwd=sub)[0] == 3
    assert run("lab", "fault", "sw-lab-1", "hang", cwd=sub)[0] == 3


def test_lab_dir_from_netraven_toml_and_big_config(workdir: Path) -> None:
    """A 20,000-line running config is served quickly over SSH, next to a normal device."""
    (workdir / "netraven.toml").write_text('lab_dir = "labs/one"\n')
    sub = workdir / "x"
    sub.mkdir()
    base = free_port_range(2)
    code, out, err = run(
        "lab",
        "up",
        "--devices",
        "2",
        "--base-port",
        str(base),
        "--big-config",
        "sw-lab-1:20000",
        cwd=sub,
    )
    assert code == 0, err
    lab_dir = workdir / "labs" / "one"
    try:
        assert control.read_state(lab_dir) is not None
        assert (lab_dir / "inventory" / "hosts.yaml").exists()
        big, big_seconds = asyncio.run(show_running_config(base))
        small, _ = asyncio.run(show_running_config(base + 1))
        assert big.count("\n") > 20_000 > 200 > small.count("\n")
        assert big.endswith("\r\n!\r\nend\r\nsw-lab-1#")
        assert big_seconds < 5.0, f"show running-config took {big_seconds:.2f}s"
        assert run("lab", "status", cwd=workdir)[0] == 0
    finally:
        assert run("lab", "down", cwd=workdir)[0] == 0
    code, _, err = run("lab", "up", "--big-config", "sw-lab-7:100", cwd=sub)
    assert code == 5 and "no lab device 'sw-lab-7'" in err


async def show_running_config(port: int) -> tuple[str, float]:
    """The device's answer to ``show running-config`` over real SSH, and how long it took."""
    settings = control.LabSettings()
    async with asyncssh.connect(
        "127.0.0.1",
        port,
        username=settings.username,
        password=settings.password,
        known_hosts=None,
    ) as connection:
        process = await connection.create_process(term_type="vt100")

        async def until(suffix: str) -> str:
            buffer = ""
            while not buffer.endswith(suffix):
                chunk = await asyncio.wait_for(process.stdout.read(65536), 30)
                if not chunk:
                    raise AssertionError(f"session closed; got {buffer[-200:]!r}")
                buffer += chunk
            return buffer

        await until(">")
        process.stdin.write("enable\n")
        await until("Password: ")
        process.stdin.write(settings.secret + "\n")
        prompt = (await until("#")).strip().splitlines()[-1]
        started = time.perf_counter()
        process.stdin.write("show running-config\n")
        output = await until("\n" + prompt)
        return output, time.perf_counter() - started
