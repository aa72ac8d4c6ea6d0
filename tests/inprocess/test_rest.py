"""The HTTP connection kind in-process: httpx's MockTransport in front of a lab device's API.

The device is the lab's own (``lab.device.Device`` behind ``lab.https_api.ApiSite``), so
eAPI and RESTCONF answer as in the lab, and every request is recorded for the assertions.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from netraven.connections.base import ConnectionRegistry, HostParams
from netraven.connections.http.client import HttpClient
from netraven.connections.http.connection import HttpConnection
from netraven.connections.http.options import HttpOptions
from netraven.domain import HostStatus, JobOutcome
from netraven.engine import execute
from netraven.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    InputError,
    SessionLost,
    TlsFailed,
)
from netraven.lab.device import Device, seed_config
from netraven.lab.faults import Faults
from netraven.lab.https_api import ApiSite
from tests.inprocess.conftest import World

USER, PASSWORD, SECRET, TOKEN = "u", "pw-Secret-1", "en-Secret-2", "tok-Secret-3"


@dataclass
class ApiDevice:
    """A lab device behind MockTransport; ``script`` answers some requests first."""

    device: Device
    site: ApiSite
    requests: list[httpx.Request] = field(default_factory=list)
    script: list[Callable[[httpx.Request], httpx.Response | None]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            answer = self.script.pop(0)(request)
            if answer is not None:
                return answer
        reply = self.site.handle(
            request.method,
            str(request.url.raw_path.decode()),
            {k.lower(): v for k, v in request.headers.items()},
            request.content,
        )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.requests]


def api_device(name: str = "r1") -> ApiDevice:
    device = Device(name, SECRET, "FOC1", seed_config(name, "$1$x$y", "public"))
    site = ApiSite(device, USER, PASSWORD, Faults, lambda *a: None)
    return ApiDevice(device, site)


def registry(devices: dict[str, ApiDevice]) -> ConnectionRegistry:
    reg = ConnectionRegistry()

    def factory(params: HostParams) -> HttpConnection:
        return HttpConnection(params, httpx.MockTransport(devices[params.name].handler))

    reg.register("http", factory, {"*"}, transports=frozenset({"https", "http"}))
    return reg


def run(
    world: World, playbook: str, devices: dict[str, ApiDevice], data: dict[str, Any], **opts: Any
) -> JobOutcome:
    hosts = {
        name: {
            "hostname": "127.0.0.1",
            "port": 8443,
            "platform": "cisco_ios",
            "data": {"transport": "https", "enable_secret": SECRET, **data},
        }
        for name in devices
    }
    spec = world.spec(playbook, hosts, **opts)
    return asyncio.run(execute(spec, store=world.store, connections=registry(devices)))


def client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> HttpClient:
    opts = HttpOptions(backoff=0, **options)
    return HttpClient("127.0.0.1", 443, USER, PASSWORD, 5, opts, httpx.MockTransport(handler))


def counting(statuses: list[int]) -> tuple[list[str], Callable[[httpx.Request], httpx.Response]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(statuses[min(len(seen), len(statuses)) - 1])

    return seen, handler


def test_5xx_is_retried_and_4xx_is_not() -> None:
    seen, handler = counting([503, 502, 200])
    reply = asyncio.run(client(handler, retries=2).send("GET", "/x"))
    assert (reply.status, reply.attempts, len(seen)) == (200, 3, 3)
    seen, handler = counting([404, 200])
    reply = asyncio.run(client(handler, retries=2).send("GET", "/x"))
    assert (reply.status, len(seen)) == (404, 1)
    seen, handler = counting([500, 500, 500, 500])
    reply = asyncio.run(client(handler, retries=2).send("PUT", "/x"))
    assert (reply.status, len(seen)) == (500, 3)  # out of attempts: the last answer stands


def test_a_post_is_retried_only_when_the_server_says_it_did_not_take_it() -> None:
    seen, handler = counting([500, 200])
    assert asyncio.run(client(handler, retries=3).send("POST", "/x")).status == 500
    assert len(seen) == 1
    seen, handler = counting([503, 200])
    assert asyncio.run(client(handler, retries=3).send("POST", "/x")).status == 200
    assert len(seen) == 2


def test_connection_errors_are_retried_then_mapped_with_their_cause() -> None:
    calls: list[int] = []

    def refused(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(ConnectionFailed, match="cannot connect: .*refused") as caught:
        asyncio.run(client(refused, retries=2).send("GET", "/x"))
    assert len(calls) == 3 and isinstance(caught.value.__cause__, httpx.ConnectError)

    def reset(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadError("connection reset", request=request)

    calls.clear()
    with pytest.raises(SessionLost):
        asyncio.run(client(reset, retries=2).send("POST", "/x"))
    assert len(calls) == 1  # a POST that may have been received is not sent again


def test_tls_and_auth_failures_are_never_retried() -> None:
    calls: list[int] = []

    def untrusted(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
        raise httpx.ConnectError("certificate verify failed", request=request) from cause

    with pytest.raises(TlsFailed, match="TLS certificate not trusted"):
        asyncio.run(client(untrusted, retries=3).send("GET", "/x"))
    seen, handler = counting([401])
    with pytest.raises(AuthenticationFailed, match="HTTP 401"):
        asyncio.run(client(handler, retries=3).send("GET", "/x"))
    assert len(calls) == 1 and len(seen) == 1


def test_basic_auth_or_bearer_token() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200)

    asyncio.run(client(handler).send("GET", "/x"))
    asyncio.run(client(handler, token=TOKEN).send("GET", "/x"))
    assert seen[0].startswith("Basic ") and seen[1] == f"Bearer {TOKEN}"


RESTCONF_TASKS = """
- hosts: all
  tasks:
    - backup:
    - restconf_config:
        path: Cisco-IOS-XE-native:native
        content:
          Cisco-IOS-XE-native:native:
            interface:
              GigabitEthernet: [{name: 1/0/4, description: "{{ inventory_hostname }} core"}]
    - rest: {method: PUT, path: /restconf/data/Cisco-IOS-XE-native:native/hostname,
             body: {"Cisco-IOS-XE-native:hostname": "renamed"}, status_code: [204]}
