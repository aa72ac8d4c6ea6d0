"""Every lab family through NetRaven's front door over real SSH: backup, idempotent config,
check mode and rollback, with scrapli (the default) and with netmiko.

Each family answers the way its real OS does (netraven/lab: IOS-like, EOS-like, Junos-like
with a candidate, ``commit confirmed`` and ``rollback N``; IOS-XR-like with a candidate per
session, ``commit confirmed`` in seconds and ``rollback configuration last N``; NX-OS-like).
What the device holds is read back over a separate scrapli session — a witness that is not
the path under test — and the lab's command log shows what NetRaven sent.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapli.driver.core import (
    AsyncEOSDriver,
    AsyncIOSXEDriver,
    AsyncIOSXRDriver,
    AsyncJunosDriver,
    AsyncNXOSDriver,
)

from netraven.engine.config_diff import clean_running
from netraven.lab import control
from netraven.secrets import Redactor
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

# Port order: sw-lab-1 sw-lab-2, eos-lab-3 eos-lab-4, junos-lab-5 junos-lab-6, xr-lab-7
# xr-lab-8, nxos-lab-9 nxos-lab-10. The first of each family is driven by scrapli, the
# second by netmiko — except sw-lab-2, which is the IOS-XE case: the IOS-like family with
# `platform: cisco_xe` (IOS-XE's CLI is IOS's), over scrapli; IOS over netmiko is tested in
# tests/integration/test_netmiko_lab.py.
PLATFORMS = "ios:2,eos:2,junos:2,xr:2,nxos:2"
Driver = (
    type[AsyncIOSXEDriver]
    | type[AsyncEOSDriver]
    | type[AsyncJunosDriver]
    | type[AsyncIOSXRDriver]
    | type[AsyncNXOSDriver]
)


@dataclass(frozen=True)
class Family:
    name: str
    platform: str
    index: int  # 1-based port index of the scrapli device; the netmiko one follows it
    show: str  # what the witness reads
    line: str  # a configuration line, {n} a number
    driver: Driver

    def device(self, netmiko: bool = False) -> str:
        prefix = {
            "ios": "sw", "xe": "sw", "eos": "eos", "junos": "junos", "xr": "xr", "nxos": "nxos"
        }[self.name]  # fmt: skip
        return f"{prefix}-lab-{self.index + int(netmiko)}"


FAMILIES = {
    "ios": Family(
        "ios", "cisco_ios", 1, "show running-config", "ntp server 203.0.113.{n}", AsyncIOSXEDriver
    ),
    "xe": Family(
        "xe", "cisco_xe", 2, "show running-config", "ntp server 203.0.113.{n}", AsyncIOSXEDriver
    ),
    "eos": Family(
        "eos", "arista_eos", 3, "show running-config", "ntp server 203.0.113.{n}", AsyncEOSDriver
    ),
    "junos": Family(
        "junos",
        "juniper_junos",
        5,
        "show configuration | display set",
        "set system ntp server 203.0.113.{n}",
        AsyncJunosDriver,
    ),
    # On IOS-XR `ntp server X` is stored as `ntp` / ` server X`; a name server stays flat.
    "xr": Family(
        "xr",
        "cisco_xr",
        7,
        "show running-config",
        "domain name-server 203.0.113.{n}",
        AsyncIOSXRDriver,
    ),
    "nxos": Family(
        "nxos",
        "cisco_nxos",
        9,
        "show running-config",
        "ntp server 203.0.113.{n}",
        AsyncNXOSDriver,
    ),
}


@pytest.fixture(scope="module")
def vendor_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    # A commit confirmed minute lasts 2 s here: long enough for a task to confirm it.
    lab = start_lab(
        tmp_path_factory.mktemp("platformlab"),
        devices=10,
        platforms=PLATFORMS,
        confirm_seconds_per_minute=2.0,
    )
    yield lab
    control.down(lab.directory)


@pytest.fixture
def inventory(vendor_lab: Lab, workdir: Path) -> Path:
    """The lab inventory, with the second device of each family on netmiko (but sw-lab-2)."""
    overrides: dict[str, dict[str, object]] = {
        family.device(netmiko=True): {"data": {"connection": "netmiko"}}
        for family in FAMILIES.values()
        if family.name not in ("ios", "xe")
    }
    overrides[FAMILIES["xe"].device()] = {"platform": "cisco_xe"}
    return vendor_lab.inventory_copy(workdir / "inv", **overrides)


def witness(lab: Lab, family: Family, device: str) -> str:
    """The device's configuration, read over a fresh scrapli session of its own."""
    index = int(device.rsplit("-", 1)[1])

    async def read() -> str:
        async with family.driver(
            host="127.0.0.1",
            port=lab.base_port + index - 1,
            auth_username=lab.settings.username,
            auth_password=lab.settings.password,
            auth_secondary=lab.settings.secret,
            auth_strict_key=False,
            transport="asyncssh",
            timeout_ops=15,
        ) as conn:
            # Under load the answer to the driver's last on_open command (Junos "Disabling
            # complete-on-space") has been seen arriving with the next read: flush it first.
            await conn.send_command("show version")
            return str((await conn.send_command(family.show)).result)

    return asyncio.run(read())


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def rows(workdir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / ".netraven" / "netraven.db") as conn:
        return conn.execute(query).fetchall()


