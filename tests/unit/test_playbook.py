from __future__ import annotations

from pathlib import Path

import pytest

from netraven.errors import InputError, TaskFailed
from netraven.playbook.loader import load_playbook


def book(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "play.yml"
    path.write_text(text)
    return path


def test_sample_playbook_loads() -> None:
    playbook = load_playbook(Path(__file__).parents[2] / "playbooks" / "site.yml")
    assert [len(p.tasks) for p in playbook.plays] == [2, 4]
    assert playbook.plays[1].tasks[1].action == "config"
    assert playbook.plays[1].tasks[0].register_as == "version"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- hosts: all\n  tasks:\n    - command: show x\n      regster: v\n",
            r"play.yml:4: play\[0\].tasks\[0\].regster: unknown key",
        ),
        (
            "- hosts: all\n  tasks:\n    - name: two\n      command: a\n      backup: {}\n",
            "play.yml:3: .*exactly one of command, config, backup, assert",
        ),
        (
            "- hosts: all\n  tasks:\n    - config: {lines: [a], template: t.j2}\n",
            "at most one of 'lines', 'src' or 'template'",
        ),
        ("- tasks: []\n", r"play.yml:1: play\[0\].hosts: Field required"),
        ("- hosts: all\n  forks: 0\n", r"play.yml:2: play\[0\].forks"),
        (
            "- hosts: all\n  tasks:\n    - command: 'show {{ x '\n",
            r"play.yml:3: play\[0\].tasks\[0\].command\[0\]: template syntax error",
        ),
        (
            "- hosts: all\n  tasks:\n    - command: a\n      when: 'x =='\n",
            r"play.yml:4: .*when\[0\]: expression syntax error",
        ),
        (
            "- hosts: all\n  tasks:\n    - config: {template: missing.j2}\n",
            r"play.yml:3: play\[0\].tasks\[0\].config.template: template file not found",
        ),
        ("hosts: all\n", "play.yml:1: a playbook is a YAML list of plays"),
        ("- hosts: all\n  tasks:\n   - command: a\n  - bad\n", "play.yml:4: invalid YAML"),
    ],
)
def test_bad_playbooks_name_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_playbook(book(tmp_path, text))


def test_template_file_syntax_error_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("ntp server 1.1.1.1\n{% for x in y %}\nline\n")
    with pytest.raises(InputError, match=r"t.j2:\d: template syntax error"):
        load_playbook(book(tmp_path, "- hosts: all\n  tasks:\n    - config: {template: t.j2}\n"))


def test_strict_undefined(tmp_path: Path) -> None:
    playbook = load_playbook(
        book(tmp_path, "- hosts: all\n  tasks:\n    - command: 'show {{ thing }}'\n")
    )
    templates = playbook.templates
    assert templates.render("show {{ thing }}", {"thing": "clock"}) == "show clock"
    with pytest.raises(TaskFailed, match="'thing' is undefined"):
        templates.render("show {{ thing }}", {})
    with pytest.raises(TaskFailed, match="undefined"):
        templates.evaluate("'IOS' in version.output", {})
    assert templates.evaluate("'IOS' in version.output", {"version": {"output": "IOS XE"}})
