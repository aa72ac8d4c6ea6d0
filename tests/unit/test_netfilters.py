"""ansible.utils' address filters, rendered as a playbook writes them.

Expected values come from ansible.utils' guide "Using the ipaddr filter"
(docs.ansible.com/ansible/latest/collections/ansible/utils/docsite/filters_ipaddr.html,
"IPADDR_DOC" below) and the per-filter pages (.../collections/ansible/utils/<name>_filter.html).
"""

from __future__ import annotations

from typing import Any

import pytest

from netraven.errors import TaskFailed
from netraven.playbook.templates import Templates
from tests.unit.conftest import render

TEST_LIST = [
    "192.24.2.1",
    "host.fqdn",
    "::1",
    "192.168.32.0/24",
    "fe80::100/10",
    True,
    "",
    "42540766412265424405338506004571095040/64",
]
HOST_PREFIX = ["2001:db8:deaf:be11::ef3/64", "192.0.2.48/24", "127.0.0.1", "192.168.0.0/16"]


def value(templates: Templates, expression: str, **variables: Any) -> Any:
    return templates.evaluate(expression, {"test_list": TEST_LIST, **variables})


# --- IPADDR_DOC "Basic tests" ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "ipaddr", "ipv4", "ipv6"),
    [
        ("192.168.0.1", "192.168.0.1", "192.168.0.1", False),
        ("192.168.32.0/24", "192.168.32.0/24", "192.168.32.0/24", False),
        ("fe80::100/10", "fe80::100/10", False, "fe80::100/10"),
        (45443646733, "::a:94a7:50d", False, "::a:94a7:50d"),
        ("523454/24", "0.7.252.190/24", "0.7.252.190/24", False),
        ("localhost", False, False, False),
        (True, False, False, False),
        ("space bar", False, False, False),
        (False, False, False, False),
        ("", False, False, False),
        (":", False, False, False),
        ("fe80:/10", False, False, False),
    ],
)
def test_basic_tests(templates: Templates, given: Any, ipaddr: Any, ipv4: Any, ipv6: Any) -> None:
    assert value(templates, "v | ipaddr", v=given) == ipaddr
    assert value(templates, "v | ipv4", v=given) == ipv4
    assert value(templates, "v | ipv6", v=given) == ipv6


def test_invalid_renders_false(templates: Templates) -> None:
    assert render(templates, "{{ 'localhost' | ipaddr }}") == "False"
    assert render(templates, "{{ 'x' | ipaddr('network') }}") == "False"


# --- IPADDR_DOC "Filtering lists" and "Wrapping IPv6 addresses in [ ] brackets" --------------


def test_filtering_lists(templates: Templates) -> None:
    assert value(templates, "test_list | ipaddr") == [
        "192.24.2.1",
        "::1",
        "192.168.32.0/24",
        "fe80::100/10",
        "2001:db8:32c:faad::/64",
    ]
    assert value(templates, "test_list | ipv4") == ["192.24.2.1", "192.168.32.0/24"]
    assert value(templates, "test_list | ipv6") == ["::1", "fe80::100/10", "2001:db8:32c:faad::/64"]


def test_ipwrap(templates: Templates) -> None:
    assert value(templates, "test_list | ipwrap") == [
        "192.24.2.1",
        "host.fqdn",
        "[::1]",
        "192.168.32.0/24",
        "[fe80::100]/10",
        True,
        "",
        "[2001:db8:32c:faad::]/64",
    ]
    assert value(templates, "test_list | ipaddr | ipwrap") == [
        "192.24.2.1",
        "[::1]",
        "192.168.32.0/24",
        "[fe80::100]/10",
        "[2001:db8:32c:faad::]/64",
    ]
    assert render(templates, "{{ '2001:db8::1' | ipwrap }}:830") == "[2001:db8::1]:830"


# --- IPADDR_DOC "Getting information about hosts and networks" -------------------------------


def test_host_and_address_queries(templates: Templates) -> None:
    # The ipaddr filter page's example run (ansible.utils 2.x) lists the IPv6 subnet-router
    # address 2001:db8:32c:faad:: as an address; IPv4 network addresses are not.
    assert value(templates, "test_list | ipaddr('address')") == [
        "192.24.2.1",
        "::1",
        "fe80::100",
        "2001:db8:32c:faad::",
    ]
    assert value(templates, "test_list | ipaddr('host')") == [
        "192.24.2.1/32",
        "::1/128",
        "fe80::100/10",
    ]
    assert value(templates, "test_list | ipv4('address')") == ["192.24.2.1"]


