"""RESTCONF (RFC 8040) on one device: root discovery, data resources, error reports.

The root comes from ``/.well-known/host-meta`` (RFC 6415 XRD, ``Link rel="restconf"``),
as the RFC asks clients to find it, never assumed. Data is ``application/yang-data+json``
(RFC 7951 JSON). An error answer carries ``ietf-restconf:errors``; its ``error-tag`` and
``error-message`` are what a user needs, so they are what a failure says.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from netraven.connections.http.client import HttpReply, Sender
from netraven.errors import DeviceError, TaskFailed

__all__ = ["YANG_JSON", "Restconf", "data_path", "discover", "error_text", "expect"]

YANG_JSON = "application/yang-data+json"
HOST_META = "/.well-known/host-meta"
_LINK = re.compile(r"<Link\b[^>]*\brel=['\"]restconf['\"][^>]*>", re.I)
_HREF = re.compile(r"\bhref=['\"]([^'\"]+)['\"]", re.I)


async def discover(send: Sender) -> str:
    """The root from host-meta; then a GET of it, which also proves the credentials."""
    reply = await send("GET", HOST_META, headers={"Accept": "application/xrd+xml"})
    if reply.status != 200:
        raise DeviceError(f"RESTCONF: GET {HOST_META}: HTTP {reply.status}")
    link = _LINK.search(reply.text)
    href = _HREF.search(link.group(0)) if link else None
    if href is None:
        raise DeviceError(f"RESTCONF: {HOST_META} names no restconf link")
    root = "/" + href.group(1).strip("/")
    check = await send("GET", root, headers={"Accept": YANG_JSON})
    if check.status != 200:
        raise DeviceError(f"RESTCONF: GET {root}: HTTP {check.status}")
    return root


class Restconf:
    """Data-resource calls under a known RESTCONF root, through any ``Sender``.

    The sender is the job's view of the connection, so under ``--check`` the guard sees
    (and refuses) every request that is not a read.
    """

    def __init__(self, send: Sender, root: str) -> None:
        self._send = send
        self.root = root

    async def request(self, method: str, path: str, body: Any = None) -> HttpReply:
        """``path`` relative to ``{root}/data``; a body is sent as YANG JSON."""
        root = self.root
        headers = {"Accept": YANG_JSON}
        content = None
        if body is not None:
            headers["Content-Type"] = YANG_JSON
            content = json.dumps(body).encode()
        return await self._send(method, data_path(root, path), content=content, headers=headers)

    async def get(self, path: str) -> Any | None:
        """The resource's JSON, None when the device has no such data (404)."""
        reply = await self.request("GET", path)
        if reply.status == 404:
            return None
        expect(reply, (200,))
        return reply.json()


def data_path(root: str, path: str) -> str:
    """``{root}/data/{path}`` with a path given relative to the data root or absolute."""
    path = path.strip()
    if path.startswith(root + "/data"):
        return path
    return f"{root}/data/{quote(path.strip('/'), safe='/:=,%-._~')}"


def expect(reply: HttpReply, statuses: tuple[int, ...]) -> None:
    """Fail the task with the device's own error report unless the status is expected."""
    if reply.status not in statuses:
        raise TaskFailed(
            f"RESTCONF {reply.method} {reply.path}: HTTP {reply.status}: {error_text(reply)}",
            output=reply.text[:4000] or None,
        )


def error_text(reply: HttpReply) -> str:
    """``error-tag: error-message`` of each ``ietf-restconf:errors`` entry, or the body."""
    try:
        body = json.loads(reply.content) if reply.content.strip() else None
    except ValueError:
        body = None
    errors = body.get("ietf-restconf:errors", {}) if isinstance(body, dict) else {}
    entries = errors.get("error", []) if isinstance(errors, dict) else []
    parts = [
        f"{e.get('error-tag', '?')}: {e.get('error-message', '').strip()}".rstrip(": ")
        for e in entries
        if isinstance(e, dict)
    ]
    if parts:
        return "; ".join(parts)
    return reply.text.strip().splitlines()[0][:200] if reply.text.strip() else "no details"
