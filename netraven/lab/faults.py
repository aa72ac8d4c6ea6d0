"""Faults a lab device can be told to have, set at ``lab up`` or live.

Kinds: ``refuse`` (port closed), ``auth`` (rejects login), ``drop-after N`` (closes
the session after N command lines, counting those a driver sends at login), ``hang``
(stops answering half-way through the output of a ``show``), ``slow MS`` (think-time
per command), ``flap K`` (drops the first K connections, then works) and
``reject-config LINE`` (answers ``% Invalid input`` to that configuration line).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("refuse", "auth", "drop-after", "hang", "slow", "flap", "reject-config")
WITH_ARGUMENT = {"drop-after", "slow", "flap", "reject-config"}


class FaultError(ValueError):
    """A fault specification that does not parse."""


@dataclass
class Faults:
    refuse: bool = False
    auth: bool = False
    drop_after: int | None = None
    hang: bool = False
    slow_ms: float = 0.0
    flap: int = 0
    reject_config: list[str] = field(default_factory=list)

    def apply(self, kind: str, argument: str | None) -> None:
        if kind not in KINDS:
            raise FaultError(f"unknown fault '{kind}' (known: {', '.join(KINDS)})")
        if (kind in WITH_ARGUMENT) != (argument is not None):
            raise FaultError(
                f"fault '{kind}' "
                + ("needs an argument" if kind in WITH_ARGUMENT else "takes no argument")
            )
        try:
            if kind == "refuse":
                self.refuse = True
            elif kind == "auth":
                self.auth = True
            elif kind == "hang":
                self.hang = True
            elif kind == "drop-after":
                self.drop_after = int(str(argument))
            elif kind == "slow":
                self.slow_ms = float(str(argument))
            elif kind == "flap":
                self.flap = int(str(argument))
            else:
                self.reject_config.append(str(argument))
        except ValueError:
            raise FaultError(f"fault '{kind}': '{argument}' is not a number") from None


def parse_spec(spec: str) -> tuple[str, str, str | None]:
    """``DEVICE:KIND[:ARG]`` as given to ``lab up --fault``."""
    parts = spec.split(":", 2)
    if len(parts) < 2:
        raise FaultError(f"'{spec}': expected DEVICE:KIND[:ARG]")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def load(path: Path) -> dict[str, Faults]:
    if not path.exists():
        return {}
    raw: dict[str, dict[str, Any]] = json.loads(path.read_text())
    return {device: Faults(**values) for device, values in raw.items()}


def save(path: Path, faults: dict[str, Faults]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({d: asdict(f) for d, f in faults.items() if f != Faults()}))
    tmp.replace(path)


def _digest(state_dir: Path) -> str:
    path = state_dir / "faults.json"
    return hashlib.sha256(path.read_bytes() if path.exists() else b"").hexdigest()


def acknowledge(state_dir: Path) -> None:
    """Written by the lab once the faults in ``faults.json`` are in force."""
    (state_dir / "faults.ack").write_text(_digest(state_dir))


def acknowledged(state_dir: Path) -> bool:
    ack = state_dir / "faults.ack"
    return ack.exists() and ack.read_text() == _digest(state_dir)