def test_public_private_net_size(templates: Templates) -> None:
    assert value(templates, "test_list | ipaddr('public')") == [
        "192.24.2.1",
        "2001:db8:32c:faad::/64",
    ]
    assert value(templates, "test_list | ipaddr('private')") == ["192.168.32.0/24", "fe80::100/10"]
    assert value(templates, "test_list | ipaddr('net')") == [
        "192.168.32.0/24",
        "2001:db8:32c:faad::/64",
    ]
    assert value(templates, "test_list | ipaddr('net') | ipaddr('size')") == [
        256,
        18446744073709551616,
    ]
    assert value(templates, "test_list | ipaddr('192.0.0.0/8')") == [
        "192.24.2.1",
        "192.168.32.0/24",
    ]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        ("0", ["192.168.32.0/24", "2001:db8:32c:faad::/64"]),
        ("1", ["192.168.32.1/24", "2001:db8:32c:faad::1/64"]),
        ("-1", ["192.168.32.255/24", "2001:db8:32c:faad:ffff:ffff:ffff:ffff/64"]),
        ("200", ["192.168.32.200/24", "2001:db8:32c:faad::c8/64"]),
        ("-200", ["192.168.32.56/24", "2001:db8:32c:faad:ffff:ffff:ffff:ff38/64"]),
        ("400", ["2001:db8:32c:faad::190/64"]),
    ],
)
def test_index_queries(templates: Templates, index: str, expected: list[str]) -> None:
    assert value(templates, f"test_list | ipaddr('net') | ipaddr('{index}')") == expected
    assert value(templates, f"test_list | ipaddr('net') | ipaddr({index})") == expected


# --- IPADDR_DOC "Getting information from host/prefix values" --------------------------------


def test_host_prefix_queries(templates: Templates) -> None:
    hp = {"host_prefix": HOST_PREFIX}
    assert value(templates, "host_prefix | ipaddr('host/prefix')", **hp) == [
        "2001:db8:deaf:be11::ef3/64",
        "192.0.2.48/24",
    ]
    assert value(templates, "host_prefix | ipaddr('host/prefix') | ipaddr('subnet')", **hp) == [
        "2001:db8:deaf:be11::/64",
        "192.0.2.0/24",
    ]
    assert value(templates, "host_prefix | ipaddr('host/prefix') | ipaddr('prefix')", **hp) == [
        64,
        24,
    ]


def test_debian_interfaces_example(templates: Templates) -> None:
    source = (
        "{% set ipv4_host = host_prefix | unique | ipv4('host/prefix') | first %}"
        "address   {{ ipv4_host | ipaddr('address') }}\n"
        "network   {{ ipv4_host | ipaddr('network') }}\n"
        "netmask   {{ ipv4_host | ipaddr('netmask') }}\n"
        "broadcast {{ ipv4_host | ipaddr('broadcast') }}"
    )
    assert render(templates, source, host_prefix=HOST_PREFIX) == (
        "address   192.0.2.48\nnetwork   192.0.2.0\nnetmask   255.255.255.0\nbroadcast 192.0.2.255"
    )


def test_wildcard_and_netmask_conversion(templates: Templates) -> None:
    assert render(templates, "{{ '192.0.2.0/24' | ipaddr('hostmask') }}") == "0.0.0.255"
    net_mask = "192.168.0.0/255.255.255.0"
    assert value(templates, "v | ipaddr('prefix')", v=net_mask) == 24
    assert value(templates, "v | ipaddr('net')", v=net_mask) == "192.168.0.0/24"
    assert value(templates, "v | ipaddr('network/prefix')", v="192.168.0.11/255.255.255.0") == (
        "192.168.0.0/24"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # what the brief's users write for interface config
        ("network", "192.168.1.0"),
        ("netmask", "255.255.255.0"),
        ("prefix", "24"),
        ("address", "192.168.1.10"),
        ("host", "192.168.1.10/24"),
        ("broadcast", "192.168.1.255"),
        ("size", "256"),
        ("cidr", "192.168.1.10/24"),
        ("first_usable", "192.168.1.1"),
        ("last_usable", "192.168.1.254"),
        ("net", "False"),
        ("private", "192.168.1.10/24"),
        ("public", "False"),
    ],
)
def test_interface_queries(templates: Templates, query: str, expected: str) -> None:
    assert render(templates, f"{{{{ '192.168.1.10/24' | ipaddr('{query}') }}}}") == expected


def test_unknown_query_is_an_error(templates: Templates) -> None:
    # IPADDR_DOC "Basic queries": "If a query type is not recognized, Ansible will raise an error."
    with pytest.raises(TaskFailed, match="filter 'ipaddr': unknown query 'adress'"):
        render(templates, "{{ '10.0.0.1' | ipaddr('adress') }}")


# --- IPADDR_DOC "IP address conversion" ------------------------------------------------------


