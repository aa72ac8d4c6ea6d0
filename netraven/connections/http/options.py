"""The inventory keys of a host reached over HTTP(S): which API, TLS, auth, retries.

Keys (host → groups → defaults, the host winning, like the rest of ``data``):

- ``transport: https`` (or ``http``): reach the device through its API, not a CLI channel.
- ``api: eapi | restconf``: what ``command:``, ``config:`` and ``backup:`` mean on it.
- ``base_path``: a prefix before every path (a device behind a reverse proxy); default none.
- ``tls.verify`` (default true) and ``tls.ca_bundle`` (a PEM file of CAs to trust instead of
  the system store). ``verify: false`` must be written out; the run warns once per host.
- ``api_token``: sent as ``Authorization: Bearer``; without one, basic auth from the host's
  username/password (or the credential set being tried).
- ``http.retries`` (default 2), ``http.backoff`` (seconds, default 0.5, doubling, capped
  at 8): how often a 5xx answer or a connection error is tried again. 4xx never is.
- ``restconf.backup_paths``: the data resources a RESTCONF backup stores (default the
  whole ``Cisco-IOS-XE-native:native`` tree).

The timeout is the host's ``timeout`` (seconds, default 30), per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nornir.core.inventory import Host

from netraven.errors import InputError

__all__ = ["APIS", "HTTP_TRANSPORTS", "READ_METHODS", "HttpOptions"]

HTTP_TRANSPORTS = ("https", "http")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # all --check lets through
APIS = ("eapi", "restconf")
DEFAULT_BACKUP_PATHS = ("Cisco-IOS-XE-native:native",)
MAX_RETRIES = 10


@dataclass(frozen=True)
class HttpOptions:
    """What an HTTP connection needs beyond address and credentials."""

    scheme: str = "https"
    api: str = "eapi"
    base_path: str = ""
    verify: bool = True
    ca_bundle: Path | None = None
    token: str | None = field(default=None, repr=False)
    retries: int = 2
    backoff: float = 0.5
    backup_paths: tuple[str, ...] = DEFAULT_BACKUP_PATHS

    @classmethod
    def from_host(cls, host: Host, scheme: str) -> HttpOptions:
        """Read and check the keys; a wrong one is an InputError naming host and key."""
        name = host.name
        api = host.get("api", "eapi")
        if api not in APIS:
            raise InputError(f"host {name}: data.api '{api}' is not one of {', '.join(APIS)}")
        tls = _mapping(host, "tls")
        _known(name, "tls", tls, ("verify", "ca_bundle"))
        verify = tls.get("verify", True)
        if not isinstance(verify, bool):
            raise InputError(f"host {name}: data.tls.verify must be true or false")
        ca_bundle = tls.get("ca_bundle")
        ca_path: Path | None = None
        if ca_bundle is not None:
            ca_path = Path(str(ca_bundle)).expanduser()
            if not ca_path.is_file():
                raise InputError(f"host {name}: data.tls.ca_bundle: no such file: {ca_path}")
        http = _mapping(host, "http")
        _known(name, "http", http, ("retries", "backoff"))
        retries = _number(name, "http.retries", http.get("retries", 2), 0, MAX_RETRIES, int)
        backoff = _number(name, "http.backoff", http.get("backoff", 0.5), 0, 60, float)
        restconf = _mapping(host, "restconf")
        _known(name, "restconf", restconf, ("backup_paths",))
        paths = restconf.get("backup_paths", list(DEFAULT_BACKUP_PATHS))
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise InputError(f"host {name}: data.restconf.backup_paths must be a list of paths")
        token = host.get("api_token", None)
        if token is not None and not isinstance(token, str):
            raise InputError(f"host {name}: data.api_token must be a string")
        base = host.get("base_path", "") or ""
        if not isinstance(base, str) or (base and not base.startswith("/")):
            raise InputError(f"host {name}: data.base_path must start with '/'")
        return cls(
            scheme=scheme,
            api=api,
            base_path=base.rstrip("/"),
            verify=verify,
            ca_bundle=ca_path,
            token=token or None,
            retries=int(retries),
            backoff=float(backoff),
            backup_paths=tuple(p.strip("/") for p in paths),
        )


def _mapping(host: Host, key: str) -> dict[str, Any]:
    value = host.get(key, None) or {}
    if not isinstance(value, dict):
        raise InputError(f"host {host.name}: data.{key} must be a mapping")
    return value


def _known(name: str, key: str, value: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InputError(
            f"host {name}: data.{key}.{unknown[0]} is not a key (known: {', '.join(allowed)})"
        )


def _number(name: str, key: str, value: Any, low: float, high: float, kind: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"host {name}: data.{key} must be a number")
    if kind is int and not isinstance(value, int):
        raise InputError(f"host {name}: data.{key} must be a whole number")
    if not low <= value <= high:
        raise InputError(f"host {name}: data.{key} must be {low:g} … {high:g}")
    return float(value)
