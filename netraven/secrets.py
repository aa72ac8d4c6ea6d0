"""Redaction of secrets before anything leaves the runner.

Two sources of secrets: values we know (inventory passwords, enable secrets, extra
vars whose names look secret) and config lines that look secret on any platform we
speak (IOS/NX-OS/EOS ``enable secret``, ``username … secret``, SNMP communities,
keys; Junos ``encrypted-password`` and ``secret "…"``).  Known values are removed
first so that a secret is hidden even where no pattern would recognise it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "********"

SECRET_KEY_RE = re.compile(r"(pass(word|wd|phrase)?|secret|token|community|api[_-]?key)", re.I)

# Each pattern keeps group 1 (the context) and replaces the rest of the line.
_LINE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I | re.M)
    for p in (
        r"^(\s*enable (?:secret|password)(?: level \d+)?(?: \d)?\s+)\S.*$",
        r"^(\s*username \S+(?: .*?)? (?:password|secret)(?: \d)?\s+)\S.*$",
        r"^(\s*snmp-server community\s+)\S+",
        r"^(\s*snmp-server host \S+(?: .*?)?(?: version \S+)?\s+)(?!version)\S+",
        r"^(\s*(?:tacacs-server|radius-server) key(?: \d)?\s+)\S.*$",
        r"^(\s*(?:ip ospf |isis )?(?:authentication-key|message-digest-key \d+ md5)"
        r"(?: \d)?\s+)\S.*$",
        r"^(\s*key-string(?: \d)?\s+)\S.*$",
        r"^(\s*(?:pre-shared-key|key)(?: \d| \d \S+)?\s+)\S.*$",
        r"^(\s*neighbor \S+ password(?: \d)?\s+)\S.*$",
        r"^(\s*password(?: \d)?\s+)\S.*$",
        r"^(\s*secret(?: \d)?\s+)\S.*$",
        r"^(\s*(?:encrypted-password|secret|authentication-key)\s+)\"?[^\";]+\"?;?",
        r"^(\s*set .*(?:encrypted-password|secret|authentication-key)\s+)\S.*$",
    )
)


# Cheap pre-check: text without any of these words cannot match a line pattern.
_TRIGGER = re.compile(r"secret|password|community|key|snmp-server host", re.I)


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
        # Only lines with a trigger word go through the line patterns: a 20,000-line
        # config costs milliseconds, not one long regex call per pattern over all of it.
        pieces: list[str] = []
        last = 0
        for match in _TRIGGER.finditer(value):
            if match.start() < last:
                continue  # another trigger word on a line already done
            start = value.rfind("\n", 0, match.start()) + 1
            end = value.find("\n", match.end())
            end = len(value) if end < 0 else end
            line = value[start:end]
            for pattern in _LINE_PATTERNS:
                line = pattern.sub(_mask, line)
            pieces += [value[last:start], line]
            last = end
        if not pieces:
            return value
        pieces.append(value[last:])
        return "".join(pieces)

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


def _mask(match: re.Match[str]) -> str:
    return match.group(1) + MASK


def secret_values(mapping: dict[str, Any]) -> list[str]:
    """String values stored under secret-looking keys, searched recursively."""
    found: list[str] = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            found.extend(secret_values(value))
        elif isinstance(value, str) and SECRET_KEY_RE.search(str(key)):
            found.append(value)
    return found