def test_version_conversion(templates: Templates) -> None:
    assert value(templates, "test_list | ipv4('ipv6')") == [
        "::ffff:192.24.2.1/128",
        "::ffff:192.168.32.0/120",
    ]
    assert value(templates, "test_list | ipv6('ipv4')") == ["0.0.0.1/32"]
    assert value(templates, "test_list | ipaddr('ipv6') | ipaddr('ipv4')") == [
        "192.24.2.1/32",
        "0.0.0.1/32",
        "192.168.32.0/24",
    ]


def test_revdns(templates: Templates) -> None:
    assert render(templates, "{{ '192.24.2.1' | ipaddr('revdns') }}") == "1.2.24.192.in-addr.arpa."
    assert render(templates, "{{ '::1' | ipaddr('revdns') }}") == (
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."
    )


# --- IPADDR_DOC "Finding IP addresses within a range" ----------------------------------------


def test_usable_queries(templates: Templates) -> None:
    assert render(templates, "{{ '192.168.122.1/24' | ipaddr('next_usable') }}") == "192.168.122.2"
    assert render(templates, "{{ '192.168.122.1/24' | ipaddr('last_usable') }}") == (
        "192.168.122.254"
    )
    assert render(templates, "{{ '192.168.122.1/24' | ipaddr('range_usable') }}") == (
        "192.168.122.1-192.168.122.254"
    )
    assert render(templates, "{{ '192.168.122.1/31' | ipaddr('peer') }}") == "192.168.122.0"
    assert render(templates, "{{ '192.168.122.1/30' | ipaddr('peer') }}") == "192.168.122.2"
    assert render(templates, "{{ '192.168.122.254/24' | ipaddr('next_usable') }}") == "False"
    with pytest.raises(TaskFailed, match="'first_usable' needs a network"):
        render(templates, "{{ '192.168.122.1' | ipaddr('first_usable') }}")


def test_nthhost(templates: Templates) -> None:
    assert render(templates, "{{ '10.0.0.0/8' | nthhost(305) }}") == "10.0.1.49"
    assert render(templates, "{{ '10.0.0.0/8' | nthhost(-1) }}") == "10.255.255.255"
    assert render(templates, "{{ '10.0.0.0/30' | nthhost(4) }}") == "False"
    assert render(templates, "{{ 'nope' | nthhost(1) }}") == "False"


# --- IPADDR_DOC "Testing if a address belong to a network range" -----------------------------


def test_network_in_usable(templates: Templates) -> None:
    assert render(templates, "{{ '192.168.0.0/24' | network_in_usable('192.168.0.1') }}") == "True"
    assert render(templates, "{{ '192.168.0.0/24' | network_in_usable('192.168.0.255') }}") == (
        "False"
    )
    assert render(templates, "{{ '192.168.0.0/16' | network_in_usable('192.168.0.255') }}") == (
        "True"
    )
    with pytest.raises(TaskFailed, match="filter 'network_in_usable'.*'bogus'"):
        render(templates, "{{ 'bogus' | network_in_usable('192.168.0.1') }}")


@pytest.mark.parametrize(
    ("network", "test", "expected"),
    [
        ("192.168.0.0/24", "192.168.0.1", "True"),
        ("192.168.0.0/24", "192.168.0.0/24", "True"),
        ("192.168.0.0/24", "192.168.0.255", "True"),
        ("192.168.0.0/16", "192.168.0.0/24", "True"),
        ("192.168.0.0/24", "192.168.0.0/16", "False"),
        ("192.168.0.0/24", "10.0.0.1", "False"),
    ],
)
def test_network_in_network(templates: Templates, network: str, test: str, expected: str) -> None:
    assert render(templates, f"{{{{ '{network}' | network_in_network('{test}') }}}}") == expected


# --- IPADDR_DOC "IP Math" ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "amount", "expected"),
    [
        ("192.168.1.5", 5, "192.168.1.10"),
        ("192.168.0.5", -10, "192.167.255.251"),
        ("192.168.1.1/24", 5, "192.168.1.6"),
        ("192.168.1.6/24", -5, "192.168.1.1"),
        ("192.168.2.6/24", -10, "192.168.1.252"),
        ("2001::1", 10, "2001::b"),
        ("2001::5", -10, "2000:ffff:ffff:ffff:ffff:ffff:ffff:fffb"),
    ],
)
def test_ipmath(templates: Templates, given: str, amount: int, expected: str) -> None:
    assert render(templates, f"{{{{ '{given}' | ipmath({amount}) }}}}") == expected


def test_ipmath_errors_name_the_filter(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="filter 'ipmath': 'host.fqdn' is not a valid IP"):
        render(templates, "{{ 'host.fqdn' | ipmath(1) }}")
    with pytest.raises(TaskFailed, match="filter 'ipmath': .*outside the address space"):
        render(templates, "{{ '255.255.255.255' | ipmath(1) }}")


