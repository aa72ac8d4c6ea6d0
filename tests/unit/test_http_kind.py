"""Inventory keys of HTTP hosts, the registry's choice of kind, the check-mode guard, the lab CA."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml

from netraven.connections.base import HostParams, default_registry
from netraven.connections.guard import CheckModeGuard
from netraven.errors import CheckModeBlocked, InputError
from netraven.inventory import load_inventory
from netraven.lab.tls import lab_tls, server_context


def params(tmp_path: Path, data: dict[str, Any], **host: Any) -> HostParams:
    (tmp_path / "hosts.yaml").write_text(
        yaml.safe_dump(
            {"r1": {"hostname": "127.0.0.1", "platform": "arista_eos", "data": data, **host}}
        )
    )
    inventory, _ = load_inventory(tmp_path)
    return HostParams.from_host(inventory.hosts["r1"])


def test_defaults_and_the_kind_chosen_by_transport(tmp_path: Path) -> None:
    p = params(tmp_path, {"transport": "https"})
    assert p.port == 443 and p.http is not None
    assert (p.http.api, p.http.verify, p.http.ca_bundle, p.http.retries) == ("eapi", True, None, 2)
    assert default_registry().validate(p).name == "http"
    ssh = params(tmp_path, {})
    assert ssh.http is None and default_registry().validate(ssh).name == "scrapli"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"transport": "https", "api": "netconf"},
            "data.api 'netconf' is not one of eapi, restconf",
        ),
        ({"transport": "https", "tls": {"verify": "no"}}, "data.tls.verify must be true or false"),
        (
            {"transport": "https", "tls": {"ca_bundle": "/nope.pem"}},
            "data.tls.ca_bundle: no such file",
        ),
        ({"transport": "https", "tls": {"verfy": False}}, "data.tls.verfy is not a key"),
        ({"transport": "https", "http": {"retries": 99}}, "data.http.retries must be 0 … 10"),
        ({"transport": "https", "base_path": "api"}, "data.base_path must start with '/'"),
        ({"transport": "gopher"}, "data.transport 'gopher' is not a transport"),
    ],
)
def test_bad_keys_are_input_errors_naming_host_and_key(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=f"host r1: {message}"):
        params(tmp_path, data)


def test_a_cli_connection_cannot_be_asked_for_https(tmp_path: Path) -> None:
    p = params(tmp_path, {"transport": "https", "connection": "netmiko"})
    with pytest.raises(InputError, match="connection 'netmiko' does not speak it"):
        default_registry().validate(p, "netmiko")


class _Recorder:
    api_info = object()

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, method: str, path: str, **kw: Any) -> str:
        self.sent.append(method)
        return "reply"


def test_the_guard_lets_only_reads_through() -> None:
    inner = _Recorder()
    guard = CheckModeGuard(inner)  # type: ignore[arg-type]
    assert asyncio.run(guard.send("get", "/x")) == "reply"
    asyncio.run(guard.send("HEAD", "/x"))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with pytest.raises(CheckModeBlocked, match=f"{method} /x not sent"):
            asyncio.run(guard.send(method, "/x"))
    assert inner.sent == ["get", "HEAD"]


def test_the_lab_ca_signs_a_loopback_certificate(tmp_path: Path) -> None:
    files = lab_tls(tmp_path)
    assert oct(files.key.stat().st_mode & 0o777) == "0o600"
    assert lab_tls(tmp_path) == files and files.ca.read_bytes() == lab_tls(tmp_path).ca.read_bytes()
    client = ssl.create_default_context(cafile=str(files.ca))
    server = server_context(files)
    for name in ("127.0.0.1", "localhost"):
        a, b = ssl.MemoryBIO(), ssl.MemoryBIO()
        c, d = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls_client = client.wrap_bio(a, b, server_hostname=name)
        tls_server = server.wrap_bio(c, d, server_side=True)
        for _ in range(10):  # pump the handshake between the two ends
            for end in (tls_client, tls_server):
                with contextlib.suppress(ssl.SSLWantReadError):
                    end.do_handshake()
            c.write(b.read())
            a.write(d.read())
        assert tls_client.getpeercert()["subjectAltName"]  # type: ignore[index]
