"""A device's terminal, whatever carries it: echo, line assembly, think-time and session faults.

The SSH and Telnet servers differ only in how bytes arrive and leave; both hand text to a
``Terminal`` and give it a ``write`` and a ``hangup``, so a device answers and misbehaves
the same way over either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from netraven.lab.family import LabDevice
from netraven.lab.faults import Faults

__all__ = ["LineAssembler", "Terminal"]


class LineAssembler:
    """Typed characters → complete lines, and what to echo back (nothing while hidden).

    CR, LF, CR LF and CR NUL (Telnet's bare CR) each end one line; backspace and DEL
    erase the last character.
    """

    def __init__(self) -> None:
        self._buffer: list[str] = []
        self._last_cr = False

    def feed(self, data: str, hidden: bool = False) -> tuple[list[str], str]:
        lines: list[str] = []
        echo: list[str] = []
        for char in data:
            if char in "\r\n\0":
                if char in "\n\0" and self._last_cr:
                    self._last_cr = False
                    continue
                if char == "\0":
                    continue
                self._last_cr = char == "\r"
                lines.append("".join(self._buffer))
                self._buffer.clear()
                continue
            self._last_cr = False
            if char in "\x7f\x08":
                if self._buffer:
                    self._buffer.pop()
                    if not hidden:
                        echo.append("\b \b")
                continue
            self._buffer.append(char)
            if not hidden:
                echo.append(char)
        return lines, "".join(echo)


class Terminal:
    """One logged-in CLI session: runs lines through ``Session`` one at a time, in order.

    ``hangup(abort)`` ends the session: ``abort`` for a fault that drops the connection,
    otherwise a clean close after ``exit``.
    """

    def __init__(
        self,
        device: LabDevice,
        username: str,
        latency: float,
        faults: Faults,
        write: Callable[[str], None],
        hangup: Callable[[bool], None],
    ) -> None:
        self.cli = device.session(username)
        self._latency = latency
        self._faults = faults
        self._write = write
        self._hangup = hangup
        self._commands = 0
        self._input = LineAssembler()
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        # Echo of what was typed while an earlier line was still being answered: a device
        # echoes type-ahead when its CLI reads it, after the earlier line's prompt. Echoed
        # at once instead, a driver waiting for "echo, then prompt" would take the earlier
        # prompt for its own and read every later answer one command late.
        self._busy = False
        self._held: list[str] = []

    def start(self, banner: str = "") -> None:
        self._write("\r\n" + _crlf(banner + self.cli.prompt))
        self._worker = asyncio.get_running_loop().create_task(self._run())

    def feed(self, data: str) -> None:
        busy = self._busy or not self._lines.empty()
        lines, echo = self._input.feed(data, hidden=self.cli.awaiting_password)
        for line in lines:
            self._lines.put_nowait(line)
        if echo and busy:
            self._held.append(echo)
        elif echo:
            self._write(echo)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
        self.cli.logout()

    async def _run(self) -> None:
        device = self.cli.device
        while True:
            line = await self._lines.get()
            self._busy = True
            if line.strip() and not self.cli.awaiting_password:
                self._commands += 1
                drop = self._faults.drop_after
                if drop is not None and self._commands > drop:
                    device.on_command(device.name, "fault", "drop")
                    self._hangup(True)
                    return
            self._write("\r\n")
            delay = self._latency + self._faults.slow_ms / 1000
            if delay:
                await asyncio.sleep(delay)
            output = self.cli.handle(line)
            if self._faults.hang and line.strip().startswith(("sh", "show")):
                device.on_command(device.name, "fault", "hang")
                self._write(_crlf(output[: len(output) // 2]))
                await asyncio.Event().wait()  # never answers again
            if output:
                self._write(_crlf(output) + "\r\n")
            if self.cli.closed:
                self._hangup(False)
                return
            self._write(_crlf(self.cli.prompt))
            self._busy = False
            if self._held:
                self._write("".join(self._held))
                self._held.clear()


def _crlf(text: str) -> str:
    """Line ends as a terminal sends them (prompts span lines on Junos)."""
    return text.replace("\n", "\r\n")
