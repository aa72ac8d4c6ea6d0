"""RESTCONF data of a lab device: a subset of Cisco's IOS-XE native YANG model.

The model is ``Cisco-IOS-XE-native`` (IOS-XE 17.x), the tree a Catalyst answers under
``/restconf/data/Cisco-IOS-XE-native:native``. The subset the lab maps onto its config:

- ``hostname``                                          ↔ ``hostname X``
- ``Cisco-IOS-XE-ntp:ntp/server/server-list[ip-address]`` ↔ ``ntp server A.B.C.D``
- ``interface/<Type>[name]/description``, ``shutdown`` (YANG ``empty``, JSON ``[null]``)
  for GigabitEthernet, TenGigabitEthernet, FastEthernet, Loopback, Vlan, Port-channel
                                                        ↔ ``interface …`` blocks
- ``vlan/Cisco-IOS-XE-vlan:vlan-list[id]/name``          ↔ ``vlan N`` / `` name X``

The device's CLI config stays the one truth: a read renders this tree from the running
config, a write computes the CLI lines that turn the old tree into the new one and runs
them through a CLI ``Session`` — so a change made here is in ``show running-config`` over
SSH at once, and the lab's command log records it like any other configuration.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from typing import Any

from netraven.lab.device import Device

__all__ = ["NATIVE", "ModelError", "apply", "find_entry", "member_of", "merge", "read", "resolve"]

NATIVE = "Cisco-IOS-XE-native:native"
LEAF, EMPTY = "leaf", "empty"
_NUMBERED = ("Loopback", "Vlan", "Port-channel")
INTERFACE_TYPES = (
    "GigabitEthernet",
    "TenGigabitEthernet",
    "FastEthernet",
    *_NUMBERED,
)
_ENTRY_IF: dict[str, Any] = {"name": LEAF, "description": LEAF, "shutdown": EMPTY}
_SERVER: dict[str, Any] = {"ip-address": LEAF}
_VLAN: dict[str, Any] = {"id": LEAF, "name": LEAF}
# container: dict of members; list: ("list", key, entry members); leaves: LEAF / EMPTY
SCHEMA: dict[str, Any] = {
    NATIVE: {
        "hostname": LEAF,
        "Cisco-IOS-XE-ntp:ntp": {"server": {"server-list": ("list", "ip-address", _SERVER)}},
        "interface": {t: ("list", "name", _ENTRY_IF) for t in INTERFACE_TYPES},
        "vlan": {"Cisco-IOS-XE-vlan:vlan-list": ("list", "id", _VLAN)},
    }
}
_IFACE = re.compile(r"^interface ([A-Za-z-]+?)(\d\S*)$")


class ModelError(Exception):
    """An RFC 8040 error: HTTP status, ``error-tag`` and message."""

    def __init__(self, status: int, tag: str, message: str) -> None:
        super().__init__(message)
        self.status, self.tag, self.message = status, tag, message


def read(device: Device) -> dict[str, Any]:
    """The device's running config as the modelled tree."""
    native: dict[str, Any] = {"hostname": device.hostname}
    servers = [
        {"ip-address": b.line.split()[2]}
        for b in device.running
        if not b.children and b.line.startswith("ntp server ") and len(b.line.split()) >= 3
    ]
    if servers:
        native["Cisco-IOS-XE-ntp:ntp"] = {"server": {"server-list": servers}}
    interfaces: dict[str, list[dict[str, Any]]] = {}
    vlans: list[dict[str, Any]] = []
    for block in device.running:
        match = _IFACE.match(block.line)
        if match and match.group(1) in INTERFACE_TYPES:
            kind, name = match.groups()
            entry: dict[str, Any] = {"name": int(name) if kind in _NUMBERED else name}
            for child in block.children:
                if child.startswith("description "):
                    entry["description"] = child[len("description ") :]
                elif child == "shutdown":
                    entry["shutdown"] = [None]
            interfaces.setdefault(kind, []).append(entry)
        elif re.fullmatch(r"vlan \d+", block.line):
            vlan: dict[str, Any] = {"id": int(block.line.split()[1])}
            for child in block.children:
                if child.startswith("name "):
                    vlan["name"] = child[len("name ") :]
            vlans.append(vlan)
    if interfaces:
        native["interface"] = interfaces
    if vlans:
        native["vlan"] = {"Cisco-IOS-XE-vlan:vlan-list": vlans}
    return {NATIVE: native}


