"""The lab's HTTPS API logic without sockets: eAPI answers and RESTCONF statuses, on the
same device state the CLI renders."""

from __future__ import annotations

import base64
import json
from typing import Any

from netraven.lab.device import Device, seed_config
from netraven.lab.faults import Faults
from netraven.lab.https_api import ApiSite, Reply

AUTH = {"authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}
NATIVE = "/restconf/data/Cisco-IOS-XE-native:native"
YANG = {**AUTH, "content-type": "application/yang-data+json"}


def site() -> ApiSite:
    device = Device("sw1", "en", "FOC1", seed_config("sw1", "$1$x$y", "public"))
    return ApiSite(device, "admin", "pw", Faults, lambda *a: None)


def eapi(s: ApiSite, cmds: list[Any], fmt: str = "text") -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "method": "runCmds",
        "id": 3,
        "params": {"version": 1, "cmds": cmds, "format": fmt},
    }
    reply = s.handle("POST", "/command-api", AUTH, json.dumps(body).encode())
    assert reply.status == 200
    answer: dict[str, Any] = json.loads(reply.body)
    return answer


def rc(s: ApiSite, method: str, path: str, body: Any = None) -> Reply:
    data = json.dumps(body).encode() if body is not None else b""
    return s.handle(method, NATIVE + path, YANG, data)


def test_wrong_credentials_get_401() -> None:
    bad = {"authorization": "Basic " + base64.b64encode(b"admin:nope").decode()}
    assert site().handle("GET", "/restconf", bad, b"").status == 401
    assert site().handle("GET", "/restconf", {}, b"").status == 401


def test_eapi_text_results_and_a_failing_command_like_real_eapi() -> None:
    s = site()
    ok = eapi(s, ["enable", "show running-config | include hostname"])
    assert ok["result"] == [{"output": ""}, {"output": "hostname sw1\n"}]
    failed = eapi(
        s, ["enable", "configure", "ntp server 192.0.2.1", "end", "show bogus", "show clock"]
    )
    error = failed["error"]
    assert error["code"] == 1002
    assert error["message"] == "CLI command 5 of 6 'show bogus' failed: invalid command"
    assert len(error["data"]) == 5 and error["data"][4]["errors"]  # the 6th never ran
    assert s.device.find("ntp server 192.0.2.1") is not None  # ran before the failure


def test_eapi_json_format_and_enable_secret() -> None:
    s = site()
    assert eapi(s, ["enable", "show version"], "json")["result"][1]["serialNumber"] == "FOC1"
    assert eapi(s, ["enable", "show clock"], "json")["error"]["code"] == 1003
    denied = eapi(s, [{"cmd": "enable", "input": "wrong"}, "show clock"])
    assert denied["error"]["code"] == 1002 and denied["error"]["data"][0]["errors"] == [
        "Bad secret"
    ]
    assert "result" in eapi(s, [{"cmd": "enable", "input": "en"}, "show clock"])


def test_restconf_reads_the_running_config() -> None:
    s = site()
    reply = rc(s, "GET", "/interface/GigabitEthernet=1%2F0%2F3")
    assert reply.status == 200
    assert json.loads(reply.body) == {
        "Cisco-IOS-XE-native:GigabitEthernet": [{"name": "1/0/3", "description": "access port 3"}]
    }
    vlans = json.loads(rc(s, "GET", "/vlan").body)["Cisco-IOS-XE-native:vlan"]
    assert vlans["Cisco-IOS-XE-vlan:vlan-list"][0] == {"id": 10, "name": "USERS"}
    missing = rc(s, "GET", "/interface/GigabitEthernet=9%2F9")
    assert missing.status == 404
    assert (
        json.loads(missing.body)["ietf-restconf:errors"]["error"][0]["error-tag"] == "invalid-value"
    )


def test_restconf_writes_go_through_the_cli_with_rfc8040_statuses() -> None:
    s = site()
    entry = {"Cisco-IOS-XE-vlan:vlan-list": [{"id": 30, "name": "CAMS"}]}
    assert rc(s, "POST", "/vlan", entry).status == 201
    assert rc(s, "POST", "/vlan", entry).status == 409
    assert s.device.find("vlan 30") is not None and s.device.find("vlan 30").children == [
        "name CAMS"
    ]  # type: ignore[union-attr]
    path = "/interface/GigabitEthernet=1%2F0%2F2"
    patch = {"Cisco-IOS-XE-native:GigabitEthernet": [{"name": "1/0/2", "shutdown": [None]}]}
    assert rc(s, "PATCH", path, patch).status == 204
    assert "shutdown" in s.device.find("interface GigabitEthernet1/0/2").children  # type: ignore[union-attr]
    assert rc(s, "DELETE", path + "/shutdown").status == 204
    assert "shutdown" not in s.device.find("interface GigabitEthernet1/0/2").children  # type: ignore[union-attr]
    assert rc(s, "PUT", "/hostname", {"Cisco-IOS-XE-native:hostname": "core1"}).status == 204
    assert s.device.hostname == "core1"
    loop = {"Cisco-IOS-XE-native:Loopback": [{"name": 7, "description": "mgmt"}]}
    assert rc(s, "PUT", "/interface/Loopback=7", loop).status == 201
    assert s.device.find("interface Loopback7") is not None
    assert rc(s, "PATCH", "/interface/Loopback=8", loop).status in (400, 404)
    bad = rc(s, "PATCH", "", {"Cisco-IOS-XE-native:native": {"frobnicate": 1}})
    assert bad.status == 400 and b"unknown element" in bad.body


def test_eapi_serves_every_lab_family_and_restconf_only_the_ios_like_ones() -> None:
    from netraven.lab import eos, junos

    arista = ApiSite(eos.new_device(7, "en", "public"), "admin", "pw", Faults, lambda *a: None)
    answer = eapi(arista, ["enable", "show running-config | include hostname"])
    assert answer["result"][1]["output"].strip() == "hostname eos-lab-7"
    assert arista.handle("GET", NATIVE + "/hostname", AUTH, b"").status == 200
    juniper = ApiSite(junos.new_device(9, "public"), "admin", "pw", Faults, lambda *a: None)
    assert juniper.handle("GET", "/.well-known/host-meta", AUTH, b"").status == 404
    shown = eapi(juniper, ["show configuration system host-name"])
    assert "junos-lab-9" in json.dumps(shown)
