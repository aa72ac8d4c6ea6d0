"""Which platforms each built-in connection kind speaks, and which arguments it manages.

What each platform *is* lives in its profile (netraven/platforms); this module keeps
what is about the connection libraries.

Plain data, importable without loading scrapli or netmiko, so that planning and
``netraven validate`` stay fast.
"""

from __future__ import annotations

from netraven.platforms import PLATFORMS

# Views of the platform profiles (netraven/platforms): the platforms scrapli's async
# drivers cover, by netmiko name, and those hier-config can diff and remediate.
SCRAPLI_DRIVERS: dict[str, str] = {
    p.name: p.scrapli_driver for p in PLATFORMS.profiles() if p.scrapli_driver is not None
}
HIER_CONFIG_PLATFORMS: dict[str, str] = {
    p.name: p.hier_config for p in PLATFORMS.profiles() if p.hier_config is not None
}
# netmiko device_types that have a ``<name>_telnet`` twin (netmiko.ssh_dispatcher.CLASS_MAPPER,
# netmiko 4.x; a unit test keeps this in step with the installed netmiko): the platforms the
# netmiko fallback can reach over Telnet. Listed here so planning need not import netmiko.
_NETMIKO_TELNET_NAMES = """
    adtran_os apresia_aeos arista_eos aruba_procurve audiocode_66 audiocode_72 audiocode_shell
    bintec_boss brocade_fastiron brocade_netiron calix_b6 calix_exa centec_os ciena_saos
    cisco_ios cisco_ioswlc cisco_nxos cisco_s200 cisco_s300 cisco_s500 cisco_xe cisco_xr
    dell_dnos6 dell_powerconnect dlink_ds extreme_exos extreme_netiron extreme
    fiberstore_fsosv2 furukawa_fitelnet generic generic_termserver genexis_solt33 hioso_olt
    hp_comware hp_procurve huawei_olt huawei_ont huawei iij_seilos infinera_packet
    ipinfusion_ocnos juniper_junos maipu nec_ix nokia_sros oneaccess_oneos optilink_eolt11444
    optilink_eolt9702 optilink_golt924 paloalto_panos rad_etx raisecom_ros raisecom
    ruckus_fastiron ruijie_os supermicro_smis telcosystems_binos teldat_cit tplink_jetstream
    yamaha zte_zxros
"""
NETMIKO_TELNET_PLATFORMS = frozenset(_NETMIKO_TELNET_NAMES.split())
# How a host is reached (``data.transport``), and the port each uses when none is given.
TRANSPORT_PORTS: dict[str, int] = {"ssh": 22, "telnet": 23, "https": 443, "http": 80}
# Transports of a CLI channel (scrapli, netmiko); https/http are the ``http`` kind's.
CLI_TRANSPORTS = frozenset({"ssh", "telnet"})
# Arguments NetRaven fills from the inventory; connection_extras may tune anything else.
SCRAPLI_MANAGED_ARGS = frozenset(
    {"host", "port", "auth_username", "auth_password", "auth_secondary", "transport"}
)
NETMIKO_MANAGED_ARGS = frozenset({"device_type", "host", "port", "username", "password", "secret"})