def configured(lab: Lab, device: str, since: float) -> list[str]:
    """Every line the device received in configuration mode, and any `configure`."""
    return [
        c["command"]
        for c in lab.commands(device, since)
        if c["mode"] == "config" or c["command"].startswith("conf")
    ]


def run(
    inventory: Path, workdir: Path, book: Path, device: str, *flags: str
) -> dict[str, object]:
    result = netraven(
        "run", str(book), "-i", str(inventory), "-l", device, "--output", "json", *flags,
        cwd=workdir,
    )
    document = run_json(result)
    document["exit"] = result.returncode
    return document


CONFIG = "- hosts: all\n  tasks:\n    - config: {{lines: ['{line}']}}\n"

CASES = [
    pytest.param(name, netmiko, id=f"{name}-{'netmiko' if netmiko else 'scrapli'}")
    for name in FAMILIES
    for netmiko in (False, True)
    # IOS over netmiko: tests/integration/test_netmiko_lab.py; IOS-XE: scrapli on sw-lab-2.
    if not (name in ("ios", "xe") and netmiko)
]


@pytest.mark.parametrize(("name", "netmiko"), CASES)
def test_backup_is_the_devices_configuration(
    vendor_lab: Lab, inventory: Path, workdir: Path, name: str, netmiko: bool
) -> None:
    family = FAMILIES[name]
    device = family.device(netmiko)
    book = write(workdir / "b.yml", "- hosts: all\n  tasks:\n    - backup: {}\n")
    document = run(inventory, workdir, book, device)
    assert document["exit"] == 0, document
    ((stored,),) = rows(workdir, "select text from config_backup")
    shown = witness(vendor_lab, family, device)
    # Stored as the device showed it, less volatile lines, with its secrets masked.
    assert stored == Redactor().text(clean_running(shown, family.platform))
    if name == "junos":
        assert f"set system host-name {device}" in str(stored).splitlines()
        assert "## Last commit" not in str(stored)
    if name == "eos":
        assert "! device:" not in str(stored) and f"hostname {device}" in str(stored)
    if name == "xr":
        # The timestamp and the header lines that change on every read are not stored.
        assert f"hostname {device}" in str(stored).splitlines()
        assert "Building configuration..." not in str(stored)
        assert "!! Last configuration change" not in str(stored)
    if name == "nxos":
        assert "version 9.3(8) Bios:version" in str(stored).splitlines()
        assert "!Time:" not in str(stored) and "!Running configuration" not in str(stored)


@pytest.mark.parametrize(("name", "netmiko"), CASES)
def test_check_mode_sends_nothing_then_config_is_idempotent(
    vendor_lab: Lab, inventory: Path, workdir: Path, name: str, netmiko: bool
) -> None:
    family = FAMILIES[name]
    device = family.device(netmiko)
    n = 40 + list(FAMILIES).index(name) * 2 + int(netmiko)
    line = family.line.format(n=n)
    book = write(workdir / "c.yml", CONFIG.format(line=line))
    before = witness(vendor_lab, family, device)

    started = time.time()
    preview = run(inventory, workdir, book, device, "--check", "--diff")
    assert preview["exit"] == 0, preview
    assert preview["stats"][device]["changed"] == 1  # type: ignore[index]
    assert configured(vendor_lab, device, started) == []  # not even `configure`
    # Less the lines that change on every read (XR's timestamp, NX-OS's `!Time:`).
    after_check = witness(vendor_lab, family, device)
    assert clean_running(after_check, family.platform) == clean_running(before, family.platform)

    first = run(inventory, workdir, book, device)
    assert first["exit"] == 0, first
    assert first["stats"][device]["changed"] == 1  # type: ignore[index]
    assert line in witness(vendor_lab, family, device).splitlines()

    again = time.time()
    second = run(inventory, workdir, book, device)
    assert second["exit"] == 0, second
    assert second["stats"][device]["changed"] == 0  # type: ignore[index]
    assert configured(vendor_lab, device, again) == []


