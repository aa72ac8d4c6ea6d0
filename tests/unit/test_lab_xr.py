"""The IOS-XR-like lab device as pure logic: prompts, what drivers send on open, a
candidate per session, commit / commit confirmed / abort, the uncommitted-changes question,
the commit list and ``rollback configuration last N``, errors as XR words them."""

from __future__ import annotations

import re

from netraven.engine.config_diff import clean_running
from netraven.lab.xr import XrDevice, new_device
from netraven.lab.xr_cli import FAILED_COMMIT, UNCOMMITTED, XrSession

STAMP = re.compile(r"^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d\.\d{3} UTC$")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def router(spm: float = 60.0) -> tuple[XrDevice, Clock, list[tuple[str, str]]]:
    clock = Clock()
    log: list[tuple[str, str]] = []
    device = new_device(7, "en", "public", seconds_per_minute=spm, clock=clock)
    device.on_command = lambda name, mode, command: log.append((mode, command))
    return device, clock, log


def running(cli: XrSession) -> list[str]:
    return clean_running(cli.handle("show running-config"), "cisco_xr").splitlines()


def test_prompts_and_what_scrapli_and_netmiko_send_on_open() -> None:
    device, _, log = router()
    cli = device.session("admin")
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7#"  # XR users need no enable
    assert cli.handle("terminal length 0") == ""
    assert cli.handle("terminal width 512") == ""  # scrapli
    assert cli.handle("terminal width 511") == ""  # netmiko
    version = cli.handle("show version").splitlines()
    assert STAMP.match(version[0]) and version[1] == "Cisco IOS XR Software, Version 7.3.2"
    assert STAMP.match(cli.handle("configure"))
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7(config)#"
    cli.handle("interface GigabitEthernet0/0/0/1")
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7(config-if)#"
    cli.handle("router ospf 1")
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7(config-ospf)#"
    cli.handle("abort")
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7#"
    assert ("config", "interface GigabitEthernet0/0/0/1") in log


def test_running_config_has_the_xr_header_and_volatile_lines_the_profile_drops() -> None:
    device, _, _ = router()
    lines = device.session("admin").handle("show running-config").splitlines()
    assert STAMP.match(lines[0])
    assert lines[1:3] == ["Building configuration...", "!! IOS XR Configuration 7.3.2"]
    assert lines[3].startswith("!! Last configuration change at ")
    assert lines[-1] == "end"
    kept = clean_running("\n".join(lines), "cisco_xr").splitlines()
    assert kept[:2] == ["!", "hostname xr-lab-7"]
    assert "ntp" in kept and " server 10.0.0.123" in kept


def test_lines_wait_in_the_session_candidate_until_commit() -> None:
    device, _, log = router()
    cli, other = device.session("admin"), device.session("ops")
    cli.handle("configure")
    cli.handle("domain name-server 203.0.113.9")
    cli.handle("ntp server 203.0.113.10")  # stored as XR does: inside `ntp`
    assert "domain name-server 203.0.113.9" not in running(other)
    changes = cli.handle("show configuration").splitlines()
    assert changes[1:3] == ["Building configuration...", "!! IOS XR Configuration 7.3.2"]
    assert changes[3:] == [
        "ntp",
        " server 203.0.113.10",
        "!",
        "domain name-server 203.0.113.9",
        "end",
    ]
    diff = cli.handle("show commit changes diff").splitlines()
    assert "+  domain name-server 203.0.113.9" in diff and "+   server 203.0.113.10" in diff
    assert STAMP.match(cli.handle("commit"))
    shown = running(other)
    assert "domain name-server 203.0.113.9" in shown
    assert shown[shown.index("ntp") + 1 : shown.index("ntp") + 3] == [
        " server 10.0.0.123",
        " server 203.0.113.10",
    ]
    assert ("system", "commit 1000000001") in log
    listing = cli.handle("show configuration commit list").splitlines()
    assert listing[1].startswith("SNo. Label/ID") and listing[3].startswith("1    1000000001")


def test_end_with_uncommitted_changes_asks_as_xr_does() -> None:
    device, _, _ = router()
    cli = device.session("admin")
    cli.handle("configure")
    cli.handle("domain name-server 203.0.113.9")
    assert cli.handle("end") == ""
    assert cli.prompt == UNCOMMITTED
    cli.handle("")  # [cancel]: stays in configuration mode
    assert cli.prompt.endswith("(config)#")
    cli.handle("exit")
    cli.handle("no")  # throws the changes away
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7#"
    assert "domain name-server 203.0.113.9" not in running(cli)
    cli.handle("configure")
    cli.handle("domain name-server 203.0.113.9")
    cli.handle("end")
    cli.handle("yes")  # commits them
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7#"
    assert "domain name-server 203.0.113.9" in running(cli)
    # Nothing changed: no question.
    cli.handle("configure")
    cli.handle("end")
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7#"


