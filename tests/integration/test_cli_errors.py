"""The CLI prints every input error, one ``error: FILE:LINE: field: message`` line each."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import netraven
from tests.unit.test_input_errors import THREE_MISTAKES


def test_cli_prints_each_error_on_its_own_line(tmp_path: Path) -> None:
    inventory = tmp_path / "inv"
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text("r1:\n  hostname: 127.0.0.1\n")
    (tmp_path / "play.yml").write_text(THREE_MISTAKES)
    result = netraven("validate", "play.yml", "-i", str(inventory), cwd=tmp_path)
    assert result.returncode == 5
    lines = result.stderr.splitlines()
    assert [line.split(": ", 3)[:3] for line in lines] == [
        ["error", "play.yml:2", "play[0].forks"],
        ["error", "play.yml:5", "play[0].tasks[0].regster"],
        ["error", "play.yml:7", "play[0].tasks[1].config"],
    ]
