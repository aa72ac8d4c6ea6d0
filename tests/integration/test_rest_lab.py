"""The ``http`` connection kind against ``lab up --https``: real HTTPS on 127.0.0.1, the lab's
throwaway CA, eAPI and RESTCONF backed by the same device state the SSH CLI shows.

Witnesses are independent of the path under test: the device's running config is read
over SSH, and the lab's command log says which requests (and CLI lines) reached it.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netraven.engine.config_diff import clean_running
from netraven.lab import control
from netraven.lab.tls import make_ca
from tests.conftest import free_port_range, netraven, run_json

DEVICES = 3
PASSWORD, SECRET = "lab-Pa55word", "lab-En4ble"


class HttpsLab:
    def __init__(self, directory: Path, settings: control.LabSettings) -> None:
        self.directory, self.settings = directory, settings

    @property
    def inventory(self) -> Path:
        return self.directory / "inventory-https"

    def log(self, device: str, since: float) -> list[dict[str, Any]]:
        return [
            c
            for c in control.command_log(self.directory)
            if c["device"] == device and c["t"] >= since
        ]

    def inventory_copy(self, target: Path, **hosts: dict[str, Any]) -> Path:
        """The HTTPS inventory with some hosts' data changed (merged one level deep)."""
        shutil.copytree(self.inventory, target)
        loaded = yaml.safe_load((target / "hosts.yaml").read_text())
        for name, data in hosts.items():
            loaded[name].setdefault("data", {}).update(data)
        (target / "hosts.yaml").write_text(yaml.safe_dump(loaded, sort_keys=False))
        return target

    def ssh_running(self, device: str, workdir: Path) -> str:
        """``show running-config`` over SSH, the lab's other door."""
        play = workdir / "ssh-show.yml"
        play.write_text("- hosts: all\n  tasks:\n    - command: show running-config\n")
        result = netraven(
            "run", str(play), "-i", str(self.directory / "inventory"), "-l", device,
            "--output", "json", "--db", f"sqlite:///{workdir / 'ssh-probe.db'}", cwd=workdir,
        )  # fmt: skip
        return str(run_json(result)["hosts"][device]["tasks"][0]["output"])


@pytest.fixture(scope="module")
def https_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsLab]:
    directory = tmp_path_factory.mktemp("httpslab")
    base = free_port_range(DEVICES * 3)  # SSH, Telnet (unused), HTTPS blocks
    settings = control.LabSettings(devices=DEVICES, base_port=base, https=True)
    control.up(directory, settings)
    yield HttpsLab(directory, settings)
    control.down(directory)


def run(
    workdir: Path, playbook: str, inventory: Path, device: str, *extra: str
) -> tuple[dict[str, Any], str]:
    play = workdir / "play.yml"
    play.write_text(playbook)
    result = netraven(
        "run", str(play), "-i", str(inventory), "-l", device, "--output", "json",
        "--db", f"sqlite:///{workdir / 'store.db'}", *extra, cwd=workdir,
    )  # fmt: skip
    return run_json(result), result.stderr


def tasks(document: dict[str, Any], device: str) -> list[dict[str, Any]]:
    return list(document["hosts"][device]["tasks"])


EAPI_PLAY = """\
- hosts: all
  tasks:
    - command: show version
    - backup:
    - config:
        lines:
          - ntp server 198.51.100.44
          - interface GigabitEthernet1/0/5
          - " description set over eapi"
        save_when: modified
"""


