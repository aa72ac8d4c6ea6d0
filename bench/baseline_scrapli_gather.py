"""Baseline (c): a raw asyncio gather of scrapli drivers over asyncssh, nothing else.

The same work as the other two cases, with the same concurrency bound: the floor
that an asyncio runner on scrapli can approach.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import yaml
from scrapli.driver.core import AsyncIOSXEDriver

from netraven.system import raise_fd_limit


async def one(
    host: dict[str, object],
    defaults: dict[str, object],
    backup_dir: Path,
    name: str,
    limit: asyncio.Semaphore,
) -> bool:
    async with limit:
        driver = AsyncIOSXEDriver(
            host=str(host["hostname"]),
            port=int(host["port"]),  # type: ignore[call-overload]
            auth_username=str(defaults["username"]),
            auth_password=str(defaults["password"]),
            auth_secondary=str(defaults["data"]["enable_secret"]),  # type: ignore[index]
            auth_strict_key=False,
            transport="asyncssh",
            timeout_ops=60,
        )
        try:
            await driver.open()
            await driver.send_command("show version")
            await driver.send_command("show running-config")
            backup = await driver.send_command("show running-config")
            (backup_dir / f"{name}.cfg").write_text(backup.result)
            await driver.close()
            return True
        except Exception as exc:  # count, do not stop the gather
            print(f"{name}: {exc}", file=sys.stderr)
            return False


async def run(inventory: Path, backup_dir: Path, workers: int) -> int:
    hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    defaults = yaml.safe_load((inventory / "defaults.yaml").read_text())
    limit = asyncio.Semaphore(workers)
    results = await asyncio.gather(
        *(one(h, defaults, backup_dir, n, limit) for n, h in hosts.items())
    )
    failed = results.count(False)
    print(f"hosts={len(results)} failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise_fd_limit()
    sys.exit(asyncio.run(run(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))))