def test_commit_confirmed_rolls_back_by_itself_unless_confirmed() -> None:
    device, clock, log = router(spm=2.0)  # 300 s last 10 s
    cli = device.session("admin")
    cli.handle("configure")
    cli.handle("domain name-server 203.0.113.9")
    assert STAMP.match(cli.handle("commit confirmed 300"))
    assert "domain name-server 203.0.113.9" in running(cli)
    clock.now += 9
    device.tick()
    assert "domain name-server 203.0.113.9" in running(cli)
    clock.now += 2
    device.tick()
    assert "domain name-server 203.0.113.9" not in running(cli)
    assert ("system", "commit confirmed 1000000001 rolled back") in log
    assert device.commits == []
    # Confirmed in time (from a new configuration session), it stays.
    cli.handle("end")
    cli.handle("configure")
    cli.handle("domain name-server 203.0.113.9")
    cli.handle("commit confirmed 300")
    cli.handle("end")
    cli.handle("configure")
    assert STAMP.match(cli.handle("commit"))
    clock.now += 60
    device.tick()
    assert "domain name-server 203.0.113.9" in running(cli)
    assert len(device.commits) == 1  # the confirm is no commit of its own
    assert "Invalid input" in cli.handle("commit confirmed 10")  # XR: 30-65535 seconds


def test_rollback_configuration_last_n_is_a_commit_of_its_own() -> None:
    device, _, _ = router()
    cli = device.session("admin")
    before = running(cli)
    for n in (1, 2):
        cli.handle("configure")
        cli.handle(f"domain name-server 203.0.113.{n}")
        cli.handle("commit")
        cli.handle("end")
    output = cli.handle("rollback configuration last 2")
    assert output.splitlines()[-1] == "Configuration successfully rolled back 2 commits."
    assert running(cli)[1:] == before[1:]  # less the last-change line
    assert len(device.commits) == 3
    assert "only 3 commits" in cli.handle("rollback configuration last 5")


def test_errors_and_failed_commits_read_as_on_xr() -> None:
    device, _, _ = router()
    cli = device.session("admin")
    assert cli.handle("show bogus").endswith("% Invalid input detected at '^' marker.")
    cli.handle("configure")
    assert cli.handle("frobnicate 1").endswith("% Invalid input detected at '^' marker.")
    # The reject-config fault: taken into the candidate, refused at commit.
    device.rejected_config = ["domain name-server 203.0.113.66"]
    assert cli.handle("domain name-server 203.0.113.66") == ""
    output = cli.handle("commit")
    assert output.splitlines()[-1] == FAILED_COMMIT
    assert "203.0.113.66" in cli.handle("show configuration failed")
    # Answering `yes` at the uncommitted-changes question: the commit fails, XR stays.
    cli.handle("end")
    assert cli.handle("yes").endswith(FAILED_COMMIT)
    assert cli.prompt == "RP/0/RP0/CPU0:xr-lab-7(config)#"
    assert "domain name-server 203.0.113.66" not in running(cli)
    cli.handle("abort")
    cli.handle("configure")
    assert cli.handle("commit").endswith("% No configuration changes to commit.")


def test_configure_exclusive_locks_out_other_commits() -> None:
    device, _, _ = router()
    owner, other = device.session("admin"), device.session("ops")
    owner.handle("configure exclusive")
    assert "locked exclusively by admin" in other.handle("configure exclusive")
    other.handle("configure")
    other.handle("domain name-server 203.0.113.7")
    assert other.handle("commit").endswith(FAILED_COMMIT)
    owner.logout()  # the lock goes with its session
    assert STAMP.match(other.handle("commit"))
    assert "domain name-server 203.0.113.7" in running(other)


def test_a_commit_merges_onto_what_another_session_committed_meanwhile() -> None:
    device, _, _ = router()
    first, second = device.session("admin"), device.session("ops")
    first.handle("configure")
    second.handle("configure")
    first.handle("domain name-server 203.0.113.1")
    second.handle("domain name-server 203.0.113.2")
    first.handle("commit")
    second.handle("commit")
    shown = running(first)
    assert "domain name-server 203.0.113.1" in shown and "domain name-server 203.0.113.2" in shown
