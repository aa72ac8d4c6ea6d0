"""A lab device's HTTPS API: Arista-eAPI-style JSON-RPC and RESTCONF, on one port.

Served with h11 (a sans-I/O HTTP/1.1 state machine, already under httpx) over asyncio's
TLS streams: it parses and frames HTTP correctly (keep-alive, chunked bodies, pipelining
errors) while we own the loop, so one lab process keeps serving a thousand devices with
a listener each and no framework on top. uvicorn+starlette would do it too, at the cost
of two heavy dependencies and a server per port.

Every request needs basic auth with the lab's credentials, or the lab's API token as a
bearer token (401 otherwise, and with the ``auth`` fault). Both APIs drive the same
device the SSH and Telnet CLIs drive, through ``device.session(user).handle(line)``, the
interface every lab family offers (``lab.family``). RESTCONF maps the IOS-XE native model
onto the IOS-like config (and the EOS-like, which keeps the same blocks); a Junos-like
device has no RESTCONF here (404):

- ``POST /command-api``: eAPI ``runCmds`` (``lab.eapi_server``).
- ``/.well-known/host-meta`` names the RESTCONF root ``/restconf``; ``/restconf/data/…``
  is ``lab.restconf_server`` on ``lab.restconf_model`` (Cisco-IOS-XE-native subset).

This module is the HTTP side: auth, routing, and the h11 connection loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from netraven.lab import restconf_model as model
from netraven.lab.device import Device
from netraven.lab.eapi_server import run_cmds
from netraven.lab.family import LabDevice
from netraven.lab.faults import Faults
from netraven.lab.http_reply import YANG_JSON, Reply
from netraven.lab.restconf_server import handle_data, restconf_error

__all__ = ["ApiSite", "Reply", "serve_connection"]

MAX_BODY = 4 * 1024 * 1024
IDLE_TIMEOUT = 60.0
HOST_META = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n"
    "  <Link rel='restconf' href='/restconf'/>\n"
    "</XRD>\n"
)


@dataclass
class ApiSite:
    """What one device's API needs from the lab: credentials, faults, the command log."""

    device: LabDevice
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
            return Reply.json(200, run_cmds(self.device, self.username, body))
        if not isinstance(self.device, Device) and (
            path.startswith("/restconf") or path.startswith("/.well-known/")
        ):
            return Reply.json(404, {"error": f"{self.device.family}-like devices have no RESTCONF"})
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
                assert isinstance(self.device, Device)
                return handle_data(self.device, self.username, method, path, headers, body)
            except model.ModelError as exc:
                return restconf_error(exc.status, exc.tag, exc.message)
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
