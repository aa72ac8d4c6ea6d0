"""Bad input: one line naming file, line and field; exit 5; no traceback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import netraven
from tests.integration.conftest import Lab


def test_bad_playbook_exit_5_names_file_and_line(lab: Lab, workdir: Path) -> None:
    (workdir / "bad.yml").write_text(
        "- hosts: all\n  tasks:\n    - name: x\n      comand: show version\n"
    )
    result = netraven("run", "bad.yml", "-i", str(lab.inventory), cwd=workdir)
    assert result.returncode == 5
    assert result.stderr.strip() == ("error: bad.yml:4: play[0].tasks[0].comand: unknown key")
    assert not (workdir / ".netraven").exists()  # nothing ran, nothing recorded


def test_validate(lab: Lab, workdir: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    ok = netraven(
        "validate", str(root / "playbooks" / "site.yml"), "-i", str(lab.inventory), cwd=workdir
    )
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout and "2 task(s)" in ok.stdout
    (workdir / "t.yml").write_text("- hosts: all\n  tasks:\n    - command: 'show {{ a'\n")
    bad = netraven("validate", "t.yml", "-i", str(lab.inventory), cwd=workdir)
    assert bad.returncode == 5 and "t.yml:3:" in bad.stderr and "template syntax" in bad.stderr
    assert not [c for c in lab.commands("sw-lab-1") if c["command"] == "t.yml"]


def test_bad_options_exit_5(lab: Lab, workdir: Path) -> None:
    assert netraven("run", "x.yml", "--bogus", cwd=workdir).returncode == 5
    (workdir / "p.yml").write_text("- hosts: all\n  tasks: []\n")
    bad_e = netraven("run", "p.yml", "-i", str(lab.inventory), "-e", "not a pair", cwd=workdir)
    assert bad_e.returncode == 5 and "expected key=value" in bad_e.stderr
    missing = netraven("run", "p.yml", "-i", str(workdir / "nope"), cwd=workdir)
    assert missing.returncode == 5 and "inventory directory not found" in missing.stderr


def test_lab_commands(workdir: Path) -> None:
    from tests.conftest import free_port_range

    base = str(free_port_range(2))
    up = netraven("lab", "up", "--devices", "2", "--base-port", base, "--dir", "lab", cwd=workdir)
    assert up.returncode == 0, up.stderr
    try:
        status = netraven("lab", "status", "--dir", "lab", cwd=workdir)
        assert status.returncode == 0 and "2 device(s)" in status.stdout
        again = netraven("lab", "up", "--dir", "lab", "--base-port", base, cwd=workdir)
        assert again.returncode == 1 and "already running" in again.stderr
        assert (workdir / "lab" / "inventory" / "hosts.yaml").exists()
    finally:
        down = netraven("lab", "down", "--dir", "lab", cwd=workdir)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert netraven("lab", "status", "--dir", "lab", cwd=workdir).returncode == 3
