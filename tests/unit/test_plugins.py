"""Plugin discovery and how the schema and loader treat plugin actions."""

from __future__ import annotations

import importlib.metadata
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from netraven.errors import InputError
from netraven.playbook.loader import load_playbook
from netraven.plugins import discover

ACTION = """
from pydantic import BaseModel, ConfigDict
from netraven.engine.actions import ActionResult

class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = 1

class Echo:
    name = "echo_lines"
    device = False
    args_model = Args

    async def __call__(self, step, args):
        return ActionResult(output="x" * args.count)

def actions():
    return [Echo()]
"""


def _project(tmp_path: Path, tasks: str) -> Path:
    (tmp_path / "plugins" / "actions").mkdir(parents=True)
    (tmp_path / "plugins" / "actions" / "echo.py").write_text(ACTION)
    (tmp_path / "plugins" / "filters").mkdir()
    (tmp_path / "plugins" / "filters" / "f.py").write_text(
        "def filters():\n    return {'twice': lambda v: v * 2}\n"
    )
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n  tasks:\n" + textwrap.indent(textwrap.dedent(tasks), "    "))
    return book


def test_folder_plugins_are_found(tmp_path: Path) -> None:
    book = _project(tmp_path, "- debug: hi\n")
    plugins = discover(book)
    assert set(plugins.actions) == {"echo_lines"} and set(plugins.filters) == {"twice"}
    assert plugins.origins[("actions", "echo_lines")].endswith("plugins/actions/echo.py")


def test_plugin_action_key_is_accepted_and_its_filter_known(tmp_path: Path) -> None:
    book = _project(tmp_path, "- echo_lines: {count: 3}\n- debug: {msg: \"{{ 'a' | twice }}\"}\n")
    loaded = load_playbook(book)
    node = next(iter(loaded.compiled[0].task_nodes()))
    assert node.action == "echo_lines" and node.task.plugin is not None
    assert node.task.plugin.args == {"count": 3}


def test_unknown_action_key_stays_an_error_with_its_line(tmp_path: Path) -> None:
    book = _project(tmp_path, "- debug: hi\n- echo_line: {}\n")
    with pytest.raises(InputError) as err:
        load_playbook(book)
    assert f"{book}:4:" in str(err.value) and "unknown key" in str(err.value)


def test_a_user_written_plugin_key_is_unknown(tmp_path: Path) -> None:
    book = _project(tmp_path, "- plugin: {name: echo_lines, args: {}}\n")
    with pytest.raises(InputError, match=r"plugin: unknown key"):
        load_playbook(book)


def test_plugin_args_are_checked_at_load_unless_templated(tmp_path: Path) -> None:
    book = _project(tmp_path, "- echo_lines:\n    count: many\n- echo_lines: {count: '{{ n }}'}\n")
    with pytest.raises(InputError) as err:
        load_playbook(book)
    assert str(err.value).count("\n") == 0  # the templated one is checked when it runs
    assert f"{book}:4: play[0].tasks[0].echo_lines.count:" in str(err.value)


def test_a_plugin_may_not_shadow_a_builtin_filter(tmp_path: Path) -> None:
    book = _project(tmp_path, "- debug: hi\n")
    (tmp_path / "plugins" / "filters" / "f.py").write_text(
        "def filters():\n    return {'default': lambda v: v}\n"
    )
    with pytest.raises(InputError, match="shadows a built-in"):
        load_playbook(book)


def test_entry_point_plugins_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n  tasks:\n    - debug: \"{{ 'x' | shout }}\"\n")

    def entry_points(group: str) -> list[Any]:
        if group != "netraven.filters":
            return []
        provider = lambda: {"shout": str.upper}  # noqa: E731
        return [SimpleNamespace(name="demo", value="demo:filters", load=lambda: provider)]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert set(load_playbook(book).plugins.filters) == {"shout"}


def test_entry_point_that_fails_to_import_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom() -> Any:
        raise ImportError("no module named demo")

    def entry_points(group: str) -> list[Any]:
        return [SimpleNamespace(name="demo", value="demo:actions", load=boom)]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    with pytest.raises(InputError, match=r"entry point netraven.actions:demo \(demo:actions\)"):
        discover(tmp_path / "site.yml")


def test_sample_filters() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "plugins" / "filters" / "network.py"
    spec = importlib.util.spec_from_file_location("sample_network_filters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.vlan_range("10-12,20") == [10, 11, 12, 20]
    assert module.vlan_range(["20", 5]) == [5, 20]
    with pytest.raises(ValueError):
        module.vlan_range("12-10")
    assert module.interface_short("GigabitEthernet1/0/1") == "Gi1/0/1"
