"""The config task's options are checked at load time, each mistake at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from netraven.errors import InputError, InputErrors
from netraven.playbook.config_schema import ConfigAction
from netraven.playbook.loader import load_playbook

MISTAKES = """\
- hosts: all
  tasks:
    - config:
        lines: [permit ip any any]
        parents: ip access-list extended X
        match: exact
        save: true
        save_when: modified
    - config:
        lines: [" description x"]
        parents: [interface Gi1/0/1]
        match: strict
    - config:
        match: exact
        diff_against: intended
    - config:
        lines: [ntp server 1.1.1.1]
        diff_ignore_lines: ["^ntp", "(unclosed"]
        intended_config: "hostname x"
    - config:
        match: sometimes
        lines: [x]
"""


def errors(tmp_path: Path, text: str) -> list[str]:
    book = tmp_path / "play.yml"
    book.write_text(text)
    with pytest.raises((InputError, InputErrors)) as caught:
        load_playbook(book)
    prefix = f"{book}:"
    return [line.removeprefix(prefix) for line in str(caught.value).splitlines()]


def test_each_bad_option_is_reported_at_its_line(tmp_path: Path) -> None:
    found = errors(tmp_path, MISTAKES)
    assert found[0].startswith("21: play[0].tasks[4].config.match: Input should be 'line'")
    # the pydantic error stops the load; the rules tying keys together come next, once fixed
    fixed = MISTAKES.replace("match: sometimes", "match: none")
    assert errors(tmp_path, fixed) == [
        "7: play[0].tasks[0].config.save: give 'save_when' or the older 'save', not both",
        "10: play[0].tasks[1].config.lines[0]: 'match: strict' takes the section's lines "
        "unindented",
        "14: play[0].tasks[2].config.match: 'match: exact' compares one section: it needs "
        "'parents' and 'lines'",
        "15: play[0].tasks[2].config.diff_against: 'diff_against: intended' needs "
        "'intended_config'",
        "18: play[0].tasks[3].config.diff_ignore_lines[1]: invalid regular expression: "
        "missing ), unterminated subpattern at position 0",
        "19: play[0].tasks[3].config.intended_config: only used with 'diff_against: intended'",
    ]


def test_a_config_task_needs_something_to_do(tmp_path: Path) -> None:
    assert errors(tmp_path, "- hosts: all\n  tasks:\n    - config: {save_when: changed}\n") == [
        "3: play[0].tasks[0].config: give 'lines' or 'src', or something else to do "
        "('save_when: always|modified', 'diff_against: startup|intended')"
    ]


def test_src_and_template_are_one_option(tmp_path: Path) -> None:
    (tmp_path / "ntp.j2").write_text("ntp server {{ ntp }}\n")
    book = tmp_path / "play.yml"
    book.write_text(
        "- hosts: all\n  tasks:\n    - config: {src: ntp.j2}\n    - config: {template: ntp.j2}\n"
        "    - config: {save_when: modified}\n    - config: {lines: [x], save: true}\n"
    )
    tasks = load_playbook(book).plays[0].tasks
    specs = [t.config for t in tasks]
    assert all(isinstance(s, ConfigAction) for s in specs)
    assert [s.template_file for s in specs if s] == ["ntp.j2", "ntp.j2", None, None]
    assert [s.effective_save_when for s in specs if s] == ["never", "never", "modified", "changed"]
    both = "- hosts: all\n  tasks:\n    - config: {src: a.j2, template: ntp.j2}\n"
    assert errors(tmp_path, both) == [
        "3: play[0].tasks[0].config: Value error, give at most one of 'lines', 'src' or "
        "'template' (got ['src', 'template'])"
    ]


def test_a_missing_src_file_is_an_input_error(tmp_path: Path) -> None:
    assert errors(tmp_path, "- hosts: all\n  tasks:\n    - config: {src: nope.j2}\n") == [
        "3: play[0].tasks[0].config.src: template file not found: nope.j2"
    ]
