"""The lab's Telnet side: option refusal, IAC stripping, and the IOS-style login."""

from __future__ import annotations

import asyncio

from netraven.lab.device import Device, seed_config
from netraven.lab.faults import Faults
from netraven.lab.telnet import DO, DONT, IAC, SB, SE, WILL, WONT, TelnetCodec, TelnetDevice
from netraven.lab.terminal import LineAssembler

NAWS, ECHO, SGA, TTYPE = 31, 1, 3, 24


def test_options_are_refused_and_stripped_from_the_data() -> None:
    codec = TelnetCodec()
    data, reply = codec.feed(
        bytes([IAC, DO, ECHO, IAC, WILL, NAWS, IAC, DONT, SGA, IAC, WONT, TTYPE]) + b"admin\r\n"
    )
    assert data == b"admin\r\n"
    # DO → WONT, WILL → DONT; DONT/WONT describe the state already in force: no answer.
    assert reply == bytes([IAC, WONT, ECHO, IAC, DONT, NAWS])


def test_subnegotiation_and_commands_vanish_and_escaped_iac_is_data() -> None:
    codec = TelnetCodec()
    payload = bytes([IAC, SB, NAWS, 0, 80, IAC, IAC, 24, IAC, SE])  # IAC IAC inside SB too
    data, reply = codec.feed(b"sh" + payload + bytes([IAC, 241]) + b"ow" + bytes([IAC, IAC]))
    assert data == b"show\xff" and reply == b""


def test_a_sequence_split_across_reads_is_still_recognised() -> None:
    codec = TelnetCodec()
    parts = [bytes([IAC]), bytes([DO]), bytes([NAWS]) + b"x", bytes([IAC, SB, 24]), b"\xff\xf0"]
    results = [codec.feed(p) for p in parts]
    assert b"".join(d for d, _ in results) == b"x"
    assert b"".join(r for _, r in results) == bytes([IAC, WONT, NAWS])


def test_line_assembler_ends_lines_on_cr_nul_like_telnet_clients_send() -> None:
    lines, echo = LineAssembler().feed("ena\x08able\r\0show\r\nx\n")
    assert lines == ["enable", "show", "x"]
    assert echo == "ena\b \bableshowx"
    assert LineAssembler().feed("secret\r", hidden=True) == (["secret"], "")


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = bytearray()
        self.closed = False
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent += bytes(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def text(self) -> str:
        out = bytes(self.sent).decode("latin-1")  # option bytes stay visible
        self.sent.clear()
        return out


class FakeLab:
    username = "admin"
    password = "pw"
    latency = 0.0

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.faults: dict[str, Faults] = {}
        self.log = self

    def connection(self, device: str, event: str, via: str = "ssh") -> None:
        self.events.append((device, event, via))

    def faults_for(self, name: str) -> Faults:
        return self.faults.setdefault(name, Faults())


def _device(log: list[tuple[str, str]]) -> Device:
    return Device(
        name="sw1",
        enable_secret="en",
        serial="X1",
        running=seed_config("sw1", "$1$h", "public"),
        on_command=lambda d, mode, cmd: log.append((mode, cmd)),
    )


async def _session(lab: FakeLab, inputs: list[bytes]) -> tuple[list[str], FakeTransport]:
    commands: list[tuple[str, str]] = []
    protocol = TelnetDevice(lab, _device(commands))  # type: ignore[arg-type]
    transport = FakeTransport()
    protocol.connection_made(transport)
    screens = [transport.text()]
    for data in inputs:
        protocol.data_received(data)
        await asyncio.sleep(0.01)  # let the terminal answer
        screens.append(transport.text())
    protocol.connection_lost(None)
    return screens, transport


def test_login_then_the_same_cli_as_ssh() -> None:
    lab = FakeLab()
    screens, transport = asyncio.run(
        _session(lab, [bytes([IAC, DO, NAWS]) + b"admin\r\n", b"pw\r\n", b"show clock\r\n"])
    )
    assert screens[0].endswith("Username: ")
    assert screens[1].startswith(bytes([IAC, WONT, NAWS]).decode("latin-1"))
    assert "admin" in screens[1] and screens[1].endswith("Password: ")
    assert "pw" not in screens[2] and screens[2].endswith("sw1>")
    assert "show clock" in screens[3] and screens[3].endswith("sw1>")
    assert lab.events == [("sw1", "open", "telnet")]
    assert not transport.closed


def test_three_wrong_passwords_close_the_connection() -> None:
    lab = FakeLab()
    inputs = [b"admin\r\n", b"bad\r\n"] * 3
    screens, transport = asyncio.run(_session(lab, inputs))
    assert screens[2].count("% Login invalid") == 1 and screens[2].endswith("Username: ")
    assert "% Login invalid" in screens[6] and not screens[6].endswith("Username: ")
    assert transport.closed
    assert [e for _, e, _ in lab.events] == ["open"] + ["login-failed"] * 3


def test_auth_fault_rejects_the_right_password() -> None:
    lab = FakeLab()
    lab.faults_for("sw1").auth = True
    screens, transport = asyncio.run(_session(lab, [b"admin\r\n", b"pw\r\n"]))
    assert "% Login invalid" in screens[2] and not screens[2].endswith("sw1>")
    assert [e for _, e, _ in lab.events] == ["open", "auth-rejected", "login-failed"]
