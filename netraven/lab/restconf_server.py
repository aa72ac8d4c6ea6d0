"""RESTCONF (RFC 8040) data resources of a lab device, on ``lab.restconf_model``.

GET/HEAD read; PUT replaces or creates (204 / 201); PATCH merges into existing data (204,
404 when absent); POST creates a child (201, 409 ``data-exists``); DELETE removes (204,
404). Bodies are ``application/yang-data+json`` (or ``application/json``), else 415. A
write builds the new tree, and ``restconf_model.apply`` configures the difference through
the device's CLI.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import unquote

from netraven.lab import restconf_model as model
from netraven.lab.device import Device
from netraven.lab.http_reply import YANG_JSON, Reply

__all__ = ["handle_data", "restconf_error"]


def handle_data(
    device: Device, username: str, method: str, path: str, headers: dict[str, str], body: bytes
) -> Reply:
    """One request on ``/restconf/data…``; model errors are raised as ``ModelError``."""
    steps = _steps(path[len("/restconf/data") :])
    doc = model.read(device)
    if method in ("GET", "HEAD"):
        if not steps:
            return Reply.json(200, doc, YANG_JSON)
        holder, member, key, schema, qualified = model.resolve(doc, steps)
        value = _target(holder, member, key, schema)
        if value is None:
            raise model.ModelError(404, "invalid-value", "uri keypath not found")
        return Reply.json(200, {qualified: [value] if key is not None else value}, YANG_JSON)
    if method not in ("PUT", "PATCH", "POST", "DELETE"):
        return Reply(405, b"", [("Allow", "GET, HEAD, PUT, PATCH, POST, DELETE")])
    payload: Any = None
    if method != "DELETE":
        kind = headers.get("content-type", "").split(";")[0].strip()
        if kind not in (YANG_JSON, "application/json"):
            return restconf_error(415, "invalid-value", f"unsupported media type '{kind}'")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise model.ModelError(400, "malformed-message", f"invalid JSON: {exc}") from None
        if not isinstance(payload, dict) or len(payload) != 1:
            raise model.ModelError(400, "malformed-message", "the body must hold one member")
    new = copy.deepcopy(doc)
    status = _write(method, new, steps, payload)
    model.apply(device, username, doc, new)
    return Reply(status)


def _write(method: str, doc: dict[str, Any], steps: list[model.Step], payload: Any) -> int:
    if method == "POST":
        return _post(doc, steps, payload)
    holder, member, key, schema, _ = model.resolve(doc, steps, create=method == "PUT")
    existing = _target(holder, member, key, schema)
    if method == "DELETE":
        if existing is None:
            raise model.ModelError(404, "data-missing", "uri keypath not found")
        _remove(holder, member, key, schema)
        return 204
    name, value = next(iter(payload.items()))
    if model.member_of({member: None}, name) is None:
        raise model.ModelError(
            400, "invalid-value", f"the body names '{name}', the path '{member}'"
        )
    if key is not None:
        if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
            raise model.ModelError(400, "invalid-value", "a list entry is sent as a one-entry list")
        value = value[0]
        if str(value.get(schema[1])) != str(key):
            raise model.ModelError(
                400, "invalid-value", "the key in the body differs from the path"
            )
    if method == "PATCH":
        if existing is None:
            raise model.ModelError(404, "invalid-value", "uri keypath not found")
        value = model.merge(existing, value, schema[2] if key is not None else schema)
    _put(holder, member, key, schema, value)
    return 204 if existing is not None else 201


def restconf_error(status: int, tag: str, message: str) -> Reply:
    body = {
        "ietf-restconf:errors": {
            "error": [{"error-type": "application", "error-tag": tag, "error-message": message}]
        }
    }
    return Reply.json(status, body, YANG_JSON)


def _steps(path: str) -> list[model.Step]:
    steps: list[model.Step] = []
    for segment in path.strip("/").split("/"):
        if not segment:
            continue
        name, sep, key = segment.partition("=")
        steps.append((unquote(name), unquote(key) if sep else None))
    return steps


def _target(holder: dict[str, Any], member: str, key: str | None, schema: Any) -> Any:
    if key is None:
        return holder.get(member)
    return model.find_entry(holder.get(member), schema[1], key)


def _put(holder: dict[str, Any], member: str, key: str | None, schema: Any, value: Any) -> None:
    if key is None:
        holder[member] = value
        return
    entries = holder.setdefault(member, [])
    old = model.find_entry(entries, schema[1], key)
    if old is None:
        entries.append(value)
    else:
        entries[entries.index(old)] = value


def _remove(holder: dict[str, Any], member: str, key: str | None, schema: Any) -> None:
    if key is None:
        holder.pop(member)
        return
    entries = holder[member]
    entries.remove(model.find_entry(entries, schema[1], key))
    if not entries:
        holder.pop(member)


def _post(doc: dict[str, Any], steps: list[model.Step], payload: Any) -> int:
    """Create the child the body names under the path; 409 when it exists."""
    name, value = next(iter(payload.items()))
    target = [*steps, (name, None)]
    holder, member, _, schema, _ = model.resolve(doc, target, create=True)
    if isinstance(schema, tuple):
        if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
            raise model.ModelError(400, "invalid-value", "POST one list entry, as a one-entry list")
        entry = value[0]
        if model.find_entry(holder.get(member), schema[1], entry.get(schema[1])) is not None:
            raise model.ModelError(409, "data-exists", "the list entry already exists")
        holder.setdefault(member, []).append(entry)
        return 201
    if member in holder:
        raise model.ModelError(409, "data-exists", "the data already exists")
    holder[member] = value
    return 201
