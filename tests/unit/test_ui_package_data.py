"""Every UI template and static file is in the wheel's package-data (pages 500 otherwise)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "netraven" / "service" / "ui"


def test_package_data_ships_every_template_and_static_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["netraven.service.ui"]
    files = [
        p.relative_to(UI).as_posix()
        for folder in ("templates", "static")
        for p in (UI / folder).iterdir()
        if p.is_file()
    ]
    assert len(files) > 10
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == []
