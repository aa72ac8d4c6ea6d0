"""ansible.utils' address filters (``ipaddr`` and family) on netaddr, for network playbooks.

Semantics follow the ansible.utils documentation ("Using the ipaddr filter" and each
filter's page): a query that does not hold gives ``False`` instead of raising, so filters
chain; a list is filtered, keeping only the items the query holds for; an unknown query
name is an error. Arithmetic filters (``ipmath``, ``network_in_usable``, ...) raise on
input that is not an address, as Ansible's do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import netaddr

_Filter = Callable[..., Any]

_INTEGER = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class _Addr:
    """One parsed value: the network (``ip`` keeps the host part) and whether a prefix was
    written, since ``ipaddr`` gives back ``192.0.2.1`` for ``192.0.2.1``, not ``/32``."""

    net: Any  # netaddr.IPNetwork
    has_prefix: bool

    @property
    def ip(self) -> Any:
        return self.net.ip

    @property
    def size(self) -> int:
        return int(self.net.size)

    def canonical(self) -> str:
        return str(self.net) if self.has_prefix else str(self.net.ip)

    def with_prefix(self, ip: Any) -> str:
        return f"{ip}/{self.net.prefixlen}"


def _parse(value: Any) -> _Addr | None:
    """An address or network from a string, an integer or a netaddr object; else None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, netaddr.IPNetwork):
            return _Addr(value, True)
        if isinstance(value, (int, netaddr.IPAddress)):
            return _Addr(netaddr.IPNetwork(netaddr.IPAddress(value)), False)
        if not isinstance(value, str):
            return None
        text = value.strip()
        host, slash, prefix = text.partition("/")
        if not host or (slash and not prefix):
            return None
        ip = netaddr.IPAddress(int(host)) if _INTEGER.match(host) else netaddr.IPAddress(host)
        if not slash:
            return _Addr(netaddr.IPNetwork(ip), False)
        return _Addr(netaddr.IPNetwork(f"{ip}/{prefix}"), True)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def _is_many(value: Any) -> bool:
    """A list, tuple or generator (``| unique`` and ``| select`` give generators)."""
    return isinstance(value, Iterable) and not isinstance(
        value, (str, bytes, Mapping, netaddr.IPNetwork)
    )


def _first_usable(a: _Addr) -> Any:
    net = a.net
    return net.network + 1 if net.version == 4 and net.size > 2 else net.network


def _last_usable(a: _Addr) -> Any:
    net = a.net
    last = netaddr.IPAddress(net.last, net.version)
    return last - 1 if net.version == 4 and net.size > 2 else last


def _needs_network(a: _Addr, query: str) -> None:
    if not a.has_prefix:
        raise ValueError(f"query '{query}' needs a network, {a.canonical()} is a single address")


def _is_network_address(a: _Addr) -> bool:
    """The network's own address (not a host in it); IPv4 broadcast counts too."""
    net = a.net
    if a.size <= 1:
        return False
    if net.ip == net.network:
        return True
    return net.version == 4 and a.size > 2 and net.ip == net.broadcast


_PRIVATE = [
    netaddr.IPNetwork(n)
    for n in (
        "10.0.0.0/8",
        "100.64.0.0/10",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
    )
]


def _private(a: _Addr) -> bool:
    cidr = a.net.cidr
    return any(cidr.version == p.version and cidr in p for p in _PRIVATE)


def _public(a: _Addr) -> bool:
    ip = a.ip
    return bool(ip.is_unicast()) and not ip.is_loopback() and int(ip) != 0 and not _private(a)


def _address(a: _Addr) -> Any:
    if a.size == 1 or a.net.version == 6 or not _is_network_address(a):
        return str(a.ip)
    return False


def _host(a: _Addr) -> Any:
    if a.size == 1:
        return str(a.net)
    return False if a.ip == a.net.network else a.with_prefix(a.ip)


def _host_prefix(a: _Addr) -> Any:
    return False if a.size == 1 or _is_network_address(a) else a.with_prefix(a.ip)


def _net(a: _Addr) -> Any:
    return str(a.net.cidr) if a.size > 1 and a.ip == a.net.network else False


def _broadcast(a: _Addr) -> Any:
    return str(a.net.broadcast) if a.size > 2 and a.net.broadcast is not None else False


def _first_usable_q(a: _Addr) -> Any:
    _needs_network(a, "first_usable")
    return str(_first_usable(a))


def _last_usable_q(a: _Addr) -> Any:
    _needs_network(a, "last_usable")
    return str(_last_usable(a))


def _next_usable(a: _Addr) -> Any:
    _needs_network(a, "next_usable")
    nxt = a.ip + 1 if a.ip < _last_usable(a) else None
    return str(nxt) if nxt is not None and nxt >= _first_usable(a) else False


def _previous_usable(a: _Addr) -> Any:
    _needs_network(a, "previous_usable")
    prev = a.ip - 1 if a.ip > _first_usable(a) else None
    return str(prev) if prev is not None and prev <= _last_usable(a) else False


def _range_usable(a: _Addr) -> Any:
    _needs_network(a, "range_usable")
    return f"{_first_usable(a)}-{_last_usable(a)}"


def _peer(a: _Addr) -> Any:
    net = a.net
    if a.size == 2:
        return str(net.network + 1 if a.ip == net.network else net.network)
    if net.version == 4 and a.size == 4 and a.ip in (net.network + 1, net.network + 2):
        return str(net.network + 2 if a.ip == net.network + 1 else net.network + 1)
    raise ValueError(f"query 'peer' needs a point-to-point /31 or /30 host, not {a.canonical()}")


def _to_ipv4(a: _Addr) -> Any:
    if a.net.version == 4:
        return str(a.net)
    try:
        return str(a.net.ipv4())
    except netaddr.AddrConversionError:
        return False


def _to_ipv6(a: _Addr) -> Any:
    if a.net.version == 6:
        return str(a.net)
    return str(a.net.ipv6(ipv4_compatible=False))


def _int(a: _Addr) -> Any:
    return int(a.ip) if not a.has_prefix else f"{int(a.ip)}/{a.net.prefixlen}"


def _keep_if(test: Callable[[_Addr], bool]) -> Callable[[_Addr], Any]:
    return lambda a: a.canonical() if test(a) else False


_QUERIES: dict[str, Callable[[_Addr], Any]] = {
    "address": _address,
    "ip": _address,
    "host": _host,
    "host/prefix": _host_prefix,
    "address/prefix": _host_prefix,
    "ip/prefix": _host_prefix,
    "network": lambda a: str(a.net.network),
    "network_id": lambda a: str(a.net.network),
    "network/prefix": lambda a: str(a.net.cidr),
    "subnet": lambda a: str(a.net.cidr),
    "net": _net,
    "cidr": lambda a: str(a.net),
    "netmask": lambda a: str(a.net.netmask),
    "hostmask": lambda a: str(a.net.hostmask),
    "wildcard": lambda a: str(a.net.hostmask),
    "prefix": lambda a: int(a.net.prefixlen),
    "broadcast": _broadcast,
    "size": lambda a: a.size,
    "first_usable": _first_usable_q,
    "last_usable": _last_usable_q,
    "next_usable": _next_usable,
    "previous_usable": _previous_usable,
    "range_usable": _range_usable,
    "peer": _peer,
    "public": _keep_if(_public),
    "private": _keep_if(_private),
    "loopback": _keep_if(lambda a: bool(a.ip.is_loopback())),
    "lo": _keep_if(lambda a: bool(a.ip.is_loopback())),
    "link-local": _keep_if(lambda a: bool(a.ip.is_link_local())),
    "multicast": _keep_if(lambda a: bool(a.ip.is_multicast())),
    "unicast": _keep_if(lambda a: bool(a.ip.is_unicast())),
    "ipv4": _to_ipv4,
    "ipv6": _to_ipv6,
    "int": _int,
    "revdns": lambda a: str(a.ip.reverse_dns),
    "version": lambda a: int(a.net.version),
    "type": lambda a: "network" if a.has_prefix and a.size > 1 else "address",
    "bool": lambda a: True,
    "wrap": lambda a: _wrap(a),
}


def _index(a: _Addr, index: int) -> Any:
    net = a.net
    if not -a.size <= index < a.size:
        return False
    ip = netaddr.IPAddress(net.first + index if index >= 0 else net.last + index + 1, net.version)
    return a.with_prefix(ip)


def _in_range(a: _Addr, query: str) -> Any:
    scope = _parse(query)
    if scope is None:
        raise ValueError(f"unknown query {query!r}")
    if a.net.version != scope.net.version:
        return False
    return a.canonical() if a.net.cidr in scope.net.cidr else False


def _one(value: Any, query: Any, version: int | None) -> Any:
    addr = _parse(value)
    if addr is None or (version is not None and addr.net.version != version):
        return False
    if query is None or query == "":
        return addr.canonical()
    if isinstance(query, int) and not isinstance(query, bool):
        return _index(addr, query)
    text = str(query)
    if _INTEGER.match(text):
        return _index(addr, int(text))
    handler = _QUERIES.get(text)
    if handler is not None:
        return handler(addr)
    if "/" in text or ":" in text or "." in text:
        return _in_range(addr, text)
    raise ValueError(f"unknown query {text!r}")


def ipaddr(value: Any, query: Any = "", version: int | None = None) -> Any:
    """The value if ``query`` holds for it (or what ``query`` extracts), else False.

    A list gives the list of results for the items the query holds for.
    """
    if _is_many(value):
        results = (_one(item, query, version) for item in value)
        return [r for r in results if r is not False and r is not None]
    result = _one(value, query, version)
    return False if result is None else result


def ipv4(value: Any, query: Any = "") -> Any:
    return ipaddr(value, query, version=4)


def ipv6(value: Any, query: Any = "") -> Any:
    return ipaddr(value, query, version=6)


def _wrap(a: _Addr) -> str:
    if a.net.version != 6:
        return a.canonical()
    return f"[{a.ip}]/{a.net.prefixlen}" if a.has_prefix else f"[{a.ip}]"


def ipwrap(value: Any, query: Any = "") -> Any:
    """IPv6 addresses in ``[ ]``; anything that is not an address is left as it is."""

    def one(item: Any) -> Any:
        picked = ipaddr(item, query) if query else item
        if picked is False:
            return False
        addr = _parse(picked)
        return _wrap(addr) if addr is not None else picked

    if _is_many(value):
        return [r for r in (one(item) for item in value) if r is not False]
    return one(value)


def _require(value: Any, what: str = "a valid IP address or network") -> _Addr:
    addr = _parse(value)
    if addr is None:
        raise ValueError(f"{value!r} is not {what}")
    return addr


