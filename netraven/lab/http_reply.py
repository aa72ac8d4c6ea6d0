"""One HTTP answer of the lab's API, before h11 frames it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["YANG_JSON", "Reply"]

YANG_JSON = "application/yang-data+json"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, value: Any, kind: str = "application/json") -> Reply:
        return cls(status, json.dumps(value).encode(), [("Content-Type", kind)])
