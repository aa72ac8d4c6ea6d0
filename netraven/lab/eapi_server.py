"""Arista-eAPI-style ``runCmds`` for a lab device of any family, over its CLI session.

Each request is its own CLI session, as on EOS. ``format: text`` answers every command
with ``{"output": …}``; ``format: json`` answers ``show version`` and commands without
output, others get error 1003 (``unconverted command``). A failing command ends the
request with JSON-RPC error 1002, ``CLI command N of M 'x' failed: invalid command``,
``data`` holding the results up to and including it, as real eAPI sends.
"""

from __future__ import annotations

import json
from typing import Any

from netraven.lab.family import CliSession, LabDevice

__all__ = ["run_cmds"]

_CONFIGURE = ("conf", "confi", "config", "configu", "configur", "configure")
_FAILED = ("% Invalid input", "% Ambiguous command", "% Incomplete command", "% Access denied")


def run_cmds(device: LabDevice, username: str, body: bytes) -> dict[str, Any]:
    """The JSON-RPC answer to one ``runCmds`` request, run in a new CLI session."""
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
    session = device.session(username)
    results: list[dict[str, Any]] = []
    for index, cmd in enumerate(cmds):
        text, given = (cmd.get("cmd"), cmd.get("input")) if isinstance(cmd, dict) else (cmd, None)
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
            results.append(_show_version(device) if output else {})
    return {"jsonrpc": "2.0", "id": rid, "result": results}


def _run(session: CliSession, text: str, given: str | None) -> tuple[str, str | None]:
    """One eAPI command on the session: its output, and the error if it failed."""
    if text.strip() == "enable":
        session.handle("enable")
        if getattr(session, "awaiting_password", False):
            # Without an input: the lab's user is privilege 15, as eAPI accounts usually are.
            secret = getattr(session.device, "enable_secret", "")
            answer = session.handle(given if given is not None else secret)
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


def _show_version(device: LabDevice) -> dict[str, Any]:
    return {
        "modelName": "WS-C2960X-48FPD-L",
        "version": "15.2(7)E4",
        "serialNumber": getattr(device, "serial", ""),
        "hostname": getattr(device, "hostname", device.name),
    }


def _rpc_error(rid: Any, code: int, message: str, data: list[Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": error}
