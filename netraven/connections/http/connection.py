"""The ``http`` connection kind: a device reached over HTTPS (or HTTP) through its API.

``open`` proves the credentials before any task runs, so a refused password fails the
login and the credential chain moves on to the next set, as it does over SSH: eAPI runs
``enable`` (checking the enable secret too), RESTCONF discovers its root and reads it.
"""

from __future__ import annotations

import contextlib

import httpx

from netraven.connections.base import HostParams
from netraven.connections.http.api import ApiInfo
from netraven.connections.http.client import HttpClient, HttpReply
from netraven.connections.http.eapi import Eapi
from netraven.connections.http.options import HttpOptions
from netraven.connections.http.restconf import discover
from netraven.errors import TaskFailed

__all__ = ["HttpConnection"]


class HttpConnection:
    """One device's API session; ``notices`` are warnings the session shows once per host."""

    def __init__(
        self, params: HostParams, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.params = params
        self.options = params.http or HttpOptions(scheme=params.transport)
        self._transport = transport
        self._client: HttpClient | None = None
        self._root: str | None = None
        self.notices: list[str] = []
        if self.options.scheme == "https" and not self.options.verify:
            self.notices.append(
                f"host {params.name}: TLS certificate verification is off "
                "(data.tls.verify: false): the device's identity is not checked"
            )
        if self.options.scheme == "http":
            self.notices.append(
                f"host {params.name}: data.transport: http sends credentials and data "
                "unencrypted; use https"
            )

    @property
    def api_info(self) -> ApiInfo:
        return ApiInfo(self.options.api, self.options.backup_paths)

    def _live(self) -> HttpClient:
        if self._client is None:
            raise TaskFailed("the HTTP session is not open")
        return self._client

    async def open(self) -> None:
        p = self.params
        self._client = HttpClient(
            p.hostname, p.port, p.username, p.password, p.timeout, self.options, self._transport
        )
        try:
            if self.options.api == "eapi":
                await Eapi(self._client, p.secret).run([], "json")
            else:
                await self.restconf_root()
        except BaseException:
            await self.close()
            raise

    async def restconf_root(self) -> str:
        if self._root is None:
            self._root = await discover(self._live().send)
        return self._root

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply:
        return await self._live().send(method, path, content=content, headers=headers)

    async def send_command(self, command: str) -> str:
        return await self._eapi("command").text(command)

    async def send_config(self, lines: list[str]) -> str:
        return await self._eapi("config").configure(lines)

    def _eapi(self, what: str) -> Eapi:
        if self.options.api != "eapi":
            raise TaskFailed(
                f"{what}: a RESTCONF host has no CLI; use restconf_config: or rest: "
                "(or data.api: eapi for an eAPI device)"
            )
        return Eapi(self._live(), self.params.secret)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):  # closing never fails a host
                await client.aclose()
