"""Which platforms each built-in connection kind speaks, and which arguments it manages.

Plain data, importable without loading scrapli or netmiko, so that planning and
``netraven validate`` stay fast.
"""

from __future__ import annotations

# netmiko device_type name → scrapli async driver class (scrapli.driver.core).
SCRAPLI_DRIVERS: dict[str, str] = {
    "cisco_ios": "AsyncIOSXEDriver",
    "cisco_xe": "AsyncIOSXEDriver",
    "cisco_nxos": "AsyncNXOSDriver",
    "cisco_xr": "AsyncIOSXRDriver",
    "arista_eos": "AsyncEOSDriver",
    "juniper_junos": "AsyncJunosDriver",
}
# netmiko device_type name → hier-config Platform member: the platforms whose config
# NetRaven can diff hierarchically and roll back by remediation.
HIER_CONFIG_PLATFORMS: dict[str, str] = {
    "cisco_ios": "CISCO_IOS",
    "cisco_xe": "CISCO_IOS",
    "cisco_nxos": "CISCO_NXOS",
    "cisco_xr": "CISCO_XR",
    "arista_eos": "ARISTA_EOS",
    "juniper_junos": "JUNIPER_JUNOS",
    "vyos": "VYOS",
    "huawei_vrp": "HUAWEI_VRP",
}
# Arguments NetRaven fills from the inventory; connection_extras may tune anything else.
SCRAPLI_MANAGED_ARGS = frozenset(
    {"host", "port", "auth_username", "auth_password", "auth_secondary"}
)
NETMIKO_MANAGED_ARGS = frozenset({"device_type", "host", "port", "username", "password", "secret"})
