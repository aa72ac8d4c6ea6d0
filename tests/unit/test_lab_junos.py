"""The Junos-like lab device as pure logic: prompts, candidate and commit, confirmed commits
rolling back on their own, rollback N, exclusive and private configuration, errors."""

from __future__ import annotations

import pytest

from netraven.lab import junos_config as cfg
from netraven.lab.junos import MAX_ROLLBACK, JunosDevice, new_device
from netraven.lab.junos_cli import JunosSession


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def device(clock: Clock | None = None) -> tuple[JunosDevice, list[tuple[str, str]]]:
    log: list[tuple[str, str]] = []
    dev = new_device(9, "public", seconds_per_minute=60.0, clock=clock or Clock())
    dev.on_command = lambda name, mode, command: log.append((mode, command))
    return dev, log


def configured(dev: JunosDevice) -> JunosSession:
    cli = dev.session("admin")
    assert cli.handle("configure").startswith("Entering configuration mode")
    return cli


def active_set(dev: JunosDevice) -> list[str]:
    return cfg.display_set(dev.active)


def test_operational_prompt_and_what_drivers_send_on_open() -> None:
    dev, log = device()
    cli = dev.session("admin")
    assert cli.prompt == "\nadmin@junos-lab-9> "
    assert cli.handle("set cli screen-length 0") == "Screen length set to 0"
    assert cli.handle("set cli screen-width 511") == "Screen width set to 511"
    assert cli.handle("set cli complete-on-space off") == "Disabling complete-on-space"
    assert "Model: mx204" in cli.handle("show version")
    assert log[0] == ("exec", "set cli screen-length 0")


def test_configuration_mode_prompt_shows_the_edit_context() -> None:
    dev, log = device()
    cli = configured(dev)
    assert cli.prompt == "\n[edit]\nadmin@junos-lab-9# "
    cli.handle("edit protocols ospf")
    assert cli.prompt.endswith("[edit protocols ospf]\nadmin@junos-lab-9# ")
    cli.handle("set area 0.0.0.1 interface ge-0/0/1.0")
    assert cli.handle("show | compare").splitlines() == [
        "[edit protocols ospf]",
        "+   area 0.0.0.1 {",
        "+       interface ge-0/0/1.0;",
        "+   }",
    ]
    cli.handle("edit area 0.0.0.0")
    assert cli.handle("show | compare") == ""  # nothing changed below this level
    cli.handle("top")
    assert cli.prompt.startswith("\n[edit]\n")
    assert "set protocols ospf area 0.0.0.1 interface ge-0/0/1.0" in cfg.display_set(cli.candidate)
    assert ("config", "set area 0.0.0.1 interface ge-0/0/1.0") in log


def test_only_commit_changes_the_active_configuration() -> None:
    dev, _ = device()
    cli = configured(dev)
    before = active_set(dev)
    assert cli.handle("set system ntp server 192.0.2.1") == ""
    cli.handle('set interfaces ge-0/0/3 description "to core" mtu 9000')
    assert active_set(dev) == before
    compare = cli.handle("show | compare")
    assert compare.splitlines() == [
        "[edit system ntp]",
        "+   server 192.0.2.1;",
        "[edit interfaces ge-0/0/3]",
        '-   description "uplink 3";',
        '+   description "to core";',
        "+   mtu 9000;",
    ]
    assert cli.handle("commit check") == "configuration check succeeds"
    assert active_set(dev) == before
    assert cli.handle("commit") == "commit complete"
    after = active_set(dev)
    assert "set system ntp server 192.0.2.1" in after
    assert 'set interfaces ge-0/0/3 description "to core"' in after
    assert "set interfaces ge-0/0/3 mtu 9000" in after
    assert cli.handle("show | compare") == ""
    # display set round-trips: replaying it builds the same tree
    rebuilt = cfg.Node()
    for line in after:
        for path in cfg.parse_path(cfg.tokens(line)[1:], at_top=True)[0]:
            rebuilt.set(path)
    assert rebuilt == dev.active


