"""Which configuration lines to send so a device ends up with the intended lines.

The intended lines are replayed, in the order written, against a tree of the running
config. A line already present is skipped; a ``no …`` line is kept only when what it
removes is present, at any depth, so a task that removes something is idempotent too;
a line IOS replaces rather than adds (``description``) replaces its sibling. Every
kept line remembers its parents, and the command list is emitted with an explicit mode
walk: ``exit`` out of a block before a line of a shallower block, then the parent
lines of the next line's block re-entered. So a line never depends on the device
parser falling back to another mode, and it can never land under the wrong block.

The diff is running vs the tree those same commands produce, so what ``--diff`` shows
is exactly what is sent. Both sides are compared in canonical form
(``cli_abbrev.canonical``) so that ``int Gi0/1`` is not a change when the device shows
``interface GigabitEthernet0/1``.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from netraven.engine.cli_abbrev import canonical, family
from netraven.platforms import PLATFORMS, find_profile

# Lines that change on every read, per platform (its profile's ``volatile``); a config of
# unknown origin is cleaned of every supported platform's (they cannot be configuration).
VOLATILE = re.compile(
    "|".join(f"(?:{p})" for profile in PLATFORMS.profiles() for p in profile.volatile)
)
# Mode navigation, not configuration: the tree's indentation already says where a line goes.
NAVIGATION = re.compile(r"^(exit|exit-[\w-]+|end)$")
BANNER = re.compile(r"^banner \S+ (\^C|\S)")

# Lines the device replaces instead of adding a second copy ("last value wins"), per
# platform family: a regex whose match (group 0) is the slot two such lines share.
REPLACING: dict[str, tuple[str, ...]] = {
    "ios": (
        r"^description ",
        r"^ip address (?!.*\bsecondary\b)",
        r"^switchport mode ",
        r"^switchport access vlan ",
        r"^switchport trunk native vlan ",
        r"^speed ",
        r"^duplex ",
        r"^mtu ",
        r"^hostname ",
        r"^name ",
        r"^router-id ",
        r"^ip domain[ -]name ",
    ),
}
REPLACING["nxos"] = REPLACING["eos"] = REPLACING["xr"] = REPLACING["ios"]
# Junos: a single-valued leaf set again replaces its value (the slot is the whole path).
REPLACING["junos"] = (
    r"^set (?:\S+ )*?(?:description|host-name|domain-name|time-zone|mtu|vlan-id|speed|"
    r"native-vlan-id|router-id) ",
)

# Lines that open a configuration sub-mode even when they have no children: the first
# pattern at the top level, the second under a parent. A line with children opens one
# anyway; getting this wrong only costs an `exit` the parser would have made implicit.
BLOCKS: dict[str, tuple[str, str]] = {
    "ios": (
        r"^(interface|router|line|vlan \d|ip(v6)? access-list|route-map|class-map|policy-map|"
        r"ip vrf (?!forwarding)|vrf definition|key chain)\b",
        r"^(address-family|class|template peer-(policy|session))\b",
    ),
    "nxos": (
        r"^(interface|router|line|vlan \d|ip(v6)? access-list|route-map|class-map|policy-map|"
        r"vrf context|key chain)\b",
        r"^(address-family|class|vrf \S+$|neighbor \S+$|template)\b",
    ),
    "eos": (
        r"^(interface|router|line|vlan \d|ip(v6)? access-list|route-map|class-map|policy-map|"
        r"vrf instance|management)\b",
        r"^(address-family|class|vrf \S+$)\b",
    ),
    "xr": (
        r"^(interface|router|line|vrf|route-policy|class-map|policy-map|ipv[46] access-list)\b",
        r"^(address-family|class|vrf \S+$|neighbor \S+$)\b",
    ),
}
INDENT = " "


def clean_running(text: str, platform: str | None = None) -> str:
    """The running config without the volatile lines that change on every read."""
    profile = find_profile(platform) if platform else None
    volatile = profile.volatile_regex if profile is not None else VOLATILE
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    return "\n".join(line for line in lines if line and not volatile.match(line))


def negation_target(text: str, platform: str) -> str | None:
    """What a removing line removes, as the config shows it: ``no X`` → ``X``, Junos
    ``delete X`` → ``set X``; None for a line that adds."""
    profile = find_profile(platform)
    negation, declaration = (profile.negation, profile.declaration) if profile else ("no ", "")
    if not text.startswith(negation):
        return None
    return declaration + text[len(negation) :].strip()


def negate(key: str, platform: str) -> str:
    """The line that removes ``key`` (a line as the config shows it)."""
    profile = find_profile(platform)
    if profile is None:
        return f"no {key}"
    return profile.negation + key.removeprefix(profile.declaration)


@dataclass(frozen=True)
class ConfigChange:
    """``commands`` go to ``send_config`` as they are; ``diff`` is what they do."""

    commands: list[str]
    diff: str
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.commands)


class Node:
    """One configuration line and the lines under it, found by canonical key in O(1)."""

    def __init__(self, text: str, key: str, order: int = 0) -> None:
        self.text = text  # as shown and sent
        self.key = key  # canonical form, what comparisons use
        self.order = order  # where the device keeps it among its siblings
        self.children: list[Node] = []
        self._index: dict[str, Node] = {}

    def child(self, key: str) -> Node | None:
        return self._index.get(key)

    def add(self, node: Node, at: int | None = None) -> None:
        self.children.insert(len(self.children) if at is None else at, node)
        self._index[node.key] = node

    def remove(self, doomed: list[Node]) -> None:
        gone = {id(n) for n in doomed}
        self.children = [c for c in self.children if id(c) not in gone]
        self._index = {c.key: c for c in self.children}

    def copy(self) -> Node:
        twin = Node(self.text, self.key, self.order)
        for child in self.children:
            twin.add(child.copy())
        return twin


@dataclass(frozen=True)
class Line:
    """One intended line: its canonical parents (outermost first) and its own text."""

    parents: tuple[str, ...]
    text: str


def _logical_lines(text_lines: list[str]) -> Iterator[tuple[int, str]]:
    """(indent, text) per configuration line; a banner's body is kept with its first line."""
    lines = [line.replace("\t", "    ").rstrip() for line in text_lines]
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        body = raw.strip()
        if not body or body.startswith("!") or NAVIGATION.match(body):
            continue
        indent = len(raw) - len(raw.lstrip())
        banner = BANNER.match(body)
        if banner and body.count(banner.group(1)) < 2:
            parts = [body]
            while i < len(lines):
                parts.append(lines[i])
                i += 1
                if banner.group(1) in parts[-1]:
                    break
            body = "\n".join(parts)
        yield indent, body


