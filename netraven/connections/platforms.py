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
# Arguments NetRaven fills from the inventory; connection_extras may tune anything else.
SCRAPLI_MANAGED_ARGS = frozenset(
    {"host", "port", "auth_username", "auth_password", "auth_secondary"}
)
NETMIKO_MANAGED_ARGS = frozenset({"device_type", "host", "port", "username", "password", "secret"})
