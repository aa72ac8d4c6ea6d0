"""The sample project (inventory/, playbooks/, plugins/, netraven.toml) against a real lab.

Its own lab of 10 devices: the samples change every device, and the shared lab's other
tests expect factory configs.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    running = start_lab(tmp_path_factory.mktemp("samplelab"), devices=10)
    yield running
    control.down(running.directory)


def _project(lab: Lab, target: Path) -> Path:
    """The repository's sample layout, its ports moved to this lab's."""
    for name in ("inventory", "playbooks", "plugins"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "netraven.toml", target / "netraven.toml")
    hosts = target / "inventory" / "hosts.yaml"
    text = re.sub(
        r"port: (\d+)",
        lambda m: f"port: {int(m.group(1)) - 10022 + lab.base_port}",
        hosts.read_text(),
    )
    hosts.write_text(text)
    # As if `lab up` had run in the project: its known_hosts where the sample inventory looks.
    (target / ".netraven" / "lab").mkdir(parents=True)
    shutil.copy(lab.directory / "known_hosts", target / ".netraven" / "lab" / "known_hosts")
    return target


def _run(project: Path, playbook: str) -> dict:  # type: ignore[type-arg]
    result = netraven(
        "run", f"playbooks/{playbook}", "-i", "inventory", "--output", "json", cwd=project
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return run_json(result)


def test_samples_converge_and_use_the_plugins(sample_lab: Lab, tmp_path: Path) -> None:
    project = _project(sample_lab, tmp_path)
    first = _run(project, "baseline.yml")
    assert first["job"]["status"] == "succeeded"
    assert all(h["changed"] for h in first["hosts"].values())
    tasks = first["hosts"]["sw-lab-1"]["tasks"]
    facts = [t for t in tasks if t["action"] == "interface_facts"]
    assert facts and facts[0]["status"] == "ok" and "Interface" in facts[0]["output"]
    rescued = [t for t in tasks if t["name"] == "show vlan brief"]
    assert rescued and rescued[0]["failed"] and rescued[0].get("rescued")
    assert any(t["name"] == "save config" for t in tasks)  # the handler ran: it changed

    vlans = _run(project, "vlans.yml")
    assert set(vlans["hosts"]) == {f"sw-lab-{i}" for i in (1, 2, 3, 4, 6, 7, 8, 9)}
    pushed = [t for t in vlans["hosts"]["sw-lab-1"]["tasks"] if t["changed"]]
    # VLANs 10 and 20 are in the lab's factory config: only the missing ones are pushed.
    assert {t["name"] for t in pushed} == {f"User VLAN (item={v})" for v in (11, 12, 30)}

    for playbook in ("baseline.yml", "vlans.yml"):
        again = _run(project, playbook)
        changed = [
            (host, t["name"])
            for host, h in again["hosts"].items()
            for t in h["tasks"]
            if t["changed"]
        ]
        assert changed == [], changed
        names = [t["name"] for t in again["hosts"]["sw-lab-1"]["tasks"]]
        assert "save config" not in names  # nothing changed, no handler

    ams = sample_lab.running_config("sw-lab-1", tmp_path)
    for line in (
        "ntp server 192.0.2.1",
        "logging host 192.0.2.51",
        "vlan 30",
        "vlan 12",
        "snmp-server location AMS lab, rack 1",
        "ip domain name lab.example.net",
    ):
        assert line in ams.splitlines(), line
    lon = sample_lab.running_config("sw-lab-2", tmp_path)
    assert "ntp server 198.51.100.1" in lon.splitlines()
    assert "vlan 30" not in lon.splitlines()  # host_vars of sw-lab-1 only
    core = sample_lab.running_config("sw-lab-5", tmp_path)
    assert "vlan 11" not in core.splitlines()  # access group only
    assert "snmp-server location AMS core, rack 7" in core.splitlines()

    # The scrapli_audit connection kind (group_vars/all.yml) carried every session.
    audit = project / ".netraven" / "audit" / "sw-lab-1.jsonl"
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    configs = [r["lines"] for r in records if r["event"] == "config"]
    assert ["vlan 30"] in configs or any("vlan 30" in c for c in configs)
    assert {r["event"] for r in records} >= {"open", "command", "config", "close"}
    assert "lab-Pa55word" not in audit.read_text()


def test_config_show_reports_the_sample_vault_file(tmp_path: Path) -> None:
    shutil.copy(ROOT / "netraven.toml", tmp_path / "netraven.toml")
    result = netraven("config", "show", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    field = json.loads(result.stdout)["settings"]["vault_password_file"]
    assert field["value"] == str(tmp_path / "inventory" / "lab-vault-password.txt")
    assert field["source"].startswith("netraven.toml")


def test_a_plugin_that_cannot_import_is_exit_5_naming_its_file(tmp_path: Path) -> None:
    (tmp_path / "plugins" / "actions").mkdir(parents=True)
    broken = tmp_path / "plugins" / "actions" / "broken.py"
    broken.write_text("import os\nimport no_such_module_here\n")
    inventory = tmp_path / "inv"
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text("r1: {hostname: 127.0.0.1, port: 1}\n")
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n  tasks:\n    - debug: hi\n")
    result = netraven("run", str(book), "-i", str(inventory), cwd=tmp_path)
    assert result.returncode == 5, result.stderr
    assert f"{broken}:2: cannot import plugin: ModuleNotFoundError" in result.stderr
    assert not (tmp_path / ".netraven" / "netraven.db").exists()  # no job was started
