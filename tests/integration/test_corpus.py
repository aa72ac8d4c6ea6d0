"""The Ansible-style corpus (tests/integration/corpus) against the lab over SSH.

Each playbook runs twice in a project folder of its own (the corpus copied in, the lab's
inventory beside it). After each run the devices' configuration and the recorded results
are checked; the second run must change nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netraven.lab import control
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab, start_lab

CORPUS = Path(__file__).parent / "corpus"
HOSTS = ("sw-lab-1", "sw-lab-2", "sw-lab-3", "sw-lab-4")


@pytest.fixture(scope="module")
def corpus_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab of its own: these playbooks change every device they touch."""
    running = start_lab(tmp_path_factory.mktemp("corpus-lab"), devices=len(HOSTS))
    yield running
    control.down(running.directory)


@pytest.fixture
def project(tmp_path: Path, corpus_lab: Lab) -> Path:
    shutil.copytree(CORPUS, tmp_path / "project")
    shutil.copytree(corpus_lab.inventory, tmp_path / "project" / "inventory")
    return tmp_path / "project"


def run(project: Path, playbook: str, *args: str) -> dict[str, Any]:
    result = netraven(
        "run", playbook, "-i", "inventory", "--output", "json", *args, cwd=project, timeout=180
    )
    document = run_json(result)
    document["_exit"] = result.returncode
    return document


def tasks_of(document: dict[str, Any], host: str) -> list[dict[str, Any]]:
    return list(document["hosts"][host]["tasks"])


def changed(document: dict[str, Any]) -> dict[str, int]:
    return {host: stats["changed"] for host, stats in document["stats"].items()}


def test_variables_group_vars_and_loops(project: Path, corpus_lab: Lab) -> None:
    first = run(project, "vars_and_loops.yml")
    assert first["_exit"] == 0, first
    for host in HOSTS:
        config = corpus_lab.running_config(host, project)
        assert f" description uplink-{host}" in config
        assert "interface GigabitEthernet1/0/48" in config
        for vlan, name in ((110, "users"), (120, "voice"), (130, "printers")):
            assert f"vlan {vlan}\n name {name}" in config
        assert "ip name-server 192.0.2.53" in config and "ip name-server 192.0.2.54" in config
        assert "logging host 192.0.2.50" in config
        assert "{{" not in config
    ams, lon = (
        corpus_lab.running_config("sw-lab-1", project),
        corpus_lab.running_config("sw-lab-2", project),
    )
    assert "ntp server 192.0.2.1" in ams and "ntp server 198.51.100.1" not in ams
    assert "ntp server 198.51.100.1" in lon and "ntp server 192.0.2.1" not in lon
    assert "snmp-server location AMS / access" in ams
    vlan_results = [t for t in tasks_of(first, "sw-lab-1") if t["name"].startswith("VLANs")]
    assert [t["name"] for t in vlan_results] == [
        "VLANs (item=users)",
        "VLANs (item=voice)",
        "VLANs (item=printers)",
    ]
    assert all(t["status"] == "changed" for t in vlan_results)

    second = run(project, "vars_and_loops.yml")
    assert second["_exit"] == 0
    assert changed(second) == {host: 0 for host in HOSTS}


def test_block_rescue_always_and_handlers(project: Path, corpus_lab: Lab) -> None:
    started = time.time()
    first = run(project, "blocks_handlers.yml")
    assert first["_exit"] == 0, first
    canary = tasks_of(first, "sw-lab-1")
    refused = next(t for t in canary if t["name"].startswith("Vendor command"))
    assert refused["failed"] and refused["rescued"] and first["stats"]["sw-lab-1"]["rescued"] == 1
    assert [t["name"] for t in canary][-1] == "save config"
    assert first["hosts"]["sw-lab-1"]["status"] == "ok"
    for host in HOSTS:
        config = corpus_lab.running_config(host, project)
        assert "logging trap informational" in config
        assert ("logging buffered 16384" in config) is (host == "sw-lab-1")
        sent = [c["command"] for c in corpus_lab.commands(host, since=started)]
        assert "write memory" in sent  # the handler ran once, at the end
        assert sent.count("write memory") == 1

    again = time.time()
    second = run(project, "blocks_handlers.yml")
    assert second["_exit"] == 0
    assert changed(second) == {host: 0 for host in HOSTS}
    for host in HOSTS:
        sent = [c["command"] for c in corpus_lab.commands(host, since=again)]
        assert "write memory" not in sent  # nothing changed: no handler


def test_roles_imports_and_includes(project: Path, corpus_lab: Lab) -> None:
    first = run(project, "roles_includes.yml")
    assert first["_exit"] == 0, first
    for host in HOSTS:  # four lab devices: all are access switches
        config = corpus_lab.running_config(host, project)
        assert "snmp-server contact access-team@example.net" in config  # role param wins
        assert "service timestamps log datetime msec" in config
        assert "aaa new-model" in config
        for port in (1, 2):
            assert f" description access-{port}-{host}" in config
        names = [t["name"] for t in tasks_of(first, host)]
        assert "Access port 1" in names and "Access port 2" in names
        assert names[-1] == "role baseline changed"
    second = run(project, "roles_includes.yml")
    assert second["_exit"] == 0
    assert changed(second) == {host: 0 for host in HOSTS}
    assert all(t["name"] != "role baseline changed" for t in tasks_of(second, "sw-lab-3"))


def test_facts_waits_run_once_and_local_templates(project: Path, corpus_lab: Lab) -> None:
    started = time.time()
    first = run(project, "facts_and_waits.yml")
    assert first["_exit"] == 0, first
    clock_reads = [
        host
        for host in HOSTS
        if "show clock" in [c["command"] for c in corpus_lab.commands(host, since=started)]
    ]
    assert len(clock_reads) == 1
    for host in HOSTS:
        report = (project / "reports" / f"{host}.txt").read_text()
        assert f"host: {host}\n" in report
        assert "release: 15.2(7)E4" in report
        assert "fleet clock read once: True" in report
        debug = next(t for t in tasks_of(first, host) if t["action"] == "debug")
        assert debug["output"] == f"{host} runs 15.2(7)E4"
    second = run(project, "facts_and_waits.yml")
    assert second["_exit"] == 0
    assert changed(second) == {host: 0 for host in HOSTS}  # the reports are unchanged
