"""What the engine may ask of a connection that speaks HTTP, beyond the CLI calls.

A CLI channel and an HTTP session share ``Connection`` (open, send_command, send_config,
close) so ``command:``, ``config:`` and ``backup:`` run unchanged over eAPI. What only HTTP
has lives here: ``api_info`` (None on a CLI connection: the wrappers pass it through) and
``send`` (one request; the check-mode guard refuses every method but GET/HEAD/OPTIONS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from netraven.errors import TaskFailed

if TYPE_CHECKING:
    from netraven.connections.http.client import HttpReply

__all__ = ["ApiConnection", "ApiInfo", "api_connection"]


@dataclass(frozen=True)
class ApiInfo:
    """Which API a host speaks, and what a RESTCONF backup of it stores."""

    api: str  # "eapi" | "restconf"
    backup_paths: tuple[str, ...]


@runtime_checkable
class ApiConnection(Protocol):
    @property
    def api_info(self) -> ApiInfo | None: ...

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply: ...

    async def restconf_root(self) -> str: ...


def api_connection(conn: Any, action: str) -> ApiConnection:
    """``conn`` as an HTTP connection, or the task fails saying how to reach one."""
    if getattr(conn, "api_info", None) is None:
        raise TaskFailed(
            f"{action}: this host is not reached over HTTP; "
            "set data.transport: https (or http) in the inventory"
        )
    assert isinstance(conn, ApiConnection)
    return conn
