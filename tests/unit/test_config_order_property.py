"""Property: the commands compute_change sends do, on an IOS-like device, what its diff shows.

A small interpreter with IOS semantics (a mode stack; ``interface``/``router``/
``address-family``/``line``/``vlan`` enter a sub-mode; ``exit`` leaves one; a line is
applied in the mode the device is in) applies the sent commands to the running config.
Indentation is only used to catch a line that would rely on the parser falling back to
a parent mode: that is reported as a failure, so the commands must be unambiguous.

For many random running configs and intended line lists (several blocks, nested BGP
address families, ``no`` lines at every depth, globals between blocks, abbreviated
interface names), three things must hold:

1. the device state after the sent commands equals the running config patched with
   the diff (what ``--diff`` showed is what happened);
2. it equals the state after pushing the whole intended list naively, line by line
   with explicit exits (sending only the difference changes nothing about the result);
3. a second compute_change against that state sends nothing.
"""

from __future__ import annotations

import random
import re

import pytest

from netraven.engine.config_diff import compute_change

Tree = dict[str, "Tree"]

SUBMODE = re.compile(r"^(interface|router|address-family|line|vlan \d)\b")
# What IOS replaces instead of adding (last value wins); the test's own model.
REPLACES = ("description ", "switchport mode ", "switchport access vlan ", "ip address ")
NAMES = {"gi": "GigabitEthernet", "gigabitethernet": "GigabitEthernet"}


class Ambiguous(AssertionError):
    """A command the device would only apply where intended if its parser fell back."""


def _device_form(line: str) -> str:
    """How IOS stores a typed line: keywords and interface names in full."""
    words = line.split()
    start = 1 if words[0] == "no" else 0
    if words[start] in ("int", "interface"):
        words[start] = "interface"
        match = re.match(r"([A-Za-z]+)(\d.*)", words[start + 1])
        if match and match.group(1).lower() in NAMES:
            words[start + 1] = NAMES[match.group(1).lower()] + match.group(2)
    return " ".join(words)


def parse(text: str) -> Tree:
    root: Tree = {}
    stack: list[tuple[int, Tree]] = [(-1, root)]
    for raw in text.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        while stack[-1][0] >= indent:
            stack.pop()
        node: Tree = {}
        stack[-1][1][raw.strip()] = node
        stack.append((indent, node))
    return root


def render(tree: Tree, depth: int = 0) -> list[str]:
    out: list[str] = []
    for line, children in tree.items():
        out.append(" " * depth + line)
        out += render(children, depth + 1)
    return out


def interpret(running: Tree, commands: list[str], *, strict: bool = True) -> Tree:
    """Apply configuration commands the way an IOS device does, one by one.

    ``strict``: a line indented less than the current mode is an error; otherwise the
    parser falls back to the mode of its indentation, as IOS does for a global command.
    """
    root = _copy(running)
    modes: list[Tree] = []
    last: Tree | None = None
    for raw in commands:
        depth = len(raw) - len(raw.lstrip(" "))
        body = _device_form(raw.strip())
        if body == "exit":
            if not modes:
                raise Ambiguous("'exit' in global configuration mode leaves configuration mode")
            modes.pop()
            last = None
            continue
        if depth == len(modes) + 1 and last is not None:
            modes.append(last)  # a line under one that is not a known sub-mode
        elif depth < len(modes) and not strict:
            del modes[depth:]
        elif depth != len(modes):
            raise Ambiguous(f"{raw!r} sent in a mode {len(modes)} deep")
        here = modes[-1] if modes else root
        if body.startswith("no "):
            target = body[3:]
            for key in [k for k in here if k == target or k.startswith(target + " ")]:
                del here[key]
            last = None
            continue
        if body not in here:
            prefix = next((p for p in REPLACES if body.startswith(p)), None)
            old = [k for k in here if (prefix and k.startswith(prefix)) or k == f"no {body}"]
            items = list(here.items())
            here.clear()
            for key, children in items:
                if key not in old:
                    here[key] = children
                elif key == old[0]:
                    here[body] = {}  # in the place of the line it replaces, as `show run` has it
            here.setdefault(body, {})
        last = here[body]
        if SUBMODE.match(body):
            modes.append(last)
            last = None
    return root


def _copy(tree: Tree) -> Tree:
    return {k: _copy(v) for k, v in tree.items()}


def naive_push(intended: list[str]) -> list[str]:
    """Every intended line, with an exit whenever the indentation goes back up."""
    commands: list[str] = []
    open_modes = 0
    for line in intended:
        depth = len(line) - len(line.lstrip())
        while open_modes > depth:
            open_modes -= 1
            commands.append(" " * open_modes + "exit")
        commands.append(line)
        if SUBMODE.match(_device_form(line.strip())):
            open_modes = depth + 1
    return commands


def patch(lines: list[str], diff: str) -> list[str]:
    """Apply a unified diff to ``lines``, checking every context and removed line."""
    out: list[str] = []
    position = 0
    body = diff.splitlines()[2:]
    for text in body:
        if text.startswith("@@"):
            start = int(re.match(r"@@ -(\d+)", text).group(1))  # type: ignore[union-attr]
            old_start = start - 1 if ",0 " not in text.split("+")[0] else start
            out += lines[position:old_start]
            position = old_start
        elif text.startswith("+"):
            out.append(text[1:])
        else:
            assert lines[position] == text[1:], (lines[position], text)
            position += 1
            if text.startswith(" "):
                out.append(text[1:])
    return out + lines[position:]


