"""The check-mode guarantee lives here, not in each task.

Under ``--check`` every connection is wrapped: configuration is never sent, and only
read-only exec commands pass. A task that tries anything else gets ``CheckModeBlocked``.

A read-only verb is not enough: devices write files from ``show`` too.  IOS and EOS
have the ``| redirect``, ``| append`` and ``| tee`` output modifiers, IOS-XR ``| file``,
Junos ``| save``, ``| append``, ``| tee`` and ``| request message``, NX-OS and EOS the
shell-like ``>`` and ``>>`` (NX-OS also ``| email``, ``| vsh``, ``| python`` and ``;``
to chain commands).  Devices take any unambiguous abbreviation (``| red flash:x`` is
``| redirect``), so a pipe word that starts any of those names is refused; a regex
alternative that happens to look like one (``include ntp|t``) is refused too — a
false refusal only skips a task, a missed one writes to the device.

Over HTTP the rule is by method: ``send`` lets GET, HEAD and OPTIONS through and refuses
everything else before it reaches the wire (eAPI's ``runCmds`` is a POST by protocol: it
goes through ``send_command``/``send_config``, whose command checks above apply).

Refusal messages never repeat the command: it may carry a secret (``username x
secret y``) and the message ends up on the terminal, in JSON/JUnit and in the store.
They name the verb, and only when it looks like one.

Which verbs are read-only is the platform's (its profile's ``read_only``): Junos has no
``terminal`` or ``dir`` and its ``configure`` is as far from ``show`` as IOS's. A guard
built without a platform allows the verbs every supported platform agrees on, and ``display``
for plugin platforms in the Huawei/H3C tradition.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from netraven.connections.base import Connection
from netraven.connections.http.options import READ_METHODS
from netraven.errors import CheckModeBlocked, TaskFailed
from netraven.platforms import PlatformProfile, find_profile

if TYPE_CHECKING:
    from netraven.connections.http.client import HttpReply

READ_ONLY = re.compile(r"^\s*(show|sh|display|dis|ping|traceroute|terminal|dir|more)\b", re.I)

# Output modifiers that write a file or hand the output to something that can act.
WRITING_PIPES = (
    "append",
    "redirect",
    "tee",
    "save",
    "file",
    "request",
    "email",
    "vsh",
    "bash",
    "python",
)
_PIPE_WORD = re.compile(r"\s*([A-Za-z][A-Za-z-]*)")
_VERB = re.compile(r"\s*([A-Za-z][A-Za-z-]{0,23})(?=\s|$)")


def refusal(command: str, profile: PlatformProfile | None = None) -> str | None:
    """Why ``command`` may not run under ``--check``; None when it is read-only."""
    verb = _verb(command)
    if "\n" in command or "\r" in command:
        return f"{verb} spans several lines"
    verbs = READ_ONLY if profile is None else profile.read_only_regex
    if not verbs.match(command):
        return f"{verb} is not a read-only command"
    if ";" in command:
        return f"{verb} chains another command with ';'"
    if ">" in command:
        return f"{verb} redirects its output with '>'"
    for segment in command.split("|")[1:]:
        word = _PIPE_WORD.match(segment)
        if word is None:
            continue
        typed = word.group(1).lower()
        for writer in WRITING_PIPES:
            if writer.startswith(typed):
                return f"{verb} has '| {writer}', which writes its output elsewhere"
    return None


def _verb(command: str) -> str:
    """The command's first word, quoted, if it looks like a verb rather than a value."""
    match = _VERB.match(command)
    return f"'{match.group(1)} …'" if match else "a command"


class CheckModeGuard:
    def __init__(self, inner: Connection, platform: str | None = None) -> None:
        self._inner = inner
        self._profile = find_profile(platform) if platform else None

    async def open(self) -> None:
        await self._inner.open()

    async def send_command(self, command: str) -> str:
        reason = refusal(command, self._profile)
        if reason is not None:
            raise CheckModeBlocked(f"check mode: refused: {reason}")
        return await self._inner.send_command(command)

    async def send_config(self, lines: list[str]) -> str:
        # A commit is a configuration line too: nothing is loaded, nothing committed.
        raise CheckModeBlocked(f"check mode: {len(lines)} configuration line(s) not sent")

    async def close(self) -> None:
        await self._inner.close()

    @property
    def api_info(self) -> Any:
        return getattr(self._inner, "api_info", None)

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply:
        if method.upper() not in READ_METHODS:
            raise CheckModeBlocked(f"check mode: {method.upper()} {path} not sent")
        reply: HttpReply = await http_of(self._inner).send(
            method, path, content=content, headers=headers
        )
        return reply

    async def restconf_root(self) -> str:
        root: str = await http_of(self._inner).restconf_root()
        return root


def http_of(conn: Connection) -> Any:
    """The connection's HTTP side; a CLI connection has none."""
    if getattr(conn, "api_info", None) is None:
        raise TaskFailed("this host is not reached over HTTP (data.transport: https)")
    return conn