def _int_arg(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer, got {value!r}") from None


def ipmath(value: Any, amount: Any) -> str:
    addr = _require(value, "a valid IP address")
    try:
        return str(addr.ip + _int_arg(amount, "amount"))
    except IndexError:
        raise ValueError(f"{addr.ip} + {amount} is outside the address space") from None


def nthhost(value: Any, query: Any = "") -> Any:
    addr = _parse(value)
    if addr is None or query == "":
        return False
    index = _int_arg(query, "index")
    if not -addr.size <= index < addr.size:
        return False
    return str(addr.net[index])


def network_in_usable(value: Any, test: Any) -> bool:
    network = _require(value, "a valid network")
    candidate = _require(test)
    if candidate.net.version != network.net.version:
        return False
    first, last = _first_usable(network), _last_usable(network)
    return bool(first <= candidate.ip <= last)


def network_in_network(value: Any, test: Any) -> bool:
    network = _require(value, "a valid network")
    candidate = _require(test)
    if candidate.net.version != network.net.version:
        return False
    inner = candidate.net.cidr if candidate.has_prefix else candidate.net
    return bool(inner in network.net.cidr)


def ipsubnet(value: Any, query: Any = "", index: Any = None) -> Any:
    """Subnet arithmetic, as ansible.utils' ``ipsubnet``.

    No query: the value as a subnet. A prefix length: how many such subnets the network
    holds, or (with ``index``) the index-th of them; for a single address, the subnet of
    that size holding it, or (with ``index``) the index-th of its supernets from that size
    down to /31 (/127). Another subnet: the 1-based rank of the value inside it.
    """
    addr = _parse(value)
    if addr is None:
        return False
    net = addr.net
    if query == "" or query is None:
        return str(net) if addr.has_prefix else f"{net.ip}/{net.prefixlen}"
    text = str(query)
    if _INTEGER.match(text):
        size = int(text)
        width = 32 if net.version == 4 else 128
        if not 0 <= size <= width:
            return False
        if not addr.has_prefix or net.prefixlen == width:
            return _supernet(net, size, width, index)
        if size <= net.prefixlen:
            return False
        if index is None:
            return 2 ** (size - net.prefixlen)
        nth = _int_arg(index, "index")
        count = 2 ** (size - net.prefixlen)
        if not -count <= nth < count:
            return False
        nth %= count
        first = netaddr.IPAddress(net.first + nth * 2 ** (width - size), net.version)
        return f"{first}/{size}"
    scope = _require(text, "a valid subnet")
    inner = net.cidr if addr.has_prefix else net
    if inner.version != scope.net.version or inner not in scope.net.cidr:
        raise ValueError(f"{addr.canonical()} is not in the subnet {text}")
    return ((inner.first - scope.net.cidr.first) >> _bits(inner)) + 1


def _bits(net: Any) -> int:
    width = 32 if net.version == 4 else 128
    return int(width - net.prefixlen)


def _supernet(net: Any, size: int, width: int, index: Any) -> Any:
    if index is None:
        return str(netaddr.IPNetwork(f"{net.ip}/{size}").cidr)
    chain = [str(netaddr.IPNetwork(f"{net.ip}/{p}").cidr) for p in range(size, width)]
    nth = _int_arg(index, "index")
    if not -len(chain) <= nth < len(chain):
        return False
    return chain[nth]


def cidr_merge(value: Any, action: str = "merge") -> Any:
    if not _is_many(value):
        raise TypeError("cidr_merge needs a list of addresses or networks")
    nets = [_require(item).net for item in value]
    if action == "merge":
        return [str(n) for n in netaddr.cidr_merge(nets)]
    if action == "span":
        if not nets:
            return None
        if len(nets) == 1:
            return str(nets[0].cidr)
        return str(netaddr.spanning_cidr(nets))
    raise ValueError(f"action must be 'merge' or 'span', not {action!r}")


_MAC_FORMATS: dict[str, Any] = {
    "bare": netaddr.mac_bare,
    "cisco": netaddr.mac_cisco,
    "eui48": netaddr.mac_eui48,
    "win": netaddr.mac_eui48,
    "linux": netaddr.mac_unix_expanded,
    "unix": netaddr.mac_unix_expanded,
    "pgsql": netaddr.mac_pgsql,
    "postgresql": netaddr.mac_pgsql,
    "psql": netaddr.mac_pgsql,
}


def hwaddr(value: Any, query: Any = "") -> Any:
    """A MAC address in the format ``query`` names (cisco, linux, bare, ...), else False."""
    if not isinstance(value, str):
        return False
    try:
        mac = netaddr.EUI(value.strip())
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return False
    if mac.version != 48:
        return False
    if query in ("", None):
        return value
    if query == "bool":
        return True
    if query == "int":
        return int(mac)
    dialect = _MAC_FORMATS.get(str(query))
    if dialect is None:
        raise ValueError(f"unknown MAC address format {query!r}")
    mac.dialect = dialect
    return str(mac)


def network_filters() -> dict[str, _Filter]:
    """The address filters by name (unwrapped; the caller adds error naming)."""
    return {
        "ipaddr": ipaddr,
        "ipv4": ipv4,
        "ipv6": ipv6,
        "ipwrap": ipwrap,
        "ipsubnet": ipsubnet,
        "ipmath": ipmath,
        "nthhost": nthhost,
        "network_in_usable": network_in_usable,
        "network_in_network": network_in_network,
        "cidr_merge": cidr_merge,
        "hwaddr": hwaddr,
        "macaddr": hwaddr,
    }