def random_running(rng: random.Random) -> Tree:
    tree: Tree = {"hostname sw1": {}}
    for port in range(1, 6):
        if rng.random() < 0.85:
            tree[f"interface GigabitEthernet1/0/{port}"] = {
                line: {} for line in _interface_lines(rng) if rng.random() < 0.6
            }
        if rng.random() < 0.3:
            tree[f"ntp server 192.0.2.{port}"] = {}
    if rng.random() < 0.8:
        bgp: Tree = {f"neighbor 10.0.0.{n} remote-as 65001": {} for n in range(1, 4)}
        for family in ("ipv4", "ipv6"):
            if rng.random() < 0.7:
                bgp[f"address-family {family}"] = {
                    f"neighbor 10.0.0.{n} activate": {} for n in range(1, 4) if rng.random() < 0.6
                }
        tree["router bgp 65000"] = bgp
    tree["logging host 10.0.0.250"] = {}
    tree["line vty 0 4"] = {"transport input ssh": {}}
    return tree


def _interface_lines(rng: random.Random) -> list[str]:
    return [
        f"description port {rng.randint(1, 3)}",
        "switchport mode " + rng.choice(["access", "trunk"]),
        f"switchport access vlan {rng.choice([10, 20])}",
        "spanning-tree portfast",
        "shutdown",
    ]


def _maybe_no(rng: random.Random, line: str, depth: int) -> str:
    negated = "no " + line if rng.random() < 0.4 else line
    return " " * depth + negated


def random_intended(rng: random.Random) -> list[str]:
    lines: list[str] = []
    for _ in range(rng.randint(2, 7)):
        kind = rng.random()
        if kind < 0.45:
            port = rng.randint(1, 6)
            if rng.random() < 0.08:
                lines.append(f"no interface GigabitEthernet1/0/{port}")
                continue
            name = rng.choice(["interface GigabitEthernet", "int Gi", "interface gi"])
            lines.append(f"{name}1/0/{port}")
            for line in rng.sample(_interface_lines(rng), rng.randint(1, 3)):
                lines.append(_maybe_no(rng, line, 1))
        elif kind < 0.75:
            lines.append("router bgp 65000")
            for _ in range(rng.randint(1, 4)):
                n = rng.randint(1, 5)
                if rng.random() < 0.4:
                    lines.append(_maybe_no(rng, f"neighbor 10.0.0.{n} remote-as 65001", 1))
                else:
                    lines.append(f" address-family {rng.choice(['ipv4', 'ipv6'])}")
                    for m in rng.sample(range(1, 6), rng.randint(1, 3)):
                        lines.append(_maybe_no(rng, f"neighbor 10.0.0.{m} activate", 2))
        else:
            line = rng.choice(
                [f"ntp server 192.0.2.{rng.randint(1, 6)}", "logging host 10.0.0.250"]
            )
            lines.append(_maybe_no(rng, line, 0))
    return lines


def paths(tree: Tree, parents: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for line, children in tree.items():
        out.append((*parents, line))
        out += paths(children, (*parents, line))
    return out


@pytest.mark.parametrize("seed", range(400))
def test_sent_commands_do_what_the_diff_shows(seed: int) -> None:
    rng = random.Random(seed)
    running = random_running(rng)
    intended = random_intended(rng)
    running_text = "\n".join(render(running))
    change = compute_change("cisco_ios", running_text, intended)

    after = interpret(running, change.commands)
    shown = parse("\n".join(patch(render(running), change.diff)))
    assert paths(after) == paths(shown), (intended, change.commands, change.diff)
    assert sorted(paths(after)) == sorted(paths(interpret(running, naive_push(intended)))), (
        intended,
        change.commands,
    )
    again = compute_change("cisco_ios", "\n".join(render(after)), intended)
    assert again.commands == [] and again.diff == "", (intended, change.commands)
    assert change.changed == (after != running)


def test_the_interpreter_catches_the_reported_ordering() -> None:
    """The old command order of the issue: the `no` line lands under the wrong interface."""
    running = parse(
        "interface GigabitEthernet1/0/1\n spanning-tree portfast\n"
        "interface GigabitEthernet1/0/2\n spanning-tree portfast\n"
    )
    old = [
        "interface GigabitEthernet1/0/1",
        " description uplink",
        "interface GigabitEthernet1/0/2",
        " description printer",
        " no spanning-tree portfast",
    ]
    after = interpret(running, old, strict=False)
    assert "spanning-tree portfast" in after["interface GigabitEthernet1/0/1"]
    assert "spanning-tree portfast" not in after["interface GigabitEthernet1/0/2"]
    with pytest.raises(Ambiguous):
        interpret(
            running, ["interface GigabitEthernet1/0/1", " description x", "ntp server 1.2.3.4"]
        )
    with pytest.raises(Ambiguous):
        interpret(running, ["interface GigabitEthernet1/0/1", "exit", "exit"])
