"""How a line typed with CLI abbreviations reads in the device's running config.

IOS-family parsers accept any unique prefix of a keyword (``int Gi0/1``) but show the
running config in full (``interface GigabitEthernet0/1``). Comparing the typed text with
the running text would report a change on every run, so both sides are compared in
this canonical form. Only what is known for sure is expanded: the first keyword of a
line from a short table, and interface names after ``interface``. Anything else is
left as typed (values such as a description must never be touched).

The tables are data, keyed by platform family where the platforms differ (NX-OS
spells ``port-channel`` in lower case, IOS-XR has ``Bundle-Ether``).
"""

from __future__ import annotations

import re

from netraven.platforms import find_profile

# First keywords of a line: canonical keyword -> the shortest prefix the family accepts.
KEYWORDS: dict[str, dict[str, str]] = {
    "ios": {
        "interface": "int",
        "description": "desc",
        "shutdown": "shut",
        "switchport": "sw",
        "spanning-tree": "spann",
    },
    "nxos": {"interface": "int", "description": "desc", "shutdown": "shut", "switchport": "sw"},
    "xr": {"interface": "int", "description": "desc", "shutdown": "shut"},
    "eos": {"interface": "int", "description": "desc", "shutdown": "shut", "switchport": "sw"},
}

# Interface types: canonical name as the running config shows it -> accepted short forms.
# A typed type matches when it is a prefix of the canonical name at least as long as one
# of the short forms that is itself a prefix, or equals a short form that is not (``BE``).
INTERFACE_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "ios": {
        "GigabitEthernet": ("gi",),
        "TenGigabitEthernet": ("te",),
        "TwoGigabitEthernet": ("tw",),
        "TwentyFiveGigE": ("twe",),
        "FiveGigabitEthernet": ("fi",),
        "FortyGigabitEthernet": ("fo",),
        "HundredGigE": ("hu",),
        "FastEthernet": ("fa",),
        "Ethernet": ("et",),
        "Port-channel": ("po",),
        "Loopback": ("lo",),
        "Vlan": ("vl",),
        "Tunnel": ("tu",),
        "Serial": ("se",),
        "AppGigabitEthernet": ("ap",),
    },
    "nxos": {
        "Ethernet": ("e",),
        "port-channel": ("po",),
        "loopback": ("lo",),
        "Vlan": ("vl",),
        "Tunnel": ("tu",),
        "mgmt": ("mgmt",),
        "nve": ("nve",),
    },
    "xr": {
        "GigabitEthernet": ("gi",),
        "TenGigE": ("te",),
        "TwentyFiveGigE": ("twe",),
        "FortyGigE": ("fo",),
        "HundredGigE": ("hu",),
        "Bundle-Ether": ("be", "bu"),
        "Loopback": ("lo",),
        "MgmtEth": ("mg",),
        "BVI": ("bv",),
    },
    "eos": {
        "Ethernet": ("et",),
        "Port-Channel": ("po",),
        "Loopback": ("lo",),
        "Vlan": ("vl",),
        "Management": ("ma",),
        "Tunnel": ("tu",),
        "Vxlan": ("vx",),
    },
}

_NAME_RE = re.compile(r"^([A-Za-z][A-Za-z-]*?)\s*(\d[\w/.:]*)$")


def family(platform: str) -> str | None:
    """The platform's CLI dialect (its profile's ``family``); None: compared as typed."""
    profile = find_profile(platform.removesuffix("_telnet"))
    return profile.family if profile is not None else None


def _unique(word: str, table: dict[str, str]) -> str | None:
    lowered = word.lower()
    hits = [
        full
        for full, short in table.items()
        if full.startswith(lowered) and len(lowered) >= len(short)
    ]
    return hits[0] if len(hits) == 1 else None


def interface_name(name: str, fam: str | None) -> str:
    """``Gi1/0/1`` -> ``GigabitEthernet1/0/1``; an unknown or ambiguous name is kept as typed."""
    match = _NAME_RE.match(name.strip())
    if fam not in INTERFACE_TYPES or match is None:
        return name
    typed, number = match.group(1).lower(), match.group(2)
    hits: list[str] = []
    for full, shorts in INTERFACE_TYPES[fam or ""].items():
        lowered = full.lower()
        prefix_ok = lowered.startswith(typed) and any(
            lowered.startswith(s) and len(typed) >= len(s) for s in shorts
        )
        if prefix_ok or typed in shorts:
            hits.append(full)
    return f"{hits[0]}{number}" if len(hits) == 1 else name


def canonical(line: str, platform: str) -> str:
    """The line as the running config of ``platform`` would show it, whitespace collapsed."""
    words = line.split()
    fam = family(platform)
    if not words or fam not in KEYWORDS:
        return " ".join(words)
    start = 1 if words[0] == "no" and len(words) > 1 else 0
    keyword = _unique(words[start], KEYWORDS[fam or ""])
    if keyword is not None:
        words[start] = keyword
    if words[start] == "interface" and len(words) > start + 1:
        rest = interface_name("".join(words[start + 1 :]), fam)
        if rest != "".join(words[start + 1 :]):
            words[start + 1 :] = [rest]
    return " ".join(words)
