"""Arista eAPI: JSON-RPC 2.0 ``runCmds`` over ``POST /command-api``.

Each request is its own CLI session on the device, starting in exec mode: that is why
every call begins with ``enable`` (with the enable secret as its ``input`` when the host
has one), and a configuration is one call ``enable``, ``configure``, the lines, ``end``.

A failing command is a JSON-RPC error object, as real eAPI sends it (code 1002,
``CLI command 2 of 3 'x' failed: invalid command``, ``data`` holding the results up to
and including the failed command, its ``errors`` listed); the commands after it never
ran. Such an error becomes ``TaskFailed`` with the device's words.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from netraven.connections.http.client import HttpClient
from netraven.errors import DeviceError, TaskFailed

__all__ = ["ENDPOINT", "Eapi", "EapiCommand"]

ENDPOINT = "/command-api"
EapiCommand = str | dict[str, str]
_ids = itertools.count(1)


class Eapi:
    """``runCmds`` for one device."""

    def __init__(self, client: HttpClient, secret: str | None) -> None:
        self._client = client
        self._secret = secret

    def _enable(self) -> EapiCommand:
        return {"cmd": "enable", "input": self._secret} if self._secret else "enable"

    async def run(self, cmds: Sequence[EapiCommand], fmt: str = "json") -> list[Any]:
        """The per-command results, ``enable`` first and stripped from the answer."""
        results = await self.run_raw([self._enable(), *cmds], fmt)
        return results[1:]

    async def run_raw(self, cmds: Sequence[EapiCommand], fmt: str) -> list[Any]:
        request_id = f"netraven-{next(_ids)}"
        body = {
            "jsonrpc": "2.0",
            "method": "runCmds",
            "params": {"version": 1, "cmds": list(cmds), "format": fmt},
            "id": request_id,
        }
        reply = await self._client.send(
            "POST",
            ENDPOINT,
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if reply.status != 200:
            raise TaskFailed(
                f"eAPI: HTTP {reply.status} from {ENDPOINT}"
                + (" (after retries)" if reply.attempts > 1 else ""),
                output=reply.text[:2000],
            )
        answer = reply.json()
        if not isinstance(answer, dict) or answer.get("jsonrpc") != "2.0":
            raise DeviceError(f"eAPI: {ENDPOINT} did not answer JSON-RPC 2.0")
        error = answer.get("error")
        if error is not None:
            raise TaskFailed(_error_text(error), output=_error_output(error))
        result = answer.get("result")
        if not isinstance(result, list) or len(result) != len(cmds):
            raise DeviceError(f"eAPI: expected {len(cmds)} result(s), got {result!r:.200}")
        return result

    async def text(self, command: str) -> str:
        """One command's text output, as a CLI session would print it."""
        (result,) = await self.run([command], "text")
        text = str(result.get("output", "")) if isinstance(result, dict) else str(result)
        return text.removesuffix("\n")  # eAPI ends text output with a newline; a CLI does not

    async def configure(self, lines: Sequence[str]) -> str:
        """The lines in one configuration session; their outputs joined."""
        results = await self.run(["configure", *lines, "end"], "text")
        outputs = [str(r.get("output", "")) for r in results if isinstance(r, dict)]
        return "\n".join(o.rstrip("\n") for o in outputs if o.strip())


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return f"eAPI error: {error!r:.200}"
    code = error.get("code")
    message = str(error.get("message", "")).strip() or "no message"
    details = [e for item in _data(error) for e in item.get("errors", []) if isinstance(e, str)]
    extra = f" ({'; '.join(details)})" if details else ""
    return f"eAPI error {code}: {message}{extra}"


def _error_output(error: Any) -> str | None:
    outputs = [str(item.get("output", "")) for item in _data(error)]
    text = "\n".join(o for o in outputs if o.strip())
    return text or None


def _data(error: Any) -> list[dict[str, Any]]:
    data = error.get("data") if isinstance(error, dict) else None
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