# --- IPADDR_DOC "Subnet manipulation" ------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("address | ipsubnet", "192.168.144.5/32"),
        ("subnet | ipsubnet", "192.168.0.0/16"),
        ("subnet | ipsubnet(20)", "16"),
        ("subnet | ipsubnet(20, 0)", "192.168.0.0/20"),
        ("subnet | ipsubnet(20, -1)", "192.168.240.0/20"),
        ("subnet | ipsubnet(20, 5)", "192.168.80.0/20"),
        ("subnet | ipsubnet(20, -5)", "192.168.176.0/20"),
        ("address | ipsubnet(20)", "192.168.144.0/20"),
        ("address | ipsubnet(18, 0)", "192.168.128.0/18"),
        ("address | ipsubnet(18, -1)", "192.168.144.4/31"),
        ("address | ipsubnet(18, 5)", "192.168.144.0/23"),
        ("address | ipsubnet(18, -5)", "192.168.144.0/27"),
        ("address | ipsubnet(subnet)", "36870"),
        ("address | ipsubnet('192.168.144.0/24')", "6"),
        ("'192.168.144.1/30' | ipsubnet('192.168.144.0/24')", "1"),
        ("'192.168.144.16/30' | ipsubnet('192.168.144.0/24')", "5"),
    ],
)
def test_ipsubnet(templates: Templates, expression: str, expected: str) -> None:
    variables = {"address": "192.168.144.5", "subnet": "192.168.0.0/16"}
    assert render(templates, "{{ " + expression + " }}", **variables) == expected


def test_ipsubnet_outside_is_an_error(templates: Templates) -> None:
    # "If the second subnet doesn't include the first subnet, the ipsubnet() filter raises
    # an error."
    with pytest.raises(TaskFailed, match="filter 'ipsubnet': 10.0.0.1 is not in the subnet"):
        render(templates, "{{ '10.0.0.1' | ipsubnet('192.168.0.0/16') }}")
    assert render(templates, "{{ 'nope' | ipsubnet(24) }}") == "False"


# --- IPADDR_DOC "Subnet Merging" -----------------------------------------------------------


def test_cidr_merge(templates: Templates) -> None:
    assert value(
        templates, "['192.168.0.0/17', '192.168.128.0/17', '192.168.128.1'] | cidr_merge"
    ) == ["192.168.0.0/16"]
    assert value(
        templates, "['192.168.0.0/24', '192.168.1.0/24', '192.168.3.0/24'] | cidr_merge"
    ) == [
        "192.168.0.0/23",
        "192.168.3.0/24",
    ]
    assert value(templates, "['192.168.0.0/24', '192.168.3.0/24'] | cidr_merge('span')") == (
        "192.168.0.0/22"
    )
    assert value(templates, "['192.168.1.42', '192.168.42.1'] | cidr_merge('span')") == (
        "192.168.0.0/18"
    )
    with pytest.raises(TaskFailed, match="filter 'cidr_merge'.*'x' is not a valid"):
        render(templates, "{{ ['10.0.0.0/8', 'x'] | cidr_merge }}")


# --- IPADDR_DOC "MAC address filter" -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "1a:2b:3c:4d:5e:6f"),
        ("'bare'", "1A2B3C4D5E6F"),
        ("'bool'", "True"),
        ("'int'", "28772997619311"),
        ("'cisco'", "1a2b.3c4d.5e6f"),
        ("'eui48'", "1A-2B-3C-4D-5E-6F"),
        ("'win'", "1A-2B-3C-4D-5E-6F"),
        ("'linux'", "1a:2b:3c:4d:5e:6f"),
        ("'unix'", "1a:2b:3c:4d:5e:6f"),
        ("'pgsql'", "1a2b3c:4d5e6f"),
        ("'postgresql'", "1a2b3c:4d5e6f"),
        ("'psql'", "1a2b3c:4d5e6f"),
    ],
)
def test_hwaddr_formats(templates: Templates, query: str, expected: str) -> None:
    assert render(
        templates, f"{{{{ macaddress | hwaddr({query}) }}}}", macaddress="1a:2b:3c:4d:5e:6f"
    ) == (expected)
    assert render(
        templates, f"{{{{ macaddress | macaddr({query}) }}}}", macaddress="1a:2b:3c:4d:5e:6f"
    ) == (expected)


def test_hwaddr_invalid(templates: Templates) -> None:
    assert render(templates, "{{ 'not a mac' | hwaddr }}") == "False"
    assert render(templates, "{{ '1a2b.3c4d.5e6f' | hwaddr('linux') }}") == "1a:2b:3c:4d:5e:6f"
    with pytest.raises(TaskFailed, match="unknown MAC address format 'klingon'"):
        render(templates, "{{ '1a:2b:3c:4d:5e:6f' | hwaddr('klingon') }}")
