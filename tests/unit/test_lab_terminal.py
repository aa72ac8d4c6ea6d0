"""The lab terminal echoes type-ahead when the CLI reads it, after the earlier line's
prompt, as a device does: a driver that waits for "its echo, then a prompt" must never find
the earlier line's prompt after its echo, or it reads every later answer one command late."""

from __future__ import annotations

import asyncio

from netraven.lab.device import Device, seed_config
from netraven.lab.faults import Faults
from netraven.lab.terminal import Terminal


def test_type_ahead_is_echoed_after_the_earlier_prompt() -> None:
    device = Device("sw-lab-1", "en", "FOC1", seed_config("sw-lab-1", "x", "public"))
    written: list[str] = []

    async def scenario() -> None:
        terminal = Terminal(device, "admin", 0.05, Faults(), written.append, lambda _: None)
        terminal.start()
        await asyncio.sleep(0.01)
        terminal.feed("\r")  # a bare Enter, as a driver sends to find the prompt
        terminal.feed("show clock\r")  # typed before the Enter was answered
        await asyncio.sleep(0.3)
        terminal.stop()

    asyncio.run(scenario())
    text = "".join(written)
    echo = text.index("show clock")
    # Two prompts (login, the Enter's) come before the echo; the third follows the answer.
    assert text[:echo].count("sw-lab-1>") == 2
    assert text[echo:].count("sw-lab-1>") == 1
    assert text[echo:].index("UTC") < text[echo:].index("sw-lab-1>")


def test_idle_input_is_echoed_at_once() -> None:
    device = Device("sw-lab-1", "en", "FOC1", seed_config("sw-lab-1", "x", "public"))
    written: list[str] = []

    async def scenario() -> None:
        terminal = Terminal(device, "admin", 0.2, Faults(), written.append, lambda _: None)
        terminal.start()
        await asyncio.sleep(0.01)
        terminal.feed("show")  # no line end yet: echoed as typed
        assert written[-1] == "show"
        terminal.stop()

    asyncio.run(scenario())