# --- paths -----------------------------------------------------------------------
Step = tuple[str, str | None]  # (segment name, list key or None)


def resolve(
    doc: dict[str, Any], steps: list[Step], create: bool = False
) -> tuple[dict[str, Any], str, str | None, Any, str]:
    """Where a path points: (holder, member, key, schema, qualified name).

    ``holder`` is the object that holds ``member`` (for a list entry, the list's member
    and ``key``). Missing containers on the way are made when ``create``; a missing list
    entry on the way is a 404, as is a name the model does not have.
    """
    if not steps:
        raise ModelError(400, "invalid-value", "the datastore root cannot be addressed here")
    holder: dict[str, Any] = doc
    schema: dict[str, Any] = SCHEMA
    module = ""
    for index, (segment, key) in enumerate(steps):
        member = member_of(schema, segment)
        if member is None:
            raise ModelError(404, "invalid-value", f"uri keypath not found: {segment}")
        if ":" in member:
            module = member.split(":", 1)[0]
        qualified = member if ":" in member else f"{module}:{member}"
        sub = schema[member]
        is_list = isinstance(sub, tuple)
        if key is not None and not is_list:
            raise ModelError(400, "invalid-value", f"{segment} is not a list: no key allowed")
        if index == len(steps) - 1:
            return holder, member, key, sub, qualified
        if is_list:
            if key is None:
                raise ModelError(400, "invalid-value", f"{segment}: a list entry needs its key")
            entry = find_entry(holder.get(member), sub[1], key)
            if entry is None:
                raise ModelError(404, "invalid-value", f"uri keypath not found: {segment}={key}")
            holder, schema = entry, sub[2]
        elif isinstance(sub, dict):
            if member not in holder:
                if not create:
                    raise ModelError(404, "invalid-value", f"uri keypath not found: {segment}")
                holder[member] = {}
            holder, schema = holder[member], sub
        else:
            raise ModelError(404, "invalid-value", f"uri keypath not found: {segment}")
    raise AssertionError("unreachable")


def member_of(schema: dict[str, Any], segment: str) -> str | None:
    if segment in schema:
        return segment
    local = segment.rsplit(":", 1)[-1]
    return next((m for m in schema if m.rsplit(":", 1)[-1] == local), None)


def find_entry(entries: Any, key_name: str, key: Any) -> dict[str, Any] | None:
    if not isinstance(entries, list):
        return None
    return next(
        (e for e in entries if isinstance(e, dict) and str(e.get(key_name)) == str(key)), None
    )


def merge(current: Any, patch: Any, schema: Any) -> Any:
    """RFC 8040 merge: containers member by member, list entries by key, leaves replaced."""
    if isinstance(schema, dict) and isinstance(current, dict) and isinstance(patch, dict):
        out = dict(current)
        for name, value in patch.items():
            member = member_of(schema, name) or name
            sub = schema.get(member)
            out[member] = merge(current[member], value, sub) if member in current else value
        return out
    if isinstance(schema, tuple) and isinstance(current, list) and isinstance(patch, list):
        result = copy.deepcopy(current)
        for entry in patch:
            have = (
                find_entry(result, schema[1], entry.get(schema[1]))
                if isinstance(entry, dict)
                else None
            )
            if have is None:
                result.append(entry)
            else:
                result[result.index(have)] = merge(have, entry, schema[2])
        return result
    return patch


# --- writes ------------------------------------------------------------------------
def check(doc: dict[str, Any]) -> dict[str, Any]:
    """The document validated against the subset and normalised (ints, qualified names)."""
    problems: list[str] = []
    out = _check(doc, SCHEMA, "", problems)
    if problems:
        raise ModelError(400, "invalid-value", "; ".join(problems[:5]))
    assert isinstance(out, dict)
    return out


