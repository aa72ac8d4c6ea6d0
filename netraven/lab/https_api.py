"""A lab device's HTTPS API: Arista-eAPI-style JSON-RPC and RESTCONF, on one port.

Served with h11 (a sans-I/O HTTP/1.1 state machine, already under httpx) over asyncio's
TLS streams: it parses and frames HTTP correctly (keep-alive, chunked bodies, pipelining
errors) while we own the loop, so one lab process keeps serving a thousand devices with
a listener each and no framework on top. uvicorn+starlette would do it too, at the cost
of two heavy dependencies and a server per port.

Every request needs basic auth with the lab's credentials, or the lab's API token as a
bearer token (401 otherwise, and with the ``auth`` fault). Both APIs drive the same
``Device`` the SSH and Telnet CLIs drive, and only through ``Session(device).handle(line)``,
the interface every lab device family's CLI offers:

- ``POST /command-api``: ``runCmds`` runs its commands through a CLI ``Session`` of the
  device (each request its own session, as on EOS), ``format`` ``text`` (every command)
  or ``json`` (``show version`` and commands without output; others answer error 1003).
  A failing command ends the request with JSON-RPC error 1002 like real eAPI.
- ``/.well-known/host-meta`` names the RESTCONF root ``/restconf``; ``/restconf/data/…``
  serves ``lab.restconf_model`` (GET, PUT, PATCH, POST, DELETE, RFC 8040 statuses and
  ``ietf-restconf:errors``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import h11

from netraven.lab import restconf_model as model
from netraven.lab.device import Device, Session
from netraven.lab.faults import Faults

__all__ = ["ApiSite", "Reply", "serve_connection"]

YANG_JSON = "application/yang-data+json"
MAX_BODY = 4 * 1024 * 1024
IDLE_TIMEOUT = 60.0
HOST_META = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n"
    "  <Link rel='restconf' href='/restconf'/>\n"
    "</XRD>\n"
)
_CONFIGURE = ("conf", "confi", "config", "configu", "configur", "configure")
_FAILED = ("% Invalid input", "% Ambiguous command", "% Incomplete command", "% Access denied")


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, value: Any, kind: str = "application/json") -> Reply:
        return cls(status, json.dumps(value).encode(), [("Content-Type", kind)])


@dataclass
class ApiSite:
    """What one device's API needs from the lab: credentials, faults, the command log."""

    device: Device
    username: str
    password: str
    faults: Callable[[], Faults]
    log: Callable[[str, str, str, str | None], None]
    token: str | None = None  # also accepted as "Authorization: Bearer <token>"

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        if self.faults().auth or not self._authorised(headers.get("authorization", "")):
            self.log(self.device.name, "connection", "login-refused", "https")
            return Reply(
                401,
                b'{"error": "authentication required"}',
                [
                    ("WWW-Authenticate", 'Basic realm="netraven-lab"'),
                    ("Content-Type", "application/json"),
                ],
            )
        path = urlsplit(target).path
        if path == "/command-api":
            if method != "POST":
                return Reply(405, b"", [("Allow", "POST")])
            return Reply.json(200, self._eapi(body))
        if path == "/.well-known/host-meta" and method in ("GET", "HEAD"):
            return Reply(200, HOST_META.encode(), [("Content-Type", "application/xrd+xml")])
        if path.rstrip("/") == "/restconf" and method in ("GET", "HEAD"):
            root = {
                "ietf-restconf:restconf": {
                    "data": {},
                    "operations": {},
                    "yang-library-version": "2019-01-04",
                }
            }
            return Reply.json(200, root, YANG_JSON)
        if path == "/restconf/yang-library-version" and method == "GET":
            return Reply.json(200, {"ietf-restconf:yang-library-version": "2019-01-04"}, YANG_JSON)
        if path == "/restconf/data" or path.startswith("/restconf/data/"):
            self.log(self.device.name, "restconf", f"{method} {path}", "https")
            try:
                return self._restconf(method, path, headers, body)
            except model.ModelError as exc:
                return _restconf_error(exc.status, exc.tag, exc.message)
        return Reply.json(404, {"error": f"no resource {path}"})

    def _authorised(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return self.token is not None and value.strip() == self.token
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = (
                base64.b64decode(value.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == self.username and password == self.password

    # --- eAPI --------------------------------------------------------------------
    def _eapi(self, body: bytes) -> dict[str, Any]:
        try:
            request = json.loads(body)
        except ValueError:
            return _rpc_error(None, -32700, "Parse error")
        if not isinstance(request, dict):
            return _rpc_error(None, -32600, "Invalid request")
        rid = request.get("id")
        if request.get("method") != "runCmds":
            return _rpc_error(rid, -32601, f"Method not found: {request.get('method')}")
        params = request.get("params")
        cmds = params.get("cmds") if isinstance(params, dict) else None
        fmt = params.get("format", "json") if isinstance(params, dict) else None
        if not isinstance(cmds, list) or fmt not in ("json", "text"):
            return _rpc_error(rid, -32602, "Invalid params: cmds must be a list, format json|text")
        session = Session(self.device)
        results: list[dict[str, Any]] = []
        for index, cmd in enumerate(cmds):
            text, given = (
                (cmd.get("cmd"), cmd.get("input")) if isinstance(cmd, dict) else (cmd, None)
            )
            where = f"CLI command {index + 1} of {len(cmds)} '{text}' failed"
            if not isinstance(text, str):
                return _rpc_error(rid, -32602, f"Invalid params: command {index + 1}")
            output, error = _run(session, text, given)
            if error is not None:
                data = [*results, {"errors": [error], **({"output": output} if output else {})}]
                return _rpc_error(rid, 1002, f"{where}: invalid command", data)
            if fmt == "text":
                results.append({"output": output + "\n" if output else ""})
            elif output and text.split()[:2] != ["show", "version"]:
                return _rpc_error(
                    rid,
                    1003,
                    f"{where}: unconverted command",
                    [*results, {"errors": ["unconverted command"]}],
                )
            else:
                results.append(_show_version(self.device) if output else {})
        return {"jsonrpc": "2.0", "id": rid, "result": results}

    # --- RESTCONF ----------------------------------------------------------------
    def _restconf(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        steps = _steps(path[len("/restconf/data") :])
        doc = model.read(self.device)
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
                return _restconf_error(415, "invalid-value", f"unsupported media type '{kind}'")
            try:
                payload = json.loads(body)
            except ValueError as exc:
                raise model.ModelError(400, "malformed-message", f"invalid JSON: {exc}") from None
            if not isinstance(payload, dict) or len(payload) != 1:
                raise model.ModelError(400, "malformed-message", "the body must hold one member")
        new = copy.deepcopy(doc)
        status = self._write(method, new, steps, payload)
        model.apply(self.device, doc, new)
        return Reply(status)

    def _write(
        self, method: str, doc: dict[str, Any], steps: list[model.Step], payload: Any
    ) -> int:
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
                raise model.ModelError(
                    400, "invalid-value", "a list entry is sent as a one-entry list"
                )
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


def _run(session: Session, text: str, given: str | None) -> tuple[str, str | None]:
    """One eAPI command on the session: its output, and the error if it failed."""
    if text.strip() == "enable":
        session.handle("enable")
        if getattr(session, "awaiting_password", False):
            # Without an input: the lab's user is privilege 15, as eAPI accounts usually are.
            answer = session.handle(given if given is not None else session.device.enable_secret)
            if "% Access denied" in answer:
                return "", "Bad secret"
        return "", None
    output = session.handle(text)
    if getattr(session, "in_config", False) and text.split()[0] in _CONFIGURE:
        output = ""  # EOS prints no banner when eAPI enters configuration mode
    if getattr(session, "awaiting_password", False):
        session.handle("")  # abandon the prompt
        return "", "Password required"
    if any(line.strip().startswith(_FAILED) for line in output.splitlines()):
        return output, f"Invalid input (at token 0: '{text.split()[0]}')"
    return output, None


def _show_version(device: Device) -> dict[str, Any]:
    return {
        "modelName": "WS-C2960X-48FPD-L",
        "version": "15.2(7)E4",
        "serialNumber": device.serial,
        "hostname": device.hostname,
    }


def _rpc_error(rid: Any, code: int, message: str, data: list[Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": error}


def _restconf_error(status: int, tag: str, message: str) -> Reply:
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


async def serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    site: ApiSite,
    latency: Callable[[], float],
) -> None:
    """HTTP/1.1 keep-alive on one TLS connection, until the client or a timeout ends it."""
    conn = h11.Connection(h11.SERVER)
    try:
        while True:
            request = await _next_request(conn, reader)
            if request is None:
                break
            head, body = request
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in head.headers}
            delay = latency()
            if delay:
                await asyncio.sleep(delay)
            reply = site.handle(head.method.decode(), head.target.decode("latin-1"), headers, body)
            if head.method == b"HEAD":
                reply = Reply(reply.status, b"", reply.headers)
            await _send(conn, writer, reply, head.method == b"HEAD")
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                break
            conn.start_next_cycle()
    except h11.RemoteProtocolError as exc:
        if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            reply = Reply.json(exc.error_status_hint, {"error": str(exc)})
            with contextlib.suppress(h11.LocalProtocolError, ConnectionError, ssl.SSLError):
                await _send(conn, writer, reply, False)
    except (ConnectionError, ssl.SSLError, TimeoutError, _TooLarge):
        pass
    finally:
        writer.close()


class _TooLarge(Exception):
    pass


async def _next_request(
    conn: h11.Connection, reader: asyncio.StreamReader
) -> tuple[h11.Request, bytes] | None:
    head: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await asyncio.wait_for(reader.read(65536), IDLE_TIMEOUT)
            conn.receive_data(data)  # b"" means the client closed
            continue
        if isinstance(event, h11.Request):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > MAX_BODY:
                raise _TooLarge
        elif isinstance(event, h11.EndOfMessage):
            assert head is not None
            return head, bytes(body)
        elif event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
            return None


async def _send(
    conn: h11.Connection, writer: asyncio.StreamWriter, reply: Reply, head_only: bool
) -> None:
    headers = [*reply.headers, ("Server", "netraven-lab")]
    if reply.status not in (204, 304):
        headers.append(("Content-Length", str(len(reply.body))))
    writer.write(conn.send(h11.Response(status_code=reply.status, headers=headers)) or b"")
    if reply.body and not head_only:
        writer.write(conn.send(h11.Data(data=reply.body)) or b"")
    writer.write(conn.send(h11.EndOfMessage()) or b"")
    await writer.drain()
