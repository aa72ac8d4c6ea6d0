"""Every input mistake is reported at once, one ``FILE:LINE: field: message`` line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from netraven.errors import InputError, InputErrors
from netraven.inventory import load_inventory
from netraven.playbook.loader import load_playbook

THREE_MISTAKES = """\
- hosts: all
  forks: 0
  tasks:
    - command: show version
      regster: v
    - name: both
      config: {lines: [a], template: t.j2}
"""


def test_playbook_reports_every_schema_error_top_to_bottom(tmp_path: Path) -> None:
    book = tmp_path / "play.yml"
    book.write_text(THREE_MISTAKES)
    with pytest.raises(InputErrors) as caught:
        load_playbook(book)
    lines = str(caught.value).splitlines()
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{book}:2", "play[0].forks"],
        [f"{book}:5", "play[0].tasks[0].regster"],
        [f"{book}:7", "play[0].tasks[1].config"],
    ]
    assert "greater than or equal to 1" in lines[0]
    assert lines[1].endswith("unknown key")
    assert "at most one of 'lines', 'src' or 'template'" in lines[2]
    assert "more)" not in str(caught.value)
    assert [e.line for e in caught.value.errors] == [2, 5, 7]
    assert (caught.value.path, caught.value.line) == (str(book), 2)  # the first one's


def test_playbook_reports_every_template_error(tmp_path: Path) -> None:
    book = tmp_path / "play.yml"
    book.write_text(
        "- hosts: all\n  tasks:\n    - command: 'show {{ a'\n      when: 'x =='\n"
        "    - config: {template: missing.j2}\n"
    )
    with pytest.raises(InputErrors) as caught:
        load_playbook(book)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{book}:3: play[0].tasks[0].command[0]: template syntax error")
    assert lines[1].startswith(f"{book}:4: play[0].tasks[0].when[0]: expression syntax error")
    assert lines[2] == (
        f"{book}:5: play[0].tasks[1].config.template: template file not found: missing.j2"
    )


def test_a_single_error_stays_a_plain_input_error(tmp_path: Path) -> None:
    book = tmp_path / "play.yml"
    book.write_text("- hosts: all\n  tasks:\n    - comand: x\n")
    with pytest.raises(InputError) as caught:
        load_playbook(book)
    assert type(caught.value) is InputError
    assert str(caught.value) == f"{book}:3: play[0].tasks[0].comand: unknown key"


def test_input_errors_needs_errors_and_keeps_each() -> None:
    with pytest.raises(ValueError, match="at least one"):
        InputErrors([])
    first, second = InputError("a", path="f", line=1), InputError("b", path="f")
    combined = InputErrors.of([first, second])
    assert isinstance(combined, InputErrors) and isinstance(combined, InputError)
    assert str(combined) == "f:1: a\nf: b"
    assert InputErrors.of([first]) is first


def test_inventory_reports_every_host_and_group(tmp_path: Path) -> None:
    (tmp_path / "hosts.yaml").write_text(
        "r1:\n  hostnme: 10.0.0.1\n  prt: 22\n"
        "r2:\n  groups: [nope]\n"
        "r3:\n  groups: [bad]\n  port: x\n"
        "r4:\n  groups: [bad]\n"
    )
    (tmp_path / "groups.yaml").write_text("bad:\n  colour: red\n")
    with pytest.raises(InputErrors) as caught:
        load_inventory(tmp_path)
    lines = str(caught.value).splitlines()
    hosts, groups = tmp_path / "hosts.yaml", tmp_path / "groups.yaml"
    assert [line.split(" (allowed")[0] for line in lines] == [
        f"{groups}:2: bad: unknown key 'colour'",
        f"{hosts}:2: r1: unknown key 'hostnme'",
        f"{hosts}:3: r1: unknown key 'prt'",
        f"{hosts}:4: r2.groups: unknown group 'nope'",
        f"{hosts}:8: r3.port: expected an integer",
    ]  # r4's only fault is its broken group 'bad': reported once, at the group