@pytest.mark.parametrize(("name", "netmiko"), CASES)
def test_rollback_restores_the_device(
    vendor_lab: Lab, inventory: Path, workdir: Path, name: str, netmiko: bool
) -> None:
    family = FAMILIES[name]
    device = family.device(netmiko)
    line = family.line.format(n=90 + int(netmiko))
    before = witness(vendor_lab, family, device)
    book = write(
        workdir / "rb.yml",
        "- hosts: all\n  recovery: {on_failure: rollback}\n  tasks:\n"
        f"    - config: {{lines: ['{line}']}}\n"
        "    - assert: {that: 'false', fail_msg: verification failed}\n",
    )
    started = time.time()
    document = run(inventory, workdir, book, device)
    assert document["exit"] == 2, document
    assert rows(workdir, "select status from host_result") == [("rolled_back",)], document
    after = witness(vendor_lab, family, device)
    assert line not in after.splitlines()
    assert clean_running(after, family.platform) == clean_running(before, family.platform)
    sent = configured(vendor_lab, device, started)
    if name == "junos":
        # Load, the device's diff, commit confirmed, read back, confirm; then the device's
        # own rollback over the two commits the job made, committed.
        assert [c for c in sent if c.startswith(("commit", "rollback"))] == [
            "commit confirmed 5",
            "commit",
            "rollback 2",
            "commit",
        ]
        assert "show | compare" in sent
    if name == "xr":
        # Load, the device's diff of the candidate, a trial commit (seconds on XR), read
        # back, confirm; then XR's own rollback of the one commit, run in exec mode.
        assert [c for c in sent if c.startswith("commit")] == ["commit confirmed 300", "commit"]
        assert "show commit changes diff" in sent
        rollback = [
            c["command"]
            for c in vendor_lab.commands(device, started)
            if c["command"].startswith("rollback")
        ]
        assert rollback == ["rollback configuration last 1"]
    if name == "nxos":
        # hier-config's remediation, applied line by line, then saved.
        assert f"no {line}" in sent


@pytest.mark.parametrize("netmiko", [False, True], ids=["scrapli", "netmiko"])
def test_junos_never_commits_someone_elses_uncommitted_edits(
    vendor_lab: Lab, inventory: Path, workdir: Path, netmiko: bool
) -> None:
    """Another user has edited the shared candidate without committing: NetRaven works in
    ``configure private``, which Junos refuses then, so the task fails and neither its
    lines nor the other user's are committed."""
    family = FAMILIES["junos"]
    device = family.device(netmiko)
    index = int(device.rsplit("-", 1)[1])
    line = family.line.format(n=120 + int(netmiko))
    theirs = "set system location building half-done"
    book = write(workdir / "c.yml", CONFIG.format(line=line))

    async def scenario() -> dict[str, object]:
        async with AsyncJunosDriver(
            host="127.0.0.1",
            port=vendor_lab.base_port + index - 1,
            auth_username=vendor_lab.settings.username,
            auth_password=vendor_lab.settings.password,
            auth_strict_key=False,
            transport="asyncssh",
            timeout_ops=15,
        ) as other:
            await other.send_configs([theirs])  # shared mode, not committed
            try:
                return await asyncio.to_thread(run, inventory, workdir, book, device)
            finally:
                await other.send_configs(["rollback 0"])

    document = asyncio.run(scenario())
    assert document["exit"] == 2, document  # a failed task, not an unreachable host
    error = str(document["hosts"][device]["error"])  # type: ignore[index]
    assert "configure private" in error and "refused" in error
    active = witness(vendor_lab, family, device).splitlines()
    assert line not in active
    assert not any("building" in shown for shown in active)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_unsupported_platform_is_an_input_error_before_any_device(
    workdir: Path, command: str
) -> None:
    inventory = workdir / "inv"
    inventory.mkdir()
    # Port 9 on loopback: nothing listens; a run that tried to connect would say so.
    (inventory / "hosts.yaml").write_text(
        "r1: {hostname: 127.0.0.1, port: 9, platform: vyos}\n"
    )
    (inventory / "groups.yaml").write_text("{}\n")
    (inventory / "defaults.yaml").write_text("{username: u, password: p}\n")
    book = write(workdir / "s.yml", "- hosts: all\n  tasks:\n    - command: show version\n")
    result = netraven(command, str(book), "-i", str(inventory), cwd=workdir)
    assert result.returncode == 5, result.stdout + result.stderr
    assert "host r1: platform 'vyos' is not supported" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workdir / ".netraven" / "netraven.db").exists() or rows(
        workdir, "select count(*) from job"
    ) == [(0,)]


