"""Shared by the template tests: an environment rooted in a scratch directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netraven.playbook.templates import Templates


@pytest.fixture
def templates(tmp_path: Path) -> Templates:
    return Templates(tmp_path)


def render(templates: Templates, source: str, **variables: Any) -> str:
    """A template rendered as a task's command or config line would be."""
    return templates.render(source, variables)
