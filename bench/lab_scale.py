"""How one lab process copes with a large multi-vendor lab: start time, memory, sessions.

    .venv/bin/python bench/lab_scale.py --devices 1000 --platforms ios:600,eos:200,junos:200
    .venv/bin/python bench/lab_scale.py --platforms ios:400,eos:150,junos:150,xr:150,nxos:150

Starts the lab (``lab up`` as the CLI does), prints how long until every device listened
and the lab process's resident memory, then logs in to ``--sessions`` devices of each
family at once with scrapli (one ``show`` each) and prints the wall time and memory again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapli.driver.core import (  # noqa: E402
    AsyncEOSDriver,
    AsyncIOSXEDriver,
    AsyncIOSXRDriver,
    AsyncJunosDriver,
    AsyncNXOSDriver,
)

from netraven.lab import control  # noqa: E402
from netraven.lab.family import device_name  # noqa: E402
from tests.conftest import free_port_range  # noqa: E402

DRIVERS: dict[str, tuple[Any, str]] = {
    "ios": (AsyncIOSXEDriver, "show running-config | include hostname"),
    "eos": (AsyncEOSDriver, "show running-config | include hostname"),
    "junos": (AsyncJunosDriver, "show configuration system host-name"),
    "xr": (AsyncIOSXRDriver, "show running-config hostname"),
    "nxos": (AsyncNXOSDriver, "show running-config | include hostname"),
}


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one(settings: control.LabSettings, index: int, family: str) -> str:
    driver, command = DRIVERS[family]
    async with driver(
        host="127.0.0.1",
        port=settings.base_port + index - 1,
        auth_username=settings.username,
        auth_password=settings.password,
        auth_secondary=settings.secret,
        auth_strict_key=False,
        transport="asyncssh",
        timeout_ops=60,
        timeout_transport=60,
    ) as conn:
        result: str = (await conn.send_command(command)).result
    expected = device_name(index, family)
    if expected not in result:
        raise RuntimeError(f"{expected}: unexpected answer {result!r}")
    return result


async def sessions(settings: control.LabSettings, per_family: int) -> int:
    chosen: list[tuple[int, str]] = []
    for family in dict.fromkeys(settings.layout):
        indexes = [i for i, f in enumerate(settings.layout, start=1) if f == family]
        chosen += [(i, family) for i in indexes[:per_family]]
    await asyncio.gather(*(one(settings, i, f) for i, f in chosen))
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--platforms", default="ios:600,eos:200,junos:200")
    parser.add_argument("--sessions", type=int, default=30, help="concurrent logins per family")
    args = parser.parse_args()
    settings = control.LabSettings(
        devices=args.devices, platforms=args.platforms, base_port=free_port_range(args.devices)
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "lab"
        started = time.monotonic()
        state = control.up(directory, settings)
        up = time.monotonic() - started
        pid = int(state["pid"])
        print(f"lab up: {args.devices} devices [{state['platforms']}] in {up:.2f} s")
        print(f"lab RSS after start: {rss_mib(pid):.1f} MiB")
        try:
            started = time.monotonic()
            count = asyncio.run(sessions(settings, args.sessions))
            took = time.monotonic() - started
            print(f"{count} concurrent scrapli logins + one show each: {took:.2f} s")
            print(f"lab RSS after the sessions: {rss_mib(pid):.1f} MiB")
        finally:
            control.down(directory)


if __name__ == "__main__":
    main()
