"""lookup() / query() / q() with the env, file and template lookups, as a playbook uses them.

Behaviour from Ansible's lookup pages: env
(docs.ansible.com/ansible/latest/collections/ansible/builtin/env_lookup.html: "returns an
empty string if the environment variable is not defined", ``default=``), file
(.../file_lookup.html: ``rstrip`` defaults to true, ``lstrip`` to false) and "Lookups"
in the playbook guide (``query``/``q`` always return a list, ``wantlist=True``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netraven.errors import TaskFailed
from netraven.playbook.templates import Templates
from tests.unit.conftest import render

# --- env ----------------------------------------------------------------------------------


def test_env_reads_the_controller_environment(
    templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRAVEN_TEST_SITE", "ams1")
    assert render(templates, "site {{ lookup('env', 'NETRAVEN_TEST_SITE') }}") == "site ams1"


def test_env_unset_is_empty_string(templates: Templates, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETRAVEN_TEST_UNSET", raising=False)
    assert render(templates, "[{{ lookup('env', 'NETRAVEN_TEST_UNSET') }}]") == "[]"
    assert templates.evaluate("lookup('env', 'NETRAVEN_TEST_UNSET') == ''", {}) is True
    # the documented ways to give a fallback
    src = "{{ lookup('env', 'NETRAVEN_TEST_UNSET') | default('nobody', True) }}"
    assert render(templates, src) == "nobody"
    src = "{{ lookup('env', 'NETRAVEN_TEST_UNSET', default='nobody') }}"
    assert render(templates, src) == "nobody"


def test_lookup_joins_and_query_lists(
    templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NR_A", "a")
    monkeypatch.setenv("NR_B", "b")
    assert render(templates, "{{ lookup('env', 'NR_A', 'NR_B') }}") == "a,b"
    assert templates.evaluate("query('env', 'NR_A', 'NR_B')", {}) == ["a", "b"]
    assert templates.evaluate("q('env', 'NR_A')", {}) == ["a"]
    assert templates.evaluate("lookup('env', 'NR_A', wantlist=True)", {}) == ["a"]


# --- file ---------------------------------------------------------------------------------


def test_file_is_relative_to_the_playbook_and_rstripped(tmp_path: Path) -> None:
    (tmp_path / "banner.txt").write_text("Authorized access only\n\n")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "motd.txt").write_text("  hello\n")
    templates = Templates(tmp_path)
    assert render(templates, "{{ lookup('file', 'banner.txt') }}") == "Authorized access only"
    assert render(templates, "[{{ lookup('file', 'motd.txt') }}]") == "[  hello]"
    assert render(templates, "[{{ lookup('file', 'motd.txt', lstrip=True) }}]") == "[hello]"
    src = "[{{ lookup('file', 'banner.txt', rstrip=False) }}]"
    assert render(templates, src) == "[Authorized access only\n\n]"
    absolute = str(tmp_path / "banner.txt")
    assert templates.evaluate(f"query('file', '{absolute}')", {}) == ["Authorized access only"]


def test_file_lookup_sees_changes_between_renders(tmp_path: Path) -> None:
    templates = Templates(tmp_path)
    (tmp_path / "v.txt").write_text("one\n")
    assert render(templates, "{{ lookup('file', 'v.txt') }}") == "one"
    (tmp_path / "v.txt").write_text("two\n")
    assert render(templates, "{{ lookup('file', 'v.txt') }}") == "two"


def test_missing_file_fails_the_task_naming_the_file(tmp_path: Path) -> None:
    templates = Templates(tmp_path)
    with pytest.raises(TaskFailed) as failed:
        render(templates, "{{ lookup('file', 'keys/missing.pub') }}")
    message = str(failed.value)
    assert "lookup('file')" in message
    assert "'keys/missing.pub'" in message
    assert str(tmp_path / "keys" / "missing.pub") in message


def test_errors_ignore_gives_nothing(tmp_path: Path) -> None:
    templates = Templates(tmp_path)
    assert render(templates, "[{{ lookup('file', 'nope', errors='ignore') }}]") == "[]"
    assert templates.evaluate("query('file', 'nope', errors='ignore')", {}) == []


# --- template -----------------------------------------------------------------------------


def test_template_renders_with_the_current_variables(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "ntp.j2").write_text(
        "{% for s in ntp_servers %}ntp server {{ s }}\n{% endfor %}"
    )
    (tmp_path / "desc.j2").write_text("{{ inventory_hostname }} uplink {{ port }}\n")
    templates = Templates(tmp_path)
    variables = {"ntp_servers": ["10.0.0.1", "10.0.0.2"], "inventory_hostname": "sw1"}
    assert templates.render("{{ lookup('template', 'ntp.j2') }}", variables) == (
        "ntp server 10.0.0.1\nntp server 10.0.0.2\n"
    )
    src = "{{ lookup('template', 'desc.j2', template_vars={'port': 'Gi0/1'}) }}"
    assert templates.render(src, variables) == "sw1 uplink Gi0/1"
    # set inside the calling template is visible, as Ansible passes the current context
    src = "{% set port = 'Te1/1' %}{{ lookup('template', 'desc.j2') }}"
    assert templates.render(src, variables) == "sw1 uplink Te1/1"


def test_template_undefined_variable_fails_the_task(tmp_path: Path) -> None:
    (tmp_path / "desc.j2").write_text("{{ port }}\n")
    templates = Templates(tmp_path)
    with pytest.raises(TaskFailed, match="'port' is undefined"):
        templates.render("{{ lookup('template', 'desc.j2') }}", {})


def test_lookup_in_conditions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NR_STAGE", "prod")
    templates = Templates(tmp_path)
    assert templates.evaluate("lookup('env', 'NR_STAGE') == 'prod'", {}) is True


# --- errors -------------------------------------------------------------------------------


def test_unknown_lookup_is_a_clear_error(templates: Templates) -> None:
    with pytest.raises(
        TaskFailed, match=r"unknown lookup 'vault' \(available: env, file, template\)"
    ):
        render(templates, "{{ lookup('vault', 'x') }}")


def test_unknown_option_is_an_error(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="lookup\\('env'\\): unexpected option\\(s\\): colour"):
        render(templates, "{{ lookup('env', 'HOME', colour='red') }}")
