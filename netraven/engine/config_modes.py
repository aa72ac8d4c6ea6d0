"""ios_config's ``parents``, ``before``/``after``, ``match`` and ``replace`` on top of the diff.

``match: line, replace: line`` without ``before``/``after`` is exactly
``config_diff.compute_change``. Every other combination decides *whether* the section
differs and *which* commands to send here, then replays those commands on a copy of the
running tree with the device's own rules (a present line is a no-op, ``no X`` removes,
a replacing line such as ``description`` takes its sibling's place, anything else is
appended) — so the diff is what the commands do, and what is sent is what it showed.

Where ios_config is not idempotent NetRaven converges instead (docs/ansible-differences.md):

- ``strict``: the task's lines must appear in the section in the order written. When
  they do not, the lines from the first one out of order on are removed (if present)
  and sent again, so they land at the end in order — on devices that keep lines in the
  order entered (ACLs, prefix lists), the next run finds them in order.
- ``exact``: as ``strict``, and the section's other lines are removed with ``no …``;
  ios_config re-sends the whole set and leaves them, so it never settles.
- ``none``: everything is sent on every run and the task reports ``changed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netraven.engine.cli_abbrev import canonical, family
from netraven.engine.config_diff import (
    INDENT,
    Command,
    ConfigChange,
    Line,
    Node,
    Planner,
    build_tree,
    clean_running,
    compute_change,
    find_path,
    negate,
    negation_target,
    opens_block,
    parse,
    removes,
    render,
    same_content_key,
    slot,
    unified_diff,
    walk,
)

__all__ = ["ConfigRequest", "apply_commands", "plan_config", "under_parents"]


@dataclass(frozen=True)
class ConfigRequest:
    """A config task's rendered lines and ios_config options."""

    lines: list[str]
    parents: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    match: str = "line"
    replace: str = "line"


def under_parents(parents: list[str], lines: list[str]) -> list[str]:
    """The lines indented below their parent path, keeping their own relative indentation."""
    split = [part for item in lines for part in item.replace("\r", "").split("\n")]
    out = [INDENT * depth + parent.strip() for depth, parent in enumerate(parents)]
    return out + [INDENT * len(parents) + line for line in split if line.strip()]


def plan_config(platform: str, running_text: str, request: ConfigRequest) -> ConfigChange:
    """The commands a config task sends (none when nothing differs) and the diff they make."""
    intended = under_parents(request.parents, request.lines)
    plain = request.match == "line" and request.replace == "line"
    if plain and not request.before and not request.after:
        return compute_change(platform, running_text, intended)
    running = build_tree(clean_running(running_text, platform), platform)
    lines = parse(intended, platform)
    core, warnings = _core(platform, running, lines, request)
    if not core and request.match != "none":
        return ConfigChange([], "", warnings)
    ops = [*_globals(platform, request.before), *core, *_globals(platform, request.after)]
    state = replay(platform, running.copy(), ops)
    return ConfigChange(walk(ops), unified_diff(running, state), warnings)


def apply_commands(platform: str, running_text: str, commands: list[str]) -> str:
    """The running config as it would read after ``commands`` (what ``--check`` compares)."""
    running = build_tree(clean_running(running_text, platform), platform)
    ops = [Command(line.parents, line.text) for line in parse(commands, platform)]
    state = replay(platform, running, ops)
    return "\n".join(line for line, _ in render(state))


def _globals(platform: str, lines: list[str]) -> list[Command]:
    return [
        Command((), text, opens_block(platform, text, False))
        for text in (canonical(line.strip(), platform) for line in lines)
        if text
    ]


def _all(platform: str, lines: list[Line]) -> list[Command]:
    """Every line, present or not: what ``match: none`` and ``replace: block`` send."""
    parents = {line.parents for line in lines}
    return [
        Command(
            line.parents,
            line.text,
            (*line.parents, line.text) in parents
            or opens_block(platform, line.text, bool(line.parents)),
        )
        for line in lines
    ]


def _core(
    platform: str, running: Node, lines: list[Line], request: ConfigRequest
) -> tuple[list[Command], tuple[str, ...]]:
    if request.match == "none":
        return _all(platform, lines), ()
    if request.match == "line":
        planner = Planner(platform, running.copy())
        for line in lines:
            planner.apply(line)
        warnings = tuple(planner.warnings)
        if same_content_key(planner.state) == same_content_key(running):
            return [], warnings
        if request.replace == "block":
            return _all(platform, lines), warnings
        ops = [Command(op.parents, op.text, planner.is_block(op)) for op in planner.ops]
        return ops, warnings
    return _section(platform, running, lines, request), ()


def _section(
    platform: str, running: Node, lines: list[Line], request: ConfigRequest
) -> list[Command]:
    """``strict``/``exact``: the commands that leave the parent section as the lines say."""
    keys = tuple(canonical(p.strip(), platform) for p in request.parents)
    own = [line.text for line in lines if line.parents == keys]
    path = find_path(running, keys)
    if path is None:  # a new section: the walk enters its parents
        return [Command(keys, text) for text in own]
    section = path[-1]
    wanted = list(dict.fromkeys(t for t in own if negation_target(t, platform) is None))
    doomed: list[str] = []
    if request.match == "exact":
        doomed = [c.key for c in section.children if c.key not in wanted]
    kept = [c.key for c in section.children if c.key not in doomed]
    at = {key: i for i, key in enumerate(kept)}
    in_order, last = 0, -1
    while in_order < len(wanted) and at.get(wanted[in_order], -1) > last:
        last = at[wanted[in_order]]
        in_order += 1
    moved = wanted[in_order:]
    doomed += [key for key in moved if key in at]
    # A moved line that replaces a sibling (a new description) would take that sibling's
    # place instead of landing at the end: remove the sibling first.
    fam = family(platform)
    shares = {slot(key, fam) for key in moved} - {None}
    doomed += [key for key in kept if key not in doomed and slot(key, fam) in shares]
    negations = [
        t
        for t in own
        if (target := negation_target(t, platform)) is not None
        and any(removes(target, c) and c.key not in doomed for c in section.children)
    ]
    if not doomed and not moved and not negations:
        return []
    sent = wanted if request.replace == "block" else moved
    return [
        *(Command(keys, negate(key, platform)) for key in doomed),
        *(Command(keys, text) for text in negations),
        *(Command(keys, text) for text in sent),
    ]


def replay(platform: str, state: Node, ops: list[Command]) -> Node:
    """``state`` after the device ran ``ops``, by the rules the lab and IOS share."""
    fam = family(platform)
    for op in ops:
        parent = state
        for key in op.parents:
            found = parent.child(key)
            if found is None:
                found = Node(key, key)
                parent.add(found)
            parent = found
        target = negation_target(op.text, platform)
        if target is not None:
            parent.remove([c for c in parent.children if removes(target, c)])
            continue
        if parent.child(op.text) is not None:
            continue
        shared = slot(op.text, fam)
        old = next(
            (i for i, c in enumerate(parent.children) if shared and slot(c.key, fam) == shared),
            None,
        )
        node = Node(op.text, op.text)
        if old is not None:
            parent.remove([parent.children[old]])
        parent.add(node, old)
    return state