def test_eapi_command_backup_and_config(https_lab: HttpsLab, workdir: Path) -> None:
    over_ssh = https_lab.ssh_running("sw-lab-1", workdir)
    started = time.time()
    document, _ = run(workdir, EAPI_PLAY, https_lab.inventory, "sw-lab-1")
    version, backup, config = tasks(document, "sw-lab-1")
    assert document["hosts"]["sw-lab-1"]["status"] == "ok"
    assert "Processor board ID FOC02001X1" in version["output"]
    assert backup["status"] == "ok" and config["changed"] is True
    # The change is on the device: read back over SSH, and saved to startup by write memory.
    running = https_lab.ssh_running("sw-lab-1", workdir)
    assert "ntp server 198.51.100.44" in running
    assert "description set over eapi" in running
    sent = [c["command"] for c in https_lab.log("sw-lab-1", started) if c["mode"] != "connection"]
    assert "ntp server 198.51.100.44" in sent and "write memory" in sent
    shown = netraven(
        "backups", "show", "sw-lab-1", "--db", f"sqlite:///{workdir / 'store.db'}", cwd=workdir
    )
    assert shown.returncode == 0, shown.stderr
    # The stored backup is the running config as SSH showed it before the change, cleaned.
    assert shown.stdout.strip() == clean_running(over_ssh).strip()
    assert "ntp server 198.51.100.44" not in shown.stdout
    # Second run: nothing to push.
    again, _ = run(workdir, EAPI_PLAY, https_lab.inventory, "sw-lab-1")
    assert tasks(again, "sw-lab-1")[2]["changed"] is False


def test_eapi_rejected_line_fails_the_host_with_the_device_error(
    https_lab: HttpsLab, workdir: Path
) -> None:
    control.set_fault(https_lab.directory, "sw-lab-3", "reject-config", "ip routing")
    play = "- hosts: all\n  tasks:\n    - config:\n        lines: [ip routing]\n"
    try:
        document, _ = run(workdir, play, https_lab.inventory, "sw-lab-3")
    finally:
        control.set_fault(https_lab.directory, "sw-lab-3", "clear")
    (task,) = tasks(document, "sw-lab-3")
    assert task["status"] == "failed"
    assert "eAPI error 1002" in task["error"] and "invalid command" in task["error"]


RESTCONF_PLAY = """\
- hosts: all
  tasks:
    - rest:
        path: /restconf/data/Cisco-IOS-XE-native:native/hostname
        headers: {Accept: application/yang-data+json}
      register: name
    - assert:
        that: name.json['Cisco-IOS-XE-native:hostname'] == inventory_hostname
    - restconf_config:
        path: Cisco-IOS-XE-native:native
        content:
          Cisco-IOS-XE-native:native:
            Cisco-IOS-XE-ntp:ntp:
              server:
                server-list: [{ip-address: 203.0.113.9}]
            interface:
              GigabitEthernet:
                - name: 1/0/6
                  description: "{{ inventory_hostname }} uplink"
                  shutdown: [null]
            vlan:
              Cisco-IOS-XE-vlan:vlan-list: [{id: 66, name: CAMERAS}]
"""


def restconf(lab: HttpsLab, workdir: Path, **data: Any) -> Path:
    hosts = {f"sw-lab-{i}": {"api": "restconf", **data} for i in range(1, DEVICES + 1)}
    return lab.inventory_copy(workdir / f"inv-{len(list(workdir.iterdir()))}", **hosts)


def test_restconf_check_then_idempotent_config_shows_over_ssh(
    https_lab: HttpsLab, workdir: Path
) -> None:
    inventory = restconf(https_lab, workdir)
    before = https_lab.ssh_running("sw-lab-2", workdir)
    started = time.time()
    checked, _ = run(workdir, RESTCONF_PLAY, inventory, "sw-lab-2", "--check")
    task = tasks(checked, "sw-lab-2")[2]
    assert task["changed"] is True and "would PATCH" in task["output"]
    assert '+          "description": "sw-lab-2 uplink",' in task["diff"]
    assert '+            "ip-address": "203.0.113.9"' in task["diff"]
    # Check mode: only reads reached the device, and its config is as it was.
    requests = [c for c in https_lab.log("sw-lab-2", started) if c["mode"] == "restconf"]
    assert requests and all(c["command"].startswith("GET ") for c in requests)
    assert not [c for c in https_lab.log("sw-lab-2", started) if c["mode"] == "config"]
    assert https_lab.ssh_running("sw-lab-2", workdir) == before

    started = time.time()
    first, _ = run(workdir, RESTCONF_PLAY, inventory, "sw-lab-2")
    assert [t["status"] for t in tasks(first, "sw-lab-2")] == ["ok", "ok", "changed"]
    assert tasks(first, "sw-lab-2")[2]["changed"] is True
    patches = [c["command"] for c in https_lab.log("sw-lab-2", started) if c["mode"] == "restconf"]
    assert patches.count("PATCH /restconf/data/Cisco-IOS-XE-native:native") == 1
    running = https_lab.ssh_running("sw-lab-2", workdir)
    assert "ntp server 203.0.113.9" in running
    assert "interface GigabitEthernet1/0/6\n description sw-lab-2 uplink" in running
    block = running.split("interface GigabitEthernet1/0/6", 1)[1].split("!", 1)[0]
    assert " shutdown" in block
    assert "vlan 66\n name CAMERAS" in running

    started = time.time()
    second, _ = run(workdir, RESTCONF_PLAY, inventory, "sw-lab-2")
    assert second["stats"]["sw-lab-2"]["changed"] == 0
    assert not [c for c in https_lab.log("sw-lab-2", started) if c["mode"] == "config"]