def _check(value: Any, schema: Any, where: str, problems: list[str]) -> Any:
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            problems.append(f"{where or '/'}: expected an object")
            return {}
        out: dict[str, Any] = {}
        for name, item in value.items():
            member = member_of(schema, name)
            if member is None:
                problems.append(f"{where}/{name}: unknown element")
                continue
            out[member] = _check(item, schema[member], f"{where}/{member}", problems)
        return out
    if isinstance(schema, tuple):
        _, key, entry = schema
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list")
            return []
        entries = [_check(e, entry, where, problems) for e in value]
        for e in entries:
            if key not in e:
                problems.append(f"{where}: an entry lacks its key '{key}'")
        return entries
    if schema == EMPTY:
        if value != [None]:
            problems.append(f"{where}: an empty leaf is [null]")
        return [None]
    return _leaf(value, where, problems)


def _leaf(value: Any, where: str, problems: list[str]) -> Any:
    name = where.rsplit("/", 1)[-1]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        problems.append(f"{where}: expected a string or number")
        return value
    text = str(value)
    if "\n" in text or not text.strip():
        problems.append(f"{where}: invalid value")
    if name == "id":
        if not text.isdigit() or not 1 <= int(text) <= 4094:
            problems.append(f"{where}: VLAN id must be 1 … 4094")
            return value
        return int(text)
    if name == "ip-address":
        try:
            ipaddress.ip_address(text)
        except ValueError:
            problems.append(f"{where}: '{text}' is not an IP address")
    if name == "hostname" and " " in text:
        problems.append(f"{where}: a hostname has no spaces")
    return value


def commands(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The CLI configuration lines that turn the ``old`` tree into the ``new`` one."""
    a, b = old.get(NATIVE, {}), new.get(NATIVE, {})
    lines: list[str] = []
    if b.get("hostname") and b.get("hostname") != a.get("hostname"):
        lines.append(f"hostname {b['hostname']}")
    servers = [_servers(a), _servers(b)]
    lines += [f"no ntp server {s}" for s in servers[0] if s not in servers[1]]
    lines += [f"ntp server {s}" for s in servers[1] if s not in servers[0]]
    old_vlans, new_vlans = _by_key(a, "vlan", "id"), _by_key(b, "vlan", "id")
    lines += [f"no vlan {v}" for v in old_vlans if v not in new_vlans]
    for vid, entry in new_vlans.items():
        lines += _block(f"vlan {vid}", old_vlans.get(vid), entry, {"name": "name"})
    old_ifs, new_ifs = _interfaces(a), _interfaces(b)
    lines += [f"no interface {n}" for n in old_ifs if n not in new_ifs]
    for name, entry in new_ifs.items():
        lines += _block(
            f"interface {name}", old_ifs.get(name), entry, {"description": "description"}
        )
    return lines


def _block(
    head: str, old: dict[str, Any] | None, new: dict[str, Any], leaves: dict[str, str]
) -> list[str]:
    body: list[str] = []
    before = old or {}
    for leaf, word in leaves.items():
        if new.get(leaf) is not None and new.get(leaf) != before.get(leaf):
            body.append(f"{word} {new[leaf]}")
        elif new.get(leaf) is None and before.get(leaf) is not None:
            body.append(f"no {word}")
    if "shutdown" in new and "shutdown" not in before:
        body.append("shutdown")
    elif "shutdown" in before and "shutdown" not in new:
        body.append("no shutdown")
    if old is not None and not body:
        return []
    return [head, *body, "exit"]


def _servers(native: dict[str, Any]) -> list[str]:
    ntp = native.get("Cisco-IOS-XE-ntp:ntp", {})
    return [str(s["ip-address"]) for s in ntp.get("server", {}).get("server-list", [])]


def _by_key(native: dict[str, Any], container: str, key: str) -> dict[str, dict[str, Any]]:
    entries = native.get(container, {}).get("Cisco-IOS-XE-vlan:vlan-list", [])
    return {str(e[key]): e for e in entries}


def _interfaces(native: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{kind}{e['name']}": e
        for kind, entries in native.get("interface", {}).items()
        for e in entries
    }


def apply(device: Device, username: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Validate ``new``, configure the difference through a CLI session; the lines sent."""
    lines = commands(old, check(new))
    if not lines:
        return []
    session = device.session(username)  # a CLI login: enable, configure terminal
    session.handle("enable")
    if getattr(session, "awaiting_password", False):
        session.handle(device.enable_secret)
    session.handle("configure terminal")
    for line in lines:
        output = session.handle(line)
        if "% Invalid input" in output:
            session.handle("end")
            raise ModelError(400, "operation-failed", f"the device rejected '{line}'")
    session.handle("end")
    return lines