def parse(text_lines: list[str], platform: str) -> list[Line]:
    """The lines in order, each with its parents by indentation (IOS style)."""
    stack: list[tuple[int, str]] = []
    out: list[Line] = []
    for indent, body in _logical_lines(text_lines):
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = canonical(body, platform) if "\n" not in body else body
        out.append(Line(tuple(k for _, k in stack), key))
        stack.append((indent, key))
    return out


def build_tree(text: str, platform: str) -> Node:
    root = Node("", "")
    texts: dict[tuple[str, ...], Node] = {(): root}
    lines = zip(parse(text.split("\n"), platform), _raw_texts(text), strict=True)
    for order, (line, raw) in enumerate(lines):
        parent = texts.get(line.parents, root)
        node = parent.child(line.text)
        if node is None:
            node = Node(raw, line.text, order)
            parent.add(node)
        texts[(*line.parents, line.text)] = node
    return root


def _raw_texts(text: str) -> list[str]:
    return [body for _, body in _logical_lines(text.split("\n"))]


def find_path(root: Node, keys: tuple[str, ...]) -> list[Node] | None:
    """The nodes along ``keys``, or None if one of them is absent."""
    path: list[Node] = []
    node = root
    for key in keys:
        found = node.child(key)
        if found is None:
            return None
        path.append(found)
        node = found
    return path


def slot(text: str, fam: str | None) -> str | None:
    for pattern in REPLACING.get(fam or "", ()):
        match = re.match(pattern, text)
        if match:
            return match.group(0)
    return None


