"""Inventory limits and SSH settings against the lab over real SSH, proven by the lab's log.

One lab for the module: sw-lab-1..5 in the ``access``/``core`` groups as ``lab up`` writes
them, sw-lab-6 started with ``--legacy`` (it offers only old algorithms and an RSA key).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import yaml

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

WORKERS = ["sw-lab-1", "sw-lab-2", "sw-lab-3", "sw-lab-4"]  # all in group "access"
LEGACY = "sw-lab-6"
BOOK = """\
- hosts: {hosts}
  tasks:
    - command: show version
    - command: show clock
    - command: show ip interface brief
"""


@pytest.fixture(scope="module")
def limits_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    running = start_lab(
        tmp_path_factory.mktemp("limitslab"), devices=6, latency_ms=60, legacy=(LEGACY,)
    )
    yield running
    control.down(running.directory)


def _inventory(lab: Lab, target: Path, groups: dict[str, Any] | None = None, **hosts: Any) -> Path:
    lab.inventory_copy(target, **hosts)
    if groups:
        current = yaml.safe_load((target / "groups.yaml").read_text())
        for name, data in groups.items():
            current.setdefault(name, {}).setdefault("data", {}).update(data)
        (target / "groups.yaml").write_text(yaml.safe_dump(current))
    return target


def _run(workdir: Path, inventory: Path, hosts: str, *extra: str) -> Any:
    (workdir / "book.yml").write_text(BOOK.format(hosts=hosts))
    return netraven(
        "run", "book.yml", "-i", str(inventory), "--output", "json", "--forks", "20",
        "--db", f"sqlite:///{workdir / 'limits.db'}", *extra, cwd=workdir,
    )  # fmt: skip


def _sessions(lab: Lab, devices: list[str], since: float) -> list[tuple[float, float]]:
    """Each device's session as (login, last command) from the lab's own log."""
    spans = []
    for device in devices:
        events = lab.commands(device, since)
        opened = [c["t"] for c in events if c["mode"] == "connection" and c["command"] == "open"]
        worked = [c["t"] for c in events if c["mode"] not in ("connection", "disconnect")]
        closed = [c["t"] for c in events if c["mode"] == "disconnect"]
        assert len(opened) == 1 and worked and closed, events  # one session, used and closed
        spans.append((opened[0], worked[-1]))
    return spans


def _peak(spans: list[tuple[float, float]]) -> int:
    points = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    active = peak = 0
    for _, step in points:
        active += step
        peak = max(peak, active)
    return peak


def test_max_concurrency_caps_the_groups_sessions(limits_lab: Lab, workdir: Path) -> None:
    inventory = _inventory(limits_lab, workdir / "inv", {"access": {"max_concurrency": 2}})
    since = time.time()
    result = _run(workdir, inventory, ",".join(WORKERS))
    assert result.returncode == 0, result.stderr
    assert {h["status"] for h in run_json(result)["hosts"].values()} == {"ok"}
    spans = _sessions(limits_lab, WORKERS, since)
    assert _peak(spans) == 2, spans  # never three at once, and two did overlap


def test_without_a_limit_the_same_hosts_all_overlap(limits_lab: Lab, workdir: Path) -> None:
    # The control for the test above: --forks 20 alone lets all four work at once.
    since = time.time()
    result = _run(workdir, limits_lab.inventory, ",".join(WORKERS))
    assert result.returncode == 0, result.stderr
    assert _peak(_sessions(limits_lab, WORKERS, since)) == 4


def test_logins_per_second_spaces_the_logins(limits_lab: Lab, workdir: Path) -> None:
    inventory = _inventory(limits_lab, workdir / "inv", {"access": {"logins_per_second": 4}})
    since = time.time()
    result = _run(workdir, inventory, ",".join(WORKERS))
    assert result.returncode == 0, result.stderr
    logins = sorted(start for start, _ in _sessions(limits_lab, WORKERS, since))
    gaps = [b - a for a, b in zip(logins, logins[1:], strict=False)]
    assert min(gaps) >= 0.2, gaps  # 4 per second: 250 ms apart, less socket jitter


def test_legacy_device_needs_its_algorithms(limits_lab: Lab, workdir: Path) -> None:
    # The generated inventory gives sw-lab-6 the lists it needs.
    hosts = yaml.safe_load((limits_lab.inventory / "hosts.yaml").read_text())
    assert hosts[LEGACY]["data"]["ssh"]["kex"] == control.LEGACY_SSH["kex"]
    result = _run(workdir, limits_lab.inventory, LEGACY)
    assert result.returncode == 0, result.stderr
    assert run_json(result)["hosts"][LEGACY]["status"] == "ok"

    # The same device with the client's default algorithms: no common cipher (CBC only).
    plain = dict(hosts[LEGACY])
    plain["data"] = {"tags": plain["data"]["tags"]}
    inventory = workdir / "plain"
    limits_lab.inventory_copy(inventory)
    all_hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    all_hosts[LEGACY] = plain
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(all_hosts))
    since = time.time()
    result = _run(workdir, inventory, LEGACY)
    assert result.returncode == 4, result.stderr
    host = run_json(result)["hosts"][LEGACY]
    assert host["status"] == "unreachable"
    # The client usually reports the mismatch; sometimes the server's disconnect for the same
    # reason reaches it first. Either way the session never got past key exchange.
    assert host["error"].startswith(
        ("KeyExchangeFailed: No matching encryption algorithm", "ConnectionLost")
    ), host
    assert not [c for c in limits_lab.commands(LEGACY, since) if c["mode"] == "exec"]


def _wrong_known_hosts(lab: Lab, path: Path) -> None:
    """The lab's known_hosts with sw-lab-1's key replaced by a key nobody serves."""
    lines = (lab.directory / "known_hosts").read_text().splitlines()
    port = f"[127.0.0.1]:{lab.base_port}"
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()
    path.write_text(
        "".join(
            (f"{port} {other[0]} {other[1]}" if line.startswith(port + " ") else line) + "\n"
            for line in lines
        )
    )


def test_changed_host_key_fails_the_host_while_checking(limits_lab: Lab, workdir: Path) -> None:
    known = workdir / "known_hosts"
    _wrong_known_hosts(limits_lab, known)
    inventory = workdir / "inv"
    limits_lab.inventory_copy(inventory)
    defaults = yaml.safe_load((inventory / "defaults.yaml").read_text())
    assert defaults["data"]["ssh"]["host_key_checking"] is True  # lab up's inventory checks
    defaults["data"]["ssh"]["known_hosts"] = str(known)
    (inventory / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    since = time.time()
    result = _run(workdir, inventory, "sw-lab-1,sw-lab-2")
    assert result.returncode == 4, result.stderr
    hosts = run_json(result)["hosts"]
    assert hosts["sw-lab-2"]["status"] == "ok"  # its key in the file is right
    assert hosts["sw-lab-1"]["status"] == "unreachable"
    assert "host key verification failed" in str(hosts["sw-lab-1"]), hosts["sw-lab-1"]
    assert not [c for c in limits_lab.commands("sw-lab-1", since) if c["mode"] == "exec"]

    # Checking off: the same wrong file is not read, the host is reached.
    defaults["data"]["ssh"]["host_key_checking"] = False
    (inventory / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    result = _run(workdir, inventory, "sw-lab-1")
    assert result.returncode == 0, result.stderr


def test_missing_known_hosts_is_a_clear_unreachable(limits_lab: Lab, workdir: Path) -> None:
    inventory = workdir / "inv"
    limits_lab.inventory_copy(inventory)
    defaults = yaml.safe_load((inventory / "defaults.yaml").read_text())
    defaults["data"]["ssh"] = {}  # checking on by default, ~/.ssh/known_hosts by default
    (inventory / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    (workdir / "book.yml").write_text(BOOK.format(hosts="sw-lab-2"))
    # HOME points at an empty directory: no ~/.ssh/known_hosts to check against.
    (workdir / "home").mkdir()
    result = netraven(
        "run", "book.yml", "-i", str(inventory), "--output", "json",
        "--db", f"sqlite:///{workdir / 'limits.db'}", cwd=workdir,
        env={"HOME": str(workdir / "home")},
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    host = run_json(result)["hosts"]["sw-lab-2"]
    assert host["status"] == "unreachable"
    assert "known_hosts file" in str(host) and "does not exist" in str(host), host


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access": {"max_concurrency": -1}}, "group access: data.max_concurrency must be"),
        ({"access": {"logins_per_second": "fast"}}, "group access: data.logins_per_second"),
        ({"access": {"ssh": {"kex": ["diffie-hellman-group0-md5"]}}}, "unknown algorithm"),
        ({"access": {"ssh": {"host_key_checking": "yes"}}}, "host_key_checking must be"),
        ({"access": {"ssh": {"ciphers": ["aes128-cbc"], "connection": "netmiko"}}}, "unknown key"),
    ],
)
def test_bad_settings_exit_5_before_any_login(
    limits_lab: Lab, workdir: Path, change: dict[str, Any], message: str
) -> None:
    inventory = _inventory(limits_lab, workdir / "inv", change)
    since = time.time()
    result = _run(workdir, inventory, ",".join(WORKERS))
    assert result.returncode == 5, result.stdout
    assert message in result.stderr
    assert not any(limits_lab.commands(d, since) for d in WORKERS)


def test_algorithm_lists_on_a_netmiko_host_exit_5(limits_lab: Lab, workdir: Path) -> None:
    inventory = _inventory(
        limits_lab,
        workdir / "inv",
        **{"sw-lab-1": {"data": {"connection": "netmiko", "ssh": {"ciphers": ["aes128-cbc"]}}}},
    )
    result = _run(workdir, inventory, "sw-lab-1")
    assert result.returncode == 5
    assert "netmiko (paramiko) cannot be given algorithm lists" in result.stderr


def test_lab_up_legacy_names_a_device_of_the_lab(workdir: Path) -> None:
    result = netraven(
        "lab", "up", "--devices", "2", "--legacy", "sw-lab-3",
        "--dir", str(workdir / "lab"), cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 5
    assert "no lab device 'sw-lab-3'" in result.stderr
    assert control.read_state(workdir / "lab") is None  # nothing was started
