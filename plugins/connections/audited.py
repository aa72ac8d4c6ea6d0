"""Connection kind ``scrapli_audit``: scrapli, plus an audit trail of what was sent.

Select it per host or group with ``data.connection: scrapli_audit``. Every session open,
command and configuration line goes, redacted like NetRaven's own logs, to
``<state_dir>/audit/<host>.jsonl`` (one JSON object a line, UTC timestamps) — the record
a change board asks for, kept beside the job store and independent of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from netraven.connections.base import Connection, HostParams
from netraven.connections.platforms import SCRAPLI_DRIVERS, SCRAPLI_MANAGED_ARGS
from netraven.secrets import Redactor


class AuditedConnection:
    """Wraps a scrapli session; writes the trail before each call, so a hang still shows."""

    def __init__(self, params: HostParams, directory: Path) -> None:
        # Imported here, not at the top: plugins load with every playbook (validate,
        # --syntax-check), and scrapli with asyncssh costs ~0.1 s of start-up.
        from netraven.connections.scrapli_conn import ScrapliConnection

        self._inner = ScrapliConnection(params)
        self._host = params.name
        self._path = directory / f"{params.name}.jsonl"
        secrets = [s for s in (params.password, params.secret) if s]
        self._redactor = Redactor(secrets)

    def _write(self, event: str, lines: list[str]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "at": datetime.now(UTC).isoformat(),
            "host": self._host,
            "event": event,
            "lines": [self._redactor.text(line) for line in lines],
        }
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    async def open(self) -> None:
        self._write("open", [])
        await self._inner.open()

    async def send_command(self, command: str) -> str:
        self._write("command", [command])
        return await self._inner.send_command(command)

    async def send_config(self, lines: list[str]) -> str:
        self._write("config", lines)
        return await self._inner.send_config(lines)

    async def close(self) -> None:
        self._write("close", [])
        await self._inner.close()


class ScrapliAudit:
    """The ``ConnectionPlugin``: a name, what it speaks, and a factory."""

    name = "scrapli_audit"
    platforms = frozenset(SCRAPLI_DRIVERS)
    managed_args = SCRAPLI_MANAGED_ARGS
    telnet_platforms = frozenset(SCRAPLI_DRIVERS)  # the inner session speaks data.transport

    def __call__(self, params: HostParams) -> Connection:
        from netraven.settings import load_settings

        return AuditedConnection(params, load_settings().state_dir / "audit")


def connections() -> list[ScrapliAudit]:
    return [ScrapliAudit()]