@pytest.fixture(scope="module")
def telnet_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """eos-lab-1, junos-lab-2, xr-lab-3 and nxos-lab-4 reached over Telnet (SSH keeps
    serving: the witness)."""
    lab = start_lab(
        tmp_path_factory.mktemp("platformtelnet"),
        devices=4,
        platforms="eos:1,junos:1,xr:1,nxos:1",
        telnet=True,
    )
    yield lab
    control.down(lab.directory)


@pytest.mark.parametrize(("name", "index"), [("eos", 1), ("junos", 2), ("xr", 3), ("nxos", 4)])
def test_over_telnet_backup_check_and_idempotent_config(
    telnet_lab: Lab, workdir: Path, name: str, index: int
) -> None:
    family = FAMILIES[name]
    device = f"{name}-lab-{index}"
    inventory = telnet_lab.inventory
    backup = write(workdir / "b.yml", "- hosts: all\n  tasks:\n    - backup: {}\n")
    assert run(inventory, workdir, backup, device)["exit"] == 0
    ((stored,),) = rows(workdir, "select text from config_backup")
    shown = witness(telnet_lab, family, device)
    assert stored == Redactor().text(clean_running(shown, family.platform))

    line = family.line.format(n=150 + index)
    book = write(workdir / "c.yml", CONFIG.format(line=line))
    started = time.time()
    preview = run(inventory, workdir, book, device, "--check")
    assert preview["exit"] == 0 and preview["stats"][device]["changed"] == 1  # type: ignore[index]
    assert configured(telnet_lab, device, started) == []
    first = run(inventory, workdir, book, device)
    assert first["exit"] == 0 and first["stats"][device]["changed"] == 1  # type: ignore[index]
    assert line in witness(telnet_lab, family, device).splitlines()
    again = time.time()
    second = run(inventory, workdir, book, device)
    assert second["exit"] == 0 and second["stats"][device]["changed"] == 0  # type: ignore[index]
    assert configured(telnet_lab, device, again) == []


@pytest.mark.parametrize("netmiko", [False, True], ids=["scrapli", "netmiko"])
def test_xr_failed_commit_fails_the_task_and_leaves_nothing_behind(
    vendor_lab: Lab, inventory: Path, workdir: Path, netmiko: bool
) -> None:
    """XR takes a line it cannot apply into the candidate and refuses it at ``commit``
    (``% Failed to commit …``): the task fails with the device's words, NetRaven aborts the
    candidate, and the router has neither the line nor a new commit."""
    family = FAMILIES["xr"]
    device = family.device(netmiko)
    line = family.line.format(n=130 + int(netmiko))
    control.set_fault(vendor_lab.directory, device, "reject-config", line)
    try:
        before = witness(vendor_lab, family, device)
        started = time.time()
        document = run(
            inventory, workdir, write(workdir / "c.yml", CONFIG.format(line=line)), device
        )
    finally:
        control.set_fault(vendor_lab.directory, device, "clear")
    assert document["exit"] == 2, document
    error = str(document["hosts"][device]["error"])  # type: ignore[index]
    assert "commit was rejected" in error or "'commit' was rejected" in error, error
    sent = [c["command"] for c in vendor_lab.commands(device, started)]
    assert "commit" in sent and "abort" in sent[sent.index("commit") :]
    assert not any(c.startswith("commit 1") for c in sent)  # the lab logs every commit ID
    after = witness(vendor_lab, family, device)
    assert line not in after.splitlines()
    assert clean_running(after, family.platform) == clean_running(before, family.platform)
