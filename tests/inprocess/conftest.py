"""The in-process tier: the real engine and a real SQLite store, fake devices, no SSH.

Each test writes a small inventory and playbook, runs ``execute`` on its own event loop
against a ``FakeNetwork`` and asserts the devices' state and the recorded results.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from netraven.domain import JobOutcome
from netraven.engine import JobSpec, Owner, RunListener, RunOptions, execute
from netraven.inventory import load_inventory
from netraven.playbook.loader import load_playbook
from netraven.store.engine import open_engine
from netraven.testing import FakeNetwork

HOSTS = ("r1", "r2", "r3", "r4")


@dataclass
class World:
    root: Path
    network: FakeNetwork
    store: Engine

    def inventory(
        self,
        hosts: dict[str, dict[str, Any]] | None = None,
        groups: dict[str, dict[str, Any]] | None = None,
    ) -> Path:
        directory = self.root / "inventory"
        directory.mkdir(exist_ok=True)
        content = hosts or {
            name: {"groups": ["site_a" if i < 2 else "site_b"], "platform": "cisco_ios"}
            for i, name in enumerate(HOSTS)
        }
        named = {g for h in content.values() for g in h.get("groups", [])}
        (directory / "hosts.yaml").write_text(yaml.safe_dump(content))
        (directory / "groups.yaml").write_text(
            yaml.safe_dump({**{g: {} for g in sorted(named)}, **(groups or {})})
        )
        (directory / "defaults.yaml").write_text(
            yaml.safe_dump({"username": "u", "password": "pw-Secret-1"})
        )
        return directory

    def spec(
        self,
        playbook: str,
        hosts: dict[str, dict[str, Any]] | None = None,
        groups: dict[str, dict[str, Any]] | None = None,
        **options: Any,
    ) -> JobSpec:
        path = self.root / "play.yml"
        path.write_text(textwrap.dedent(playbook))
        inventory, secrets = load_inventory(self.inventory(hosts, groups))
        return JobSpec(
            playbook=load_playbook(path),
            inventory=inventory,
            owner=Owner("tester"),
            options=RunOptions(**options),
            secrets=tuple(secrets),
        )

    def run(
        self,
        playbook: str,
        hosts: dict[str, dict[str, Any]] | None = None,
        listeners: Sequence[RunListener] = (),
        groups: dict[str, dict[str, Any]] | None = None,
        **options: Any,
    ) -> JobOutcome:
        spec = self.spec(playbook, hosts, groups, **options)
        return asyncio.run(
            execute(
                spec, store=self.store, listeners=listeners, connections=self.network.registry()
            )
        )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path, FakeNetwork(), open_engine(f"sqlite:///{tmp_path / 'store.db'}"))