def removes(target: str, node: Node) -> bool:
    return node.key == target or node.key.startswith(target + " ")


def _looks_abbreviated(typed: str, present: str) -> bool:
    """Each word a prefix of the present line's, and the shortened words are keywords."""
    a, b = typed.lower().split(), present.lower().split()
    if a == b or len(a) != len(b):
        return False
    pairs = list(zip(a, b, strict=True))
    return all(y.startswith(x) for x, y in pairs) and all(
        re.fullmatch(r"[a-z][a-z-]*", x) for x, y in pairs if x != y
    )


@dataclass(eq=False)  # ops are told apart by identity: two may read the same
class _Op:
    path: list[Node]  # the parents, outermost first
    text: str
    node: Node | None  # the line a positive op created; None for a `no` op

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(n.text for n in self.path)


@dataclass
class Planner:
    """Replays intended lines on a copy of the running tree, keeping those that change it."""

    platform: str
    state: Node
    ops: list[_Op] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Lines this task created without displacing anything already configured: a later
    # `no` or replacement of only such lines cancels them instead of sending both.
    _clean: set[int] = field(default_factory=set)
    # A configured line a `no` op removed alone: (parent id, key) -> (op, line).
    _removed: dict[tuple[int, str], tuple[_Op, Node]] = field(default_factory=dict)
    _appended: Iterator[int] = field(default_factory=lambda: itertools.count(1 << 40))

    def apply(self, line: Line) -> None:
        path = find_path(self.state, line.parents)
        if path is None:
            # Only a `no` parent is ever absent here: lines under it configure nothing.
            negated = next((p for p in line.parents if p.startswith("no ")), line.parents[-1])
            self.warnings.append(f"'{line.text}' ignored: it is under '{negated}'")
            return
        parent = path[-1] if path else self.state
        target = negation_target(line.text, self.platform)
        if target is not None:
            self._negate(parent, path, line.text, target)
        else:
            self._add(parent, path, line.text)

    def _cancel(self, nodes: list[Node]) -> bool:
        """Drop the ops that created ``nodes`` (and lines under them), if this task made them."""
        if not all(id(n) in self._clean for n in nodes):
            return False
        gone = {id(n) for n in nodes}
        self.ops = [
            op
            for op in self.ops
            if not (op.node is not None and id(op.node) in gone)
            and not any(id(n) in gone for n in op.path)
        ]
        return True

    def _negate(self, parent: Node, path: list[Node], text: str, target: str) -> None:
        doomed = [c for c in parent.children if removes(target, c)]
        if not doomed:
            return  # nothing to remove, or the `no` form itself is already configured
        parent.remove(doomed)
        if self._cancel(doomed):
            return
        op = _Op(path, text, None)
        self.ops.append(op)
        if len(doomed) == 1 and not doomed[0].children:
            self._removed[(id(parent), doomed[0].key)] = (op, doomed[0])

    def _add(self, parent: Node, path: list[Node], text: str) -> None:
        if parent.child(text) is not None:
            return
        removed = self._removed.pop((id(parent), text), None)
        if removed is not None and removed[0] in self.ops:
            # `no X` … `X` of a line that was there: it stays where it was, nothing is sent.
            op, node = removed
            self.ops.remove(op)
            later = (i for i, c in enumerate(parent.children) if c.order > node.order)
            parent.add(node, next(later, None))
            return
        fam = family(self.platform)
        shared = slot(text, fam)
        replaced = [c for c in parent.children if shared is not None and slot(c.key, fam) == shared]
        for other in parent.children:
            if _looks_abbreviated(text, other.key):
                self.warnings.append(
                    f"'{text}' looks like an abbreviation of '{other.text}', which is present; "
                    "it is sent, write it in full to make the task idempotent"
                )
        negated = parent.child(f"no {text}")
        gone = [*replaced, *([negated] if negated is not None else [])]
        index = next((i for i, c in enumerate(parent.children) if c in gone), None)
        order = parent.children[index].order if index is not None else 0
        parent.remove(gone)
        clean = self._cancel(gone)
        if clean:
            # Nothing it displaces was ever sent: to the device this is a new line, added last.
            index, order = None, next(self._appended)
        node = Node(text, text, order)
        if clean:
            self._clean.add(id(node))
        parent.add(node, index)
        self.ops.append(_Op(path, text, node))

    def is_block(self, op: _Op) -> bool:
        if op.node is None:
            return False
        return bool(op.node.children) or opens_block(self.platform, op.text, bool(op.path))