def test_show_configuration_header_hierarchy_and_display_set() -> None:
    dev, _ = device()
    cli = dev.session("admin")
    text = cli.handle("show configuration")
    lines = text.splitlines()
    assert lines[0].startswith("## Last commit: ") and lines[0].endswith(" UTC by root")
    assert lines[1] == "version 21.4R3.15;"
    assert "    host-name junos-lab-9;" in lines
    assert any(x.endswith("; ## SECRET-DATA") for x in lines)
    assert cli.handle("show configuration system ntp") == "server 10.0.0.123;"
    assert cli.handle("show configuration | display set | match ntp") == (
        "set system ntp server 10.0.0.123"
    )
    assert cli.handle("show configuration | display set | count").startswith("Count: ")


def test_delete_prunes_and_warns_when_nothing_matches() -> None:
    dev, _ = device()
    cli = configured(dev)
    assert cli.handle("delete system ntp server 10.0.0.123") == ""
    assert "ntp" not in cli.candidate.children["system"].children
    assert cli.handle("delete system ntp") == "warning: statement not found"
    assert cli.handle("delete system host-name") == ""
    assert not any(k.startswith("host-name") for k in cli.candidate.children["system"].children)


def test_set_of_a_leaf_replaces_its_value() -> None:
    dev, _ = device()
    cli = configured(dev)
    cli.handle("set system host-name edge-1")
    cli.handle("commit")
    assert cli.prompt.endswith("admin@edge-1# ")
    assert [x for x in active_set(dev) if "host-name" in x] == ["set system host-name edge-1"]


def test_errors_look_like_junos() -> None:
    dev, _ = device()
    cli = dev.session("admin")
    width = len("admin@junos-lab-9> ")
    assert cli.handle("shwo version") == " " * width + "^\nunknown command."
    assert cli.handle("show bogus").endswith("syntax error, expecting <command>.")
    cli.handle("configure")
    width = len("admin@junos-lab-9# ")
    assert cli.handle("set foo bar") == " " * (width + 4) + "^\nsyntax error."
    assert cli.handle("interface ge-0/0/0").endswith("unknown command.")
    assert cli.handle("set system host-name").endswith("missing argument.")
    assert cli.handle("rollback 50") == "error: value 50 is not within range (0..49)"
    assert cli.handle("rollback 3") == "error: Requested rollback configuration does not exist"


def test_commit_confirmed_rolls_back_unless_confirmed() -> None:
    clock = Clock()
    dev, log = device(clock)
    cli = configured(dev)
    cli.handle("set system ntp server 192.0.2.50")
    output = cli.handle("commit confirmed 2")
    assert output.splitlines() == [
        "commit confirmed will be automatically rolled back in 2 minutes unless confirmed",
        "commit complete",
    ]
    assert "# commit confirmed will be rolled back in 2 minutes" in cli.prompt
    assert "set system ntp server 192.0.2.50" in active_set(dev)
    clock.now += 119
    dev.tick()
    assert "set system ntp server 192.0.2.50" in active_set(dev)
    clock.now += 2
    dev.tick()
    assert "set system ntp server 192.0.2.50" not in active_set(dev)
    assert ("system", "commit confirmed rolled back") in log
    assert "commit confirmed rollback" in cli.handle("run show system commit")
    assert dev.confirm_deadline is None


def test_a_plain_commit_confirms() -> None:
    clock = Clock()
    dev, _ = device(clock)
    cli = configured(dev)
    cli.handle("set system ntp server 192.0.2.51")
    cli.handle("commit confirmed 1")
    clock.now += 30
    assert cli.handle("commit") == "commit complete"
    clock.now += 600
    dev.tick()
    assert "set system ntp server 192.0.2.51" in active_set(dev)


