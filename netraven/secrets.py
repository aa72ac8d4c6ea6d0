"""Redaction of secrets before anything leaves the runner.

Two sources of secrets: values we know (inventory passwords, enable secrets, extra
vars whose names look secret) and config lines that look secret on any platform we
speak (IOS/NX-OS/EOS ``enable secret``, ``username … secret``, SNMP communities and
users, keys; Junos ``encrypted-password`` and ``secret "…"``).  Known values are
removed first so that a secret is hidden even where no pattern would recognise it.

A secret line is not always at the start of a line: unified diffs prefix it with
``+``/``-``, error messages quote the command (``'username x secret y' was
rejected``) and unnamed tasks are titled ``command: …``.  Each pattern therefore
starts at a line start or just after a quote, with an optional diff marker or
``command:`` before it, and everything from the secret to the end of the line goes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "********"

SECRET_KEY_RE = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|communit(y|ies)|api[_-]?key)", re.I
)

# Where a secret line may begin, and what may come before it (kept, in group 1).
_START = r"(?:^|(?<=['\"`]))"
_LEAD = r"(?:[+-]|command:\s*)?\s*"

# Each body closes group 1 (the context kept) and then matches the secret: the rest of
# the line, or one word where more context follows (``snmp-server community X RO``).
_LINE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(_START + "(" + _LEAD + body, re.I | re.M)
    for body in (
        r"enable (?:secret|password)(?: level \d+)?(?: \d)?\s+)\S.*$",
        r"username \S+(?: .*?)? (?:password|secret)(?: \d)?\s+)\S.*$",
        r"snmp-server community\s+)\S+",
        r"snmp-server host \S+(?: .*?)?(?: version \S+)?\s+)(?!version)\S+",
        r"snmp-server user \S+ .*?\bauth\s+)\S.*$",
        r"(?:tacacs-server|radius-server) key(?: \d)?\s+)\S.*$",
        r"(?:ip ospf |isis |ntp )?(?:authentication-key|message-digest-key \d+ md5)"
        r"(?: \d+ md5)?(?: \d)?\s+)\S.*$",
        r"key-string(?: \d)?\s+)\S.*$",
        r"crypto isakmp key(?: \d)?\s+)\S.*$",
        r"(?:pre-shared-key|key)(?: \d| \d \S+)?\s+)\S.*$",
        r"neighbor \S+ password(?: \d)?\s+)\S.*$",
        r"password(?: \d)?\s+)\S.*$",
        r"secret(?: \d)?\s+)\S.*$",
        r"(?:encrypted-password|secret|authentication-key)\s+)\"?[^\";]+\"?;?",
        # Junos ``set``: not ``set community`` of a route-map, a BGP community is no secret.
        r"set (?:snmp community|.*(?:encrypted-password|secret|authentication-key|pre-shared-key))"
        r"\s+)\S.*$",
    )
)


# Only lines holding one of these words can match a line pattern.  Searched in lower
# case without re.I, which lets the regex engine skip ahead: several times faster.
_TRIGGER = re.compile(r"secret|password|community|key|snmp-server")
_TRIGGER_ANY_CASE = re.compile(_TRIGGER.pattern, re.I)


class Redactor:
    """Hides known secret values and secret-looking config lines in text."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        values = {v for v in known if isinstance(v, str) and len(v) >= 3}
        # Longest first so that a secret containing another is hidden whole.
        self._known = sorted(values, key=len, reverse=True)
        self._known_re = (
            re.compile("|".join(re.escape(v) for v in self._known)) if self._known else None
        )

    def add(self, values: Iterable[str]) -> Redactor:
        return Redactor([*self._known, *values])

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        if self._known_re is not None:
            value = self._known_re.sub(MASK, value)
        return _mask_lines(value)

    def obj(self, value: Any) -> Any:
        """Redact strings inside nested dicts/lists; values under secret-looking keys vanish."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: (MASK if isinstance(k, str) and SECRET_KEY_RE.search(k) and v else self.obj(v))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.obj(v) for v in value]
        return value


def _mask_lines(text: str) -> str:
    """Run the line patterns over the lines holding a trigger word, and only those.

    A running config is thousands of lines with a handful of secrets; scanning every
    position of it with each pattern cost more than the rest of a backup together.
    """
    lowered = text.lower()
    if len(lowered) == len(text):  # same offsets (not so for a few non-ASCII letters)
        hits = _TRIGGER.finditer(lowered)
    else:
        hits = _TRIGGER_ANY_CASE.finditer(text)
    parts: list[str] = []
    done = 0
    for hit in hits:
        if hit.start() < done:
            continue  # this line was already handled
        start = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.end())
        end = len(text) if end < 0 else end
        line = text[start:end]
        for pattern in _LINE_PATTERNS:
            line = pattern.sub(_mask, line)
        parts += (text[done:start], line)
        done = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _mask(match: re.Match[str]) -> str:
    return match.group(1) + MASK


def secret_values(mapping: dict[str, Any]) -> list[str]:
    """Values stored under secret-looking keys, through nested dicts and lists.

    Everything below a secret-looking key counts (``passwords: [a, b]``,
    ``snmp_community: {ro: x}``), and so do lists of mappings such as
    ``users: [{name: a, password: b}]``.  Numbers count too: a YAML ``password: 123456``
    is rendered as text in templates.
    """
    found: list[str] = []
    _collect(mapping, False, found)
    return found


def _collect(value: Any, secret: bool, found: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, secret or bool(SECRET_KEY_RE.search(str(key))), found)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect(item, secret, found)
    elif secret and isinstance(value, str):
        found.append(value)
    elif secret and isinstance(value, (int, float)) and not isinstance(value, bool):
        found.append(str(value))
