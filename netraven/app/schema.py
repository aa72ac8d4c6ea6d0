"""The published JSON Schema of every read model, generated from the models themselves.

``python -m netraven.app.schema docs/schema`` rewrites the files; a test fails when they
are out of date, so the documented contract is always the one the code prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from netraven.app.read_models import (
    AuditView,
    BreakerView,
    FlagView,
    JobDetail,
    JobEvent,
    JobView,
    LogView,
    NewTokenView,
    TokenView,
)
from netraven.app.schedules import ScheduleView
from netraven.app.templates import TemplateDiff, TemplateVersionView

__all__ = ["SCHEMAS", "render", "write"]

# file name → (title, what it describes)
SCHEMAS: dict[str, tuple[str, Any]] = {
    "job-detail.schema.json": ("run --output json, jobs show --json", JobDetail),
    "job-list.schema.json": ("jobs list --json", list[JobView]),
    "job-logs.schema.json": ("jobs logs --json", list[LogView]),
    "breakers.schema.json": ("breakers list --json", list[BreakerView]),
    "flags.schema.json": ("flags list --json", list[FlagView]),
    # netraven serve (docs/service.md)
    "job-event.schema.json": ("GET /jobs/{id}/events: the data of each event", JobEvent),
    "tokens.schema.json": ("GET /tokens, tokens list --json", list[TokenView]),
    "new-token.schema.json": ("POST /tokens", NewTokenView),
    "audit.schema.json": ("GET /audit", list[AuditView]),
    # schedules and the template repository (docs/schedules.md, docs/templates.md)
    "schedules.schema.json": ("schedules list --json, GET /schedules", list[ScheduleView]),
    "template-versions.schema.json": (
        "templates list|versions --json, GET /templates",
        list[TemplateVersionView],
    ),
    "template-diff.schema.json": ("templates diff --json", TemplateDiff),
}


def render(name: str) -> str:
    title, model = SCHEMAS[name]
    if isinstance(model, type) and issubclass(model, BaseModel):
        schema = model.model_json_schema(mode="serialization")
    else:
        schema = TypeAdapter(model).json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    schema["description"] = f"NetRaven: {title}"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = directory / name
        path.write_text(render(name))
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema")):
        print(path)
