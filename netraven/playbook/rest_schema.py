"""The ``rest:`` and ``restconf_config:`` tasks: HTTP requests and declarative RESTCONF.

``rest:`` is one request, Ansible ``uri``-like: ``method``, ``path`` (below the host's
base URL), ``headers``, ``body`` (YAML/JSON structure or a string; templated) and the
``status_code`` list that counts as success. ``restconf_config:`` names a data resource
and the content it must contain, in the JSON a GET of that resource returns.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["RestAction", "RestconfConfigAction"]

Method = Literal["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RestAction(_Strict):
    method: Method = "GET"
    path: str = Field(min_length=1)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    # json: a structure (or a string holding YAML/JSON) sent as JSON; raw: the string as is.
    body_format: Literal["json", "raw"] = "json"
    status_code: list[int] = Field(default_factory=lambda: [200])

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/") and "{" not in value:
            raise ValueError("must start with '/' (it is below the host's base URL)")
        return value

    @field_validator("status_code", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        codes = [value] if isinstance(value, int) else value
        if isinstance(codes, list):
            for code in codes:
                if isinstance(code, int) and not 100 <= code <= 599:
                    raise ValueError(f"{code} is not an HTTP status code")
        return codes


class RestconfConfigAction(_Strict):
    """``content`` must be present at ``path``: GET, compare, PATCH only what differs."""

    path: str = Field(min_length=1)
    content: dict[str, Any]

    @field_validator("content")
    @classmethod
    def _one_resource(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) != 1:
            raise ValueError(
                "give the resource as a GET of the path returns it: one top-level member, "
                "e.g. {'Cisco-IOS-XE-native:native': {...}}"
            )
        return value
