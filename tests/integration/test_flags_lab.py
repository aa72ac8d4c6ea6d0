"""Feature flags from the command line to the lab: declared, rolled out, seen by jobs."""

from __future__ import annotations

from pathlib import Path

from netraven.flags import bucket
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

HOSTS = [f"sw-lab-{i}" for i in range(1, 9)]
LINE = "ntp server 198.51.100.77"
PLAY = f"""\
- hosts: all
  gather_facts: false
  tasks:
    - name: new ntp
      config:
        lines: ["{LINE}"]
      when: flag('new_ntp')
    - name: look
      command: show running-config | include {LINE}
      register: ntp
    - name: clean up for the other tests
      config:
        lines: ["no {LINE}"]
      when: ntp.stdout | length > 0
"""
TOML = '[flags.new_ntp]\ndescription = "Move to the new NTP server"\ndefault = false\n'


def run(lab: Lab, workdir: Path) -> dict[str, object]:
    result = netraven(
        "run", "play.yml", "-i", str(lab.inventory), "-l", ",".join(HOSTS),
        "--output", "json", cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    return run_json(result)


def pushed(document: dict[str, object]) -> set[str]:
    hosts = document["hosts"]
    assert isinstance(hosts, dict)
    return {name for name, view in hosts.items() if view["tasks"][0]["status"] == "changed"}


def test_rollout_then_disable_from_the_cli(lab: Lab, workdir: Path) -> None:
    (workdir / "netraven.toml").write_text(TOML)
    (workdir / "play.yml").write_text(PLAY)
    listed = run_json(netraven("flags", "list", "--json", cwd=workdir))
    assert listed[0]["name"] == "new_ntp" and listed[0]["mode"] == "default"  # type: ignore[index]

    rolled = netraven("flags", "rollout", "new_ntp", "--percent", "50", cwd=workdir)
    assert rolled.returncode == 0, rolled.stderr
    assert "50% of hosts" in rolled.stdout
    expected = {h for h in HOSTS if bucket("new_ntp", h) < 5000}
    assert 0 < len(expected) < len(HOSTS)

    document = run(lab, workdir)
    assert pushed(document) == expected
    seen = document["flags"]["new_ntp"]  # type: ignore[index]
    assert seen["mode"] == "rollout" and set(seen["on"]) == expected
    # Device state: the line was on exactly those switches (the "look" task read it back).
    for host, view in document["hosts"].items():  # type: ignore[attr-defined]
        assert (LINE in view["tasks"][1]["output"]) == (host in expected)

    assert netraven("flags", "disable", "new_ntp", cwd=workdir).returncode == 0
    document = run(lab, workdir)
    assert pushed(document) == set()
    assert document["flags"]["new_ntp"]["mode"] == "off"  # type: ignore[index]
    assert document["flags"]["new_ntp"]["on"] == []  # type: ignore[index]
    shown = run_json(netraven("jobs", "show", "last", "--json", cwd=workdir))
    assert shown["flags"] == document["flags"]

    listed = run_json(netraven("flags", "list", "--json", cwd=workdir))
    assert listed[0]["mode"] == "off" and listed[0]["updated_by"]  # type: ignore[index]
    assert netraven("flags", "reset", "new_ntp", cwd=workdir).returncode == 0
    listed = run_json(netraven("flags", "list", "--json", cwd=workdir))
    assert listed[0]["mode"] == "default"  # type: ignore[index]


def test_unknown_flag_and_bad_percentage_are_input_errors(workdir: Path) -> None:
    (workdir / "netraven.toml").write_text(TOML)
    unknown = netraven("flags", "enable", "nope", cwd=workdir)
    assert unknown.returncode == 5
    # The declared flag first, then the built-in ones (docs/flags.md).
    assert "no feature flag 'nope' is declared in netraven.toml (declared: new_ntp, " in (
        unknown.stderr
    )
    assert "http_connections" in unknown.stderr
    bad = netraven("flags", "rollout", "new_ntp", "--percent", "150", cwd=workdir)
    assert bad.returncode == 5 and "not between 0 and 100" in bad.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr
