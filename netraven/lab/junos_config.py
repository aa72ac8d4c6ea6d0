"""A Junos-like configuration tree: ``set``/``delete`` paths, curly-brace and ``display set``
rendering, and ``show | compare`` diffs.

Junos knows from its schema which words take a value; the lab knows a vocabulary of the
common ones (``LEAVES`` replace their value, ``KEYED`` name an entry that can hold more
statements), which is enough for ``display set`` to round-trip every ``set`` line exactly,
as hier-config's Junos support needs. Top-level statements outside ``TOP_LEVEL`` are a
``syntax error.``, as on a real device; below the top level any word is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["ConfigSyntaxError", "Node", "diff", "display_set", "parse_path", "render", "tokens"]


def _words(text: str) -> list[str]:
    return text.split()


# Top-level statements in the order Junos prints them.
TOP_LEVEL = (
    "version",
    "groups",
    "apply-groups",
    "system",
    "chassis",
    "services",
    "security",
    "interfaces",
    "snmp",
    "forwarding-options",
    "event-options",
    "routing-options",
    "protocols",
    "policy-options",
    "class-of-service",
    "firewall",
    "access",
    "applications",
    "routing-instances",
    "switch-options",
    "bridge-domains",
    "vlans",
    "poe",
)
# Where Junos prints statements among their siblings (below the top level), for the
# statements the lab seeds and the ones most often set: its schema fixes this order.
ORDER = (
    "host-name",
    "root-authentication",
    "login",
    "domain-name",
    "time-zone",
    "location",
    "services",
    "syslog",
    "ntp",
    "uid",
    "class",
    "authentication",
    "description",
    "vlan-tagging",
    "encapsulation",
    "mtu",
    "speed",
    "unit",
    "family",
    "address",
    "router-id",
    "autonomous-system",
    "static",
    "ospf",
    "bgp",
    "lldp",
)
# Statements that hold exactly one value: setting one again replaces the value.
LEAVES = frozenset(
    _words(
        """
        version host-name domain-name time-zone description mtu speed vlan-id router-id
        autonomous-system peer-as local-as type class uid encrypted-password plain-text-password
        next-hop local-address encapsulation full-name location contact interface-mode metric
        preference authentication-key authorization any kernel daemon interactive-commands
        change-log pfe conflict-log root-login port hold-time import export cluster vlan-name
        remove-private max-configurations-on-flash
        """
    )
)
# Statements that name an entry (``unit 0``, ``address 10.0.0.1/24``), which may hold more.
KEYED = frozenset(
    _words(
        """
        unit family address server neighbor group user route term interface area
        policy-statement filter host file community name-server prefix-list instance rib peer
        client trap-group from then source-address destination-address vlan
        """
    )
)
# Labels whose value is a secret: Junos marks the line ``## SECRET-DATA``.
SECRET_WORDS = ("encrypted-password ", "authentication-key ", "secret ")
# A value Junos prints without quotes; anything else (spaces, ``$`` of a hash …) is quoted.
SIMPLE_VALUE = re.compile(r"^[\w.:/@+,=-]+$")


class ConfigSyntaxError(ValueError):
    """A configuration path Junos would refuse; ``token`` is the index of the bad word."""

    def __init__(self, token: int, message: str = "syntax error.") -> None:
        super().__init__(message)
        self.token = token
        self.message = message


@dataclass
class Node:
    """One statement: its children by label, in the order Junos prints them."""

    children: dict[str, Node] = field(default_factory=dict)

    def copy(self) -> Node:
        return Node({label: child.copy() for label, child in self.children.items()})

    def find(self, path: list[str]) -> Node | None:
        node: Node | None = self
        for label in path:
            node = node.children.get(label) if node is not None else None
        return node

    def set(self, path: list[str]) -> None:
        """Create ``path``; a leaf statement replaces its previous value in place."""
        node = self
        for depth, label in enumerate(path):
            if label not in node.children:
                keyword = label.split(" ", 1)[0]
                if keyword in LEAVES and " " in label:
                    old = next((k for k in node.children if k.split(" ", 1)[0] == keyword), None)
                    if old is not None:
                        node.children = {
                            (label if k == old else k): v for k, v in node.children.items()
                        }
                        node = node.children[label]
                        continue
                node.children = _insert(node.children, label, depth == 0)
            node = node.children[label]

    def delete(self, path: list[str], bare_keyword: bool) -> bool:
        """Remove ``path`` (with ``bare_keyword``, its last word names a statement whatever
        its value: ``delete system host-name``); prune parents it leaves empty."""
        if not path:
            had = bool(self.children)
            self.children.clear()
            return had
        parents: list[Node] = [self]
        for label in path[:-1]:
            child = parents[-1].children.get(label)
            if child is None:
                return False
            parents.append(child)
        last = path[-1]
        children = parents[-1].children
        if bare_keyword:
            doomed = [k for k in children if k == last or k.startswith(last + " ")]
        else:
            doomed = [last] if last in children else []
        if not doomed:
            return False
        for label in doomed:
            del children[label]
        for depth in range(len(path) - 1, 0, -1):
            if parents[depth].children:
                break
            del parents[depth - 1].children[path[depth - 1]]
        return True


def _rank(label: str, top: bool) -> int | None:
    keyword = label.split(" ", 1)[0]
    order = TOP_LEVEL if top else ORDER
    return order.index(keyword) if keyword in order else None


def _insert(children: dict[str, Node], label: str, top: bool) -> dict[str, Node]:
    """``children`` with a new statement where Junos would print it.

    After the entries with the same keyword (``server``s stay together, in the order
    given); a keyword of known rank before the first sibling that ranks after it; any
    other at the end. So deleting a statement and setting it again puts it back where it
    was, as on a device whose schema fixes the order.
    """
    keyword = label.split(" ", 1)[0]
    labels = list(children)
    same = [i for i, k in enumerate(labels) if k.split(" ", 1)[0] == keyword]
    rank = _rank(label, top)
    if same:
        index = same[-1] + 1
    elif rank is None:
        index = len(labels)
    else:
        index = next(
            (i for i, k in enumerate(labels) if (r := _rank(k, top)) is None or r > rank),
            len(labels),
        )
    labels.insert(index, label)
    return {k: children[k] if k in children else Node() for k in labels}


def tokens(text: str) -> list[str]:
    """Words of a command line; a double-quoted string is one word (quotes kept)."""
    return re.findall(r'"[^"]*"?|\S+', text)


def _value(word: str) -> str:
    """A value as Junos shows it: quoted only when it needs to be."""
    inner = word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word
    return inner if SIMPLE_VALUE.match(inner) else f'"{inner}"'


def parse_path(words: list[str], at_top: bool, offset: int = 0) -> tuple[list[list[str]], bool]:
    """``set``/``delete``/``edit`` words → the label paths they name, relative to the context.

    One command can set several leaves of one statement (``set system login user a uid
    2000 class super-user``): each is its own path. The flag says the last word is a
    keyword that wanted a value and got none (``delete system host-name``).
    ``offset`` is the position of ``words[0]`` in the line, for the error marker.
    """
    if not words:
        raise ConfigSyntaxError(offset, "missing argument.")
    paths: list[list[str]] = []
    current: list[str] = []
    index = 0
    bare = False
    while index < len(words):
        word = words[index]
        if at_top and not current and word not in TOP_LEVEL:
            raise ConfigSyntaxError(offset + index)
        if word.startswith('"'):
            raise ConfigSyntaxError(offset + index)
        if word in LEAVES or word in KEYED:
            if index + 1 == len(words):
                current.append(word)
                bare = True
                break
            label = f"{word} {_value(words[index + 1])}"
            index += 2
            if word in LEAVES and index < len(words):
                paths.append([*current, label])  # more statements of the same parent follow
                continue
            current.append(label)
            continue
        current.append(word)
        index += 1
    paths.append(current)
    return paths, bare


def _is_secret(label: str) -> bool:
    return label.startswith(SECRET_WORDS)


def render(node: Node, depth: int = 0) -> list[str]:
    """Curly-brace lines, four spaces per level, as ``show configuration`` prints them."""
    lines: list[str] = []
    pad = "    " * depth
    for label, child in node.children.items():
        if child.children:
            lines.append(f"{pad}{label} {{")
            lines += render(child, depth + 1)
            lines.append(f"{pad}}}")
        else:
            lines.append(f"{pad}{label};" + (" ## SECRET-DATA" if _is_secret(label) else ""))
    return lines


def display_set(node: Node, prefix: tuple[str, ...] = ()) -> list[str]:
    """``| display set``: one ``set`` line per leaf statement, in display order."""
    lines: list[str] = []
    for label, child in node.children.items():
        path = (*prefix, label)
        if child.children:
            lines += display_set(child, path)
        else:
            lines.append("set " + " ".join(path))
    return lines


def diff(old: Node, new: Node, path: tuple[str, ...] = ()) -> list[str]:
    """``show | compare``: what ``new`` changes against ``old``, per ``[edit …]`` level.

    Removed statements first (``-``), then added ones (``+``), each a whole subtree, then
    the statements both have, recursively under their own ``[edit …]`` header.
    """
    lines: list[str] = []
    here: list[str] = []
    for label, child in old.children.items():
        if label not in new.children:
            here += _marked("-", label, child)
    for label, child in new.children.items():
        if label not in old.children:
            here += _marked("+", label, child)
    if here:
        lines.append("[edit" + "".join(" " + p for p in path) + "]")
        lines += here
    for label, child in new.children.items():
        if label in old.children:
            lines += diff(old.children[label], child, (*path, label))
    return lines


def _marked(mark: str, label: str, node: Node) -> list[str]:
    body = render(Node({label: node}), 1)
    return [mark + line[1:] for line in body]