def test_rollback_n_loads_an_older_commit_into_the_candidate() -> None:
    dev, _ = device()
    cli = configured(dev)
    original = active_set(dev)
    for n in range(3):
        cli.handle(f"set system ntp server 192.0.2.{n}")
        cli.handle("commit")
    assert cli.handle("rollback 3") == "load complete"
    assert active_set(dev) != original  # loading is not committing
    assert cfg.display_set(cli.candidate) == original
    cli.handle("commit")
    assert active_set(dev) == original
    assert len(dev.history) == 5


def test_at_most_49_rollbacks_are_kept() -> None:
    dev, _ = device()
    cli = configured(dev)
    for n in range(60):
        cli.handle(f"set system location building-{n}")
        cli.handle("commit")
    assert len(dev.history) == MAX_ROLLBACK + 1
    assert cli.handle("rollback 49") == "load complete"
    assert "set system location building-10" in cfg.display_set(cli.candidate)


def test_candidate_is_shared_and_exit_asks_about_uncommitted_changes() -> None:
    dev, _ = device()
    first = configured(dev)
    first.handle("set system ntp server 192.0.2.60")
    second = dev.session("admin")
    entering = second.handle("configure")
    assert "Users currently editing the configuration:" in entering
    assert "The configuration has been changed but not committed" in entering
    assert "set system ntp server 192.0.2.60" in cfg.display_set(second.candidate)
    assert second.handle("exit") == "The configuration has been changed but not committed"
    assert second.prompt == "Exit with uncommitted changes? [yes,no] (yes) "
    assert second.handle("no") == "" and second.in_config
    second.handle("exit")
    assert second.handle("yes") == "Exiting configuration mode" and not second.in_config
    assert first.handle("exit configuration-mode").splitlines() == [
        "The configuration has been changed but not committed",
        "Exiting configuration mode",
    ]


def test_configure_exclusive_locks_and_private_is_refused_over_a_modified_shared() -> None:
    dev, _ = device()
    owner = dev.session("admin")
    owner.handle("configure exclusive")
    other = dev.session("ops")
    refused = other.handle("configure exclusive").splitlines()
    assert refused[0] == "error: configuration database locked by:"
    assert refused[-1] == "error: configuration check-out failed"
    owner.handle("set system ntp server 192.0.2.70")
    owner.logout()  # the connection went away: lock and uncommitted changes go
    assert dev.lock is None and not dev.shared_modified()
    shared = configured(dev)
    shared.handle("set system ntp server 192.0.2.71")
    private = dev.session("ops")
    assert private.handle("configure private").splitlines()[-1] == (
        "error: configuration check-out failed"
    )
    shared.handle("commit and-quit")
    assert private.handle("configure private").startswith("Entering configuration mode")
    private.handle("set system ntp server 192.0.2.72")
    assert not dev.shared_modified()  # a private candidate is the session's own
    private.handle("commit")
    assert "set system ntp server 192.0.2.72" in active_set(dev)


@pytest.mark.parametrize(
    ("line", "paths"),
    [
        ("set system host-name r1", [["system", "host-name r1"]]),
        (
            "set system login user a uid 2000 class super-user",
            [
                ["system", "login", "user a", "uid 2000"],
                ["system", "login", "user a", "class super-user"],
            ],
        ),
        (
            "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
            [["interfaces", "ge-0/0/0", "unit 0", "family inet", "address 10.0.0.1/24"]],
        ),
        (
            'set interfaces ge-0/0/0 description "a b"',
            [["interfaces", "ge-0/0/0", 'description "a b"']],
        ),
        (
            'set interfaces ge-0/0/0 description "ab"',
            [["interfaces", "ge-0/0/0", "description ab"]],
        ),
    ],
)
def test_set_paths(line: str, paths: list[list[str]]) -> None:
    assert cfg.parse_path(cfg.tokens(line)[1:], at_top=True)[0] == paths