def test_a_change_over_ssh_shows_over_restconf_and_backup_is_sorted_json(
    https_lab: HttpsLab, workdir: Path
) -> None:
    ssh_play = (
        "- hosts: all\n  tasks:\n    - config:\n        lines:\n"
        "          - interface GigabitEthernet1/0/8\n          - ' description from ssh 81'\n"
    )
    run(workdir, ssh_play, https_lab.directory / "inventory", "sw-lab-3")
    inventory = restconf(https_lab, workdir)
    play = (
        "- hosts: all\n  tasks:\n    - backup:\n    - rest:\n"
        "        path: /restconf/data/Cisco-IOS-XE-native:native/interface/"
        "GigabitEthernet=1%2F0%2F8\n      register: port\n"
        "    - assert:\n        that: port.json['Cisco-IOS-XE-native:GigabitEthernet'][0]"
        ".description == 'from ssh 81'\n"
    )
    document, _ = run(workdir, play, inventory, "sw-lab-3")
    assert [t["status"] for t in tasks(document, "sw-lab-3")] == ["ok", "ok", "ok"]
    shown = netraven(
        "backups", "show", "sw-lab-3", "--db", f"sqlite:///{workdir / 'store.db'}", cwd=workdir
    )
    stored = json.loads(shown.stdout)
    native = stored["Cisco-IOS-XE-native:native"]
    assert native["hostname"] == "sw-lab-3"
    assert shown.stdout == json.dumps(stored, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_restconf_errors_map_to_failed_tasks(https_lab: HttpsLab, workdir: Path) -> None:
    inventory = restconf(https_lab, workdir)
    play = """\
- hosts: all
  tasks:
    - rest:
        path: /restconf/data/Cisco-IOS-XE-native:native/vlan/Cisco-IOS-XE-vlan:vlan-list=999
        status_code: 404
    - rest:
        method: POST
        path: /restconf/data/Cisco-IOS-XE-native:native/vlan
        headers: {Content-Type: application/yang-data+json}
        body: {"Cisco-IOS-XE-vlan:vlan-list": [{id: 10, name: DUP}]}
        status_code: [201]
"""
    document, _ = run(workdir, play, inventory, "sw-lab-1")
    missing, duplicate = tasks(document, "sw-lab-1")
    assert missing["status"] == "ok"
    assert duplicate["status"] == "failed"
    assert "HTTP 409, expected 201" in duplicate["error"]
    assert "data-exists" in duplicate["output"]


def test_wrong_ca_fails_the_host_with_a_tls_error(https_lab: HttpsLab, workdir: Path) -> None:
    make_ca(workdir / "other-ca", "Not the lab")
    inventory = https_lab.inventory_copy(
        workdir / "inv-ca", **{"sw-lab-1": {"tls": {"ca_bundle": str(workdir / "other-ca/ca.pem")}}}
    )
    started = time.time()
    document, _ = run(
        workdir, "- hosts: all\n  tasks:\n    - command: show clock\n", inventory, "sw-lab-1"
    )
    host = document["hosts"]["sw-lab-1"]
    assert host["status"] in ("unreachable", "failed")
    assert "TLS certificate not trusted" in (
        host["error"] or tasks(document, "sw-lab-1")[0]["error"]
    )
    assert not [c for c in https_lab.log("sw-lab-1", started) if c["mode"] != "connection"]


def test_wrong_password_fails_with_an_auth_error_tried_once(
    https_lab: HttpsLab, workdir: Path
) -> None:
    inventory = https_lab.inventory_copy(workdir / "inv-pw")
    hosts = yaml.safe_load((inventory / "hosts.yaml").read_text())
    hosts["sw-lab-2"]["password"] = "not-the-password"
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    started = time.time()
    document, _ = run(
        workdir, "- hosts: all\n  tasks:\n    - command: show clock\n", inventory, "sw-lab-2"
    )
    host = document["hosts"]["sw-lab-2"]
    assert host["status"] in ("unreachable", "failed")
    error = host["error"] or tasks(document, "sw-lab-2")[0]["error"]
    assert "HTTP 401" in error and "refused the credentials" in error
    refused = [c for c in https_lab.log("sw-lab-2", started) if c["command"] == "login-refused"]
    assert len(refused) == 1  # a 401 is never retried


def test_verify_false_works_and_warns_once(https_lab: HttpsLab, workdir: Path) -> None:
    inventory = https_lab.inventory_copy(
        workdir / "inv-noverify", **{"sw-lab-3": {"tls": {"verify": False}}}
    )
    play = "- hosts: all\n  tasks:\n    - command: show clock\n    - command: show version\n"
    document, stderr = run(workdir, play, inventory, "sw-lab-3")
    assert document["hosts"]["sw-lab-3"]["status"] == "ok"
    assert stderr.count("TLS certificate verification is off") == 1
    assert "sw-lab-3" in stderr


def test_secrets_never_reach_the_store(https_lab: HttpsLab, workdir: Path) -> None:
    play = """\
- hosts: all
  tasks:
    - rest:
        method: POST
        path: /command-api
        body:
          jsonrpc: "2.0"
          method: runCmds
          id: 7
          params:
            version: 1
            format: text
            cmds: [{cmd: enable, input: "{{ enable_secret }}"}, show running-config]
      register: out
    - debug:
        var: out.json.result[1].output
"""
    document, _ = run(workdir, play, https_lab.inventory, "sw-lab-1", "--diff")
    assert document["hosts"]["sw-lab-1"]["status"] == "ok"
    # Under --check the POST is not sent and its body is shown instead: masked.
    checked, _ = run(workdir, play, https_lab.inventory, "sw-lab-1", "--check", "-v")
    would = tasks(checked, "sw-lab-1")[0]
    assert would["skipped"] is True and "would send POST /command-api" in would["output"]
    assert '"input": "********"' in would["output"]
    raw = b"".join(p.read_bytes() for p in workdir.glob("store.db*"))  # with any WAL
    for secret in (PASSWORD, SECRET, base64.b64encode(f"admin:{PASSWORD}".encode()).decode()):
        assert secret.encode() not in raw, secret
    assert b"hostname sw-lab-1" in raw  # the store does hold the task output


def test_the_lab_api_keeps_connections_alive_and_answers_garbage_with_400(
    https_lab: HttpsLab,
) -> None:
    import socket
    import ssl

    context = ssl.create_default_context(cafile=str(https_lab.directory / "tls" / "ca.pem"))
    auth = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    request = (
        "GET /restconf/data/Cisco-IOS-XE-native:native/hostname HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n\r\n"
    ).encode()
    port = https_lab.settings.https_port(1)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        answers = []
        for _ in range(2):  # two requests, one connection
            tls.sendall(request)
            data = b""
            while b'"sw-lab-1"}' not in data:
                chunk = tls.recv(65536)
                assert chunk, data
                data += chunk
            answers.append(data)
        assert all(a.startswith(b"HTTP/1.1 200 ") for a in answers)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert tls.recv(65536).startswith(b"HTTP/1.1 400 ")
