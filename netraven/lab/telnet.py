"""A lab device over Telnet: option refusal, an IOS-style login, then the same CLI as SSH.

The server proposes no Telnet options and refuses every one a client proposes (``DO`` →
``WONT``, ``WILL`` → ``DONT``; ``DONT``/``WONT`` already hold and are not answered, so two
refusing ends never loop). Commands and sub-negotiations are stripped from the input. Like
IOS, it echoes what is typed (except passwords) whatever the client asked for: scrapli and
netmiko both wait for the echo of each command.

Login is the device family's (``family.FAMILIES``): IOS's ``Username:`` / ``Password:`` and
``% Login invalid``, Junos's and EOS's ``login:`` and ``Login incorrect``; a new username
prompt after a wrong pair, the connection closed after the third.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from netraven.lab.family import FAMILIES, LabDevice
from netraven.lab.terminal import LineAssembler, Terminal

if TYPE_CHECKING:
    from netraven.lab.server import LabServer

__all__ = ["LOGIN_TRIES", "TelnetCodec", "TelnetDevice"]

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
LOGIN_TRIES = 3
LOGIN_TIMEOUT = 60.0


class TelnetCodec:
    """Client bytes → data bytes, plus the refusals to send back. Keeps state across reads."""

    def __init__(self) -> None:
        self._state = "data"
        self._verb = 0

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        text = bytearray()
        reply = bytearray()
        for byte in data:
            state = self._state
            if state == "data":
                if byte == IAC:
                    self._state = "iac"
                else:
                    text.append(byte)
            elif state == "iac":
                if byte == IAC:  # an escaped 0xFF is data
                    text.append(IAC)
                    self._state = "data"
                elif byte in (DO, DONT, WILL, WONT):
                    self._verb = byte
                    self._state = "option"
                elif byte == SB:
                    self._state = "sb"
                else:  # NOP, GA, AYT, BRK, …: nothing a line-mode CLI needs
                    self._state = "data"
            elif state == "option":
                if self._verb == DO:
                    reply += bytes((IAC, WONT, byte))
                elif self._verb == WILL:
                    reply += bytes((IAC, DONT, byte))
                self._state = "data"
            elif state == "sb":  # sub-negotiation payload, up to IAC SE
                if byte == IAC:
                    self._state = "sb-iac"
            else:  # "sb-iac"
                self._state = "data" if byte == SE else "sb"
        return bytes(text), bytes(reply)


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def encode(text: str) -> bytes:
    """Text for the wire. UTF-8 never produces 0xFF, so no IAC byte needs doubling."""
    return text.encode("utf-8")


class TelnetDevice(asyncio.Protocol):
    """One Telnet connection to one lab device; logs like an SSH one (``via: telnet``)."""

    def __init__(self, lab: LabServer, device: LabDevice) -> None:
        self._lab = lab
        self._device = device
        self._family = FAMILIES[device.family]
        self._codec = TelnetCodec()
        self._login_input = LineAssembler()
        self._transport: asyncio.Transport | None = None
        self._terminal: Terminal | None = None
        self._username: str | None = None
        self._failures = 0
        self._timer: asyncio.TimerHandle | None = None

    def _write(self, text: str) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(encode(text))

    def _hangup(self, abort: bool) -> None:
        if self._transport is not None:
            if abort:
                self._transport.abort()
            else:
                self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        name = self._device.name
        self._lab.log.connection(name, "open", via="telnet")
        faults = self._lab.faults_for(name)
        if faults.flap > 0:
            faults.flap -= 1
            self._lab.log.connection(name, "flap-drop", via="telnet")
            transport.abort()
            return
        self._timer = asyncio.get_running_loop().call_later(LOGIN_TIMEOUT, self._hangup, False)
        greeting = self._family.telnet_greeting + self._family.telnet_username
        self._write(_crlf(greeting.format(host=self._device.name)))

    def data_received(self, data: bytes) -> None:
        text, reply = self._codec.feed(data)
        if reply and self._transport is not None:
            self._transport.write(reply)
        decoded = text.decode("utf-8", errors="replace")
        if self._terminal is not None:
            self._terminal.feed(decoded)
            return
        lines, echo = self._login_input.feed(decoded, hidden=self._username is not None)
        if echo:
            self._write(echo)
        for line in lines:
            if self._terminal is not None:  # typed ahead of the prompt
                self._terminal.feed(line + "\r")
            else:
                self._login(line)

    def _login(self, line: str) -> None:
        if self._username is None:
            self._username = line
            self._write("\r\nPassword: ")
            return
        username, self._username = self._username, None
        name = self._device.name
        if self._lab.faults_for(name).auth:
            self._lab.log.connection(name, "auth-rejected", via="telnet")
            accepted = False
        else:
            accepted = username == self._lab.username and line == self._lab.password
        if accepted:
            if self._timer is not None:
                self._timer.cancel()
            self._terminal = Terminal(
                self._device,
                username,
                self._lab.latency,
                self._lab.faults_for(name),
                self._write,
                self._hangup,
            )
            self._terminal.start(self._family.banner)
            return
        self._failures += 1
        self._lab.log.connection(name, "login-failed", via="telnet")
        self._write(_crlf(self._family.telnet_failed))
        if self._failures >= LOGIN_TRIES:
            self._hangup(False)
        else:
            self._write(self._family.telnet_username.format(host=self._device.name))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._terminal is not None:
            self._terminal.stop()