"""


def test_check_mode_sends_only_gets_and_shows_the_diff(world: World) -> None:
    devices = {"r1": api_device()}
    before = devices["r1"].device.render()
    outcome = run(world, RESTCONF_TASKS, devices, {"api": "restconf"}, check=True)
    assert outcome.exit_code == 0
    assert set(devices["r1"].methods) == {"GET"}
    assert devices["r1"].device.render() == before
    backup, config, put = outcome.tasks
    assert config.changed and '+          "description": "r1 core",' in (config.diff or "")
    assert put.skipped and "PUT" in (put.output or "")


def test_restconf_config_is_idempotent_and_patches_only_the_difference(world: World) -> None:
    devices = {"r1": api_device()}
    first = run(world, RESTCONF_TASKS, devices, {"api": "restconf"})
    assert first.exit_code == 0, [t.error for t in first.tasks]
    patches = [r for r in devices["r1"].requests if r.method == "PATCH"]
    assert len(patches) == 1
    assert patches[0].content == (
        b'{"Cisco-IOS-XE-native:native": {"interface": {"GigabitEthernet": '
        b'[{"name": "1/0/4", "description": "r1 core"}]}}}'
    )
    block = devices["r1"].device.find("interface GigabitEthernet1/0/4")
    assert block is not None and "description r1 core" in block.children
    devices["r1"].requests.clear()
    second = run(world, RESTCONF_TASKS.replace("renamed", "{{ inventory_hostname }}"), devices,
                 {"api": "restconf"})  # fmt: skip
    assert not second.tasks[1].changed
    assert "PATCH" not in devices["r1"].methods


def test_secrets_are_redacted_in_stored_results(world: World, tmp_path: Any) -> None:
    devices = {"r1": api_device()}

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"seen": {"authorization": request.headers["authorization"]}, "token": TOKEN},
        )

    devices["r1"].site.token = TOKEN
    devices["r1"].script = [lambda r: None, echo]  # open (enable) first, then the rest: task
    playbook = """
    - hosts: all
      tasks:
        - rest: {path: /echo}
          register: r
        - assert: {that: "r.json.token == api_token"}
    """
    outcome = run(world, playbook, devices, {"api": "eapi", "api_token": TOKEN})
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    assert devices["r1"].requests[1].headers["authorization"] == f"Bearer {TOKEN}"
    shown = outcome.tasks[0].output or ""
    assert TOKEN not in shown and '"authorization": "********"' in shown
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))  # with the WAL
    assert b"GET /echo: HTTP 200" in raw  # the result is in what was read
    assert TOKEN.encode() not in raw and b"Bearer tok" not in raw


def test_eapi_commands_and_config_through_the_cli_session(world: World) -> None:
    devices = {"r1": api_device()}
    playbook = """
    - hosts: all
      tasks:
        - command: show version
        - config: {lines: ["ntp server 192.0.2.77"], save_when: modified}
    """
    outcome = run(world, playbook, devices, {"api": "eapi"})
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    assert "FOC1" in (outcome.tasks[0].output or "")
    device = devices["r1"].device
    assert device.find("ntp server 192.0.2.77") is not None
    assert any(b.line == "ntp server 192.0.2.77" for b in device.startup)  # write memory ran
    assert set(devices["r1"].methods) == {"POST"}


def test_a_wrong_password_fails_the_host_as_an_auth_failure(world: World) -> None:
    devices = {"r1": api_device()}
    devices["r1"].site.password = "something-else"
    outcome = run(world, "- hosts: all\n  tasks:\n    - command: show clock\n", devices, {})
    (host,) = outcome.hosts
    assert host.status in (HostStatus.UNREACHABLE, HostStatus.FAILED)
    assert "HTTP 401" in (host.error or outcome.tasks[0].error or "")
    assert len(devices["r1"].requests) == 1


def test_http_tasks_on_cli_hosts_and_cli_tasks_on_restconf_hosts_are_input_errors(
    world: World,
) -> None:
    world.network.device("r1")
    with pytest.raises(
        InputError, match="task 'rest: GET /x' needs an HTTP API, but host r1 is reached"
    ):
        world.run("- hosts: r1\n  tasks:\n    - rest: {path: /x}\n")
    devices = {"r1": api_device()}
    with pytest.raises(InputError, match="host r1 speaks RESTCONF .*which has no CLI"):
        run(
            world,
            "- hosts: all\n  tasks:\n    - command: show clock\n",
            devices,
            {"api": "restconf"},
        )
    assert devices["r1"].requests == []  # refused before any device was contacted


def test_a_refused_login_moves_to_the_next_credential_set(world: World) -> None:
    from netraven.store import queries

    directory = world.root / "inventory"
    directory.mkdir(exist_ok=True)
    (directory / "credentials.yaml").write_text(
        "breakglass:\n  username: local\n  password: bg-Pw-88\n  priority: 10\n"
    )
    devices = {"r1": api_device()}
    devices["r1"].site.username, devices["r1"].site.password = "local", "bg-Pw-88"
    outcome = run(world, "- hosts: all\n  tasks:\n    - command: show clock\n", devices, {})
    assert outcome.exit_code == 0, [h.error for h in outcome.hosts]
    users = [
        base64.b64decode(r.headers["authorization"].split()[1]).decode().split(":")[0]
        for r in devices["r1"].requests
    ]
    assert users == ["u", "local", "local"]  # refused login, accepted login, the command
    stored = {h.host: h.credential for h in queries.host_results(world.store, outcome.job_id)}
    assert stored == {"r1": "breakglass"}


def test_eapi_under_check_sends_read_only_commands_and_no_configuration(world: World) -> None:
    devices = {"r1": api_device()}
    before = devices["r1"].device.render()
    playbook = """
    - hosts: all
      tasks:
        - backup:
        - config: {lines: ["ntp server 192.0.2.88"]}
        - command: write memory
    """
    outcome = run(world, playbook, devices, {"api": "eapi"}, check=True)
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    backup, config, write = outcome.tasks
    assert config.changed and "ntp server 192.0.2.88" in (config.output or "")
    assert write.skipped
    assert devices["r1"].device.render() == before
    sent = b"".join(r.content for r in devices["r1"].requests)
    assert b"show running-config" in sent
    assert b"configure" not in sent and b"ntp server" not in sent and b"write" not in sent


def test_a_body_from_a_template_file_is_sent_as_json(world: World) -> None:
    (world.root / "templates").mkdir()
    (world.root / "templates" / "vlan.json.j2").write_text(
        '{"Cisco-IOS-XE-vlan:vlan-list": [{"id": {{ vid }}, "name": "{{ inventory_hostname }}"}]}'
    )
    devices = {"r1": api_device()}
    playbook = """
    - hosts: all
      vars: {vid: 77}
      tasks:
        - rest:
            method: POST
            path: /restconf/data/Cisco-IOS-XE-native:native/vlan
            headers: {Content-Type: application/yang-data+json}
            body: "{{ lookup('template', 'vlan.json.j2') }}"
            status_code: 201
    """
    outcome = run(world, playbook, devices, {"api": "restconf"})
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    posted = [r for r in devices["r1"].requests if r.method == "POST"]
    assert posted[0].content == b'{"Cisco-IOS-XE-vlan:vlan-list": [{"id": 77, "name": "r1"}]}'
    block = devices["r1"].device.find("vlan 77")
    assert block is not None and block.children == ["name r1"]