def opens_block(platform: str, text: str, nested: bool) -> bool:
    """Whether ``text`` enters a configuration sub-mode even without children."""
    patterns = BLOCKS.get(family(platform) or "")
    if patterns is None:
        return False
    return re.match(patterns[1 if nested else 0], text) is not None


@dataclass(frozen=True)
class Command:
    """One line to send, under its parents; ``block``: it enters a sub-mode of its own."""

    parents: tuple[str, ...]
    text: str
    block: bool = False


def _emit(planner: Planner) -> list[str]:
    return walk(Command(op.parents, op.text, planner.is_block(op)) for op in planner.ops)


def walk(ops: Iterable[Command]) -> list[str]:
    """The mode walk: exit to the common parent, re-enter the line's parents, send it."""
    commands: list[str] = []
    mode: tuple[str, ...] = ()
    for op in ops:
        parents = op.parents
        common = 0
        while common < min(len(mode), len(parents)) and mode[common] == parents[common]:
            common += 1
        for depth in range(len(mode) - 1, common - 1, -1):
            commands.append(INDENT * depth + "exit")
        for depth in range(common, len(parents)):
            commands.append(INDENT * depth + parents[depth])
        commands.extend(INDENT * len(parents) + part for part in op.text.split("\n"))
        mode = (*parents, op.text) if op.block else parents
    return commands


def render(node: Node, depth: int = 0) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(line, its parents' texts) for every line below ``node``, depth-first."""
    for child in node.children:
        for part in child.text.split("\n"):
            yield INDENT * depth + part, ()
        for line, parents in render(child, depth + 1):
            yield line, (child.text, *parents)


def unified_diff(
    before: Node,
    after: Node,
    context: int = 3,
    labels: tuple[str, str] = ("running", "intended"),
) -> str:
    """A unified diff; each hunk header names the block of its first change, as git does."""
    old, new = list(render(before)), list(render(after))
    a, b = [line for line, _ in old], [line for line, _ in new]
    out: list[str] = []
    for group in difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(context):
        tag, i1, _, j1, _ = next(op for op in group if op[0] != "equal")
        where = old[i1][1] if tag in ("delete", "replace") else new[j1][1]
        header = f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@"
        out.append(header + (" " + " > ".join(where) if where else ""))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            out.extend("-" + line for line in a[i1:i2])
            out.extend("+" + line for line in b[j1:j2])
    if not out:
        return ""
    return "\n".join([f"--- {labels[0]}", f"+++ {labels[1]}", *out])


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def same_content_key(node: Node) -> tuple[tuple[str, object], ...]:
    """What a tree configures, sibling order aside: equal keys mean nothing to send."""
    return tuple(sorted((c.key, same_content_key(c)) for c in node.children))


def compute_change(platform: str, running_text: str, intended_lines: list[str]) -> ConfigChange:
    """The commands that turn ``running_text`` into it plus ``intended_lines``, and the diff."""
    running = build_tree(clean_running(running_text, platform), platform)
    planner = Planner(platform, running.copy())
    # A rendered template loop may put several lines in one item.
    split = [part for item in intended_lines for part in item.replace("\r", "").split("\n")]
    for line in parse(split, platform):
        planner.apply(line)
    if same_content_key(planner.state) == same_content_key(running):
        # Lines that undo each other (`no interface X`, then X as it was): nothing to do.
        # Sibling order is the device's business (show run sorts), not a change.
        return ConfigChange([], "", tuple(planner.warnings))
    commands = _emit(planner)
    diff = unified_diff(running, planner.state)
    return ConfigChange(commands, diff, tuple(planner.warnings))
