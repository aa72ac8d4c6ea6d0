"""Filters network engineers keep writing by hand.

``vlan_range``: ``"10-12,20" | vlan_range`` → ``[10, 11, 12, 20]`` (sorted, unique; also
takes a list of such strings or numbers), the form IOS prints in ``switchport trunk
allowed vlan``. ``interface_short``: ``"GigabitEthernet1/0/1" | interface_short`` →
``"Gi1/0/1"``, as ``show`` commands abbreviate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_SHORT = {
    "gigabitethernet": "Gi",
    "tengigabitethernet": "Te",
    "twentyfivegige": "Twe",
    "fortygigabitethernet": "Fo",
    "hundredgige": "Hu",
    "fastethernet": "Fa",
    "ethernet": "Eth",
    "port-channel": "Po",
    "loopback": "Lo",
    "vlan": "Vl",
    "tunnel": "Tu",
}
_NAME = re.compile(r"^([A-Za-z-]+)\s*(\d.*)$")


def vlan_range(value: Any) -> list[int]:
    parts = value if isinstance(value, list) else [value]
    vlans: set[int] = set()
    for part in parts:
        for piece in str(part).replace(" ", "").split(","):
            if not piece:
                continue
            low, _, high = piece.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise ValueError(f"not a VLAN range: {piece!r}")
            start, end = int(low), int(high or low)
            if not 1 <= start <= end <= 4094:
                raise ValueError(f"VLANs are 1-4094, in order: {piece!r}")
            vlans.update(range(start, end + 1))
    return sorted(vlans)


def interface_short(name: str) -> str:
    match = _NAME.match(name.strip())
    if match is None:
        return name
    kind, number = match.groups()
    return _SHORT.get(kind.lower(), kind) + number


def filters() -> dict[str, Callable[..., Any]]:
    return {"vlan_range": vlan_range, "interface_short": interface_short}
