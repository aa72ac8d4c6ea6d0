"""The JSON Schema files in docs/ are exactly what the read models generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from netraven.app.schema import SCHEMAS, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schema"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_is_current(name: str) -> None:
    published = (DOCS / name).read_text()
    assert published == render(name), (
        f"docs/schema/{name} is stale: run python -m netraven.app.schema docs/schema"
    )
