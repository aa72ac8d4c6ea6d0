"""The platforms NetRaven supports: one profile each (docs/platforms.md is their table).

Junos backups and diffs use ``show configuration | display set``: one flat line per
setting, the form hier-config's JUNIPER_JUNOS platform works in (it converts the curly
format to ``set`` lines before anything else, by indentation, and would mistake the
``## Last commit`` header for configuration), the form config tasks are written in, and
the form ``load set`` and the ``delete`` of a line read back unambiguously.
"""

from __future__ import annotations

from netraven.platforms.profile import PlatformProfile

# IOS-style rejections: the caret marker lines and their message.
_CISCO_ERRORS = (
    r"^% ?(Invalid input|Ambiguous command|Incomplete command|Unknown command|Invalid command|"
    r"Error)",
)
_IOS_VOLATILE = (
    r"^Building configuration\.\.\.$",
    r"^Current configuration ?:.*$",
    r"^Last configuration change.*$",
    r"^! (NVRAM|Last|Time).*$",
    r"^ntp clock-period .*$",
    r"^end$",
)
_CISCO_READ_ONLY = ("show", "ping", "traceroute", "terminal", "dir", "more")

IOS = PlatformProfile(
    name="cisco_ios",
    title="Cisco IOS",
    config_model="running",
    running_config="show running-config",
    startup_config="show startup-config",
    save="write memory",
    netmiko_device_type="cisco_ios",
    scrapli_driver="AsyncIOSXEDriver",
    hier_config="CISCO_IOS",
    family="ios",
    aliases=("ios",),
    errors=_CISCO_ERRORS,
    read_only=_CISCO_READ_ONLY,
    volatile=_IOS_VOLATILE,
    notes="lab-verified over SSH and Telnet (scrapli and netmiko)",
)
IOS_XE = PlatformProfile(
    name="cisco_xe",
    title="Cisco IOS-XE",
    config_model="running",
    running_config="show running-config",
    startup_config="show startup-config",
    save="write memory",
    netmiko_device_type="cisco_xe",
    scrapli_driver="AsyncIOSXEDriver",
    hier_config="CISCO_IOS",
    family="ios",
    aliases=("cisco_iosxe", "iosxe", "ios-xe"),
    errors=_CISCO_ERRORS,
    read_only=_CISCO_READ_ONLY,
    volatile=_IOS_VOLATILE,
    notes="same CLI as IOS; the IOS lab devices prove it",
)
NXOS = PlatformProfile(
    name="cisco_nxos",
    title="Cisco NX-OS",
    config_model="running",
    running_config="show running-config",
    startup_config="show startup-config",
    save="copy running-config startup-config",  # NX-OS has no `write memory`
    netmiko_device_type="cisco_nxos",
    scrapli_driver="AsyncNXOSDriver",
    hier_config="CISCO_NXOS",
    family="nxos",
    aliases=("nxos", "nxos_ssh"),
    errors=(*_CISCO_ERRORS, r"^% ?Invalid parameter", r"^ERROR: "),
    read_only=_CISCO_READ_ONLY,
    volatile=(
        r"^!Command: .*$",
        r"^!Running configuration last done at: .*$",
        r"^!Time: .*$",
        r"^!No configuration change since last restart$",
    ),
    notes="NX-OS lab family",
)
EOS = PlatformProfile(
    name="arista_eos",
    title="Arista EOS",
    config_model="running",
    running_config="show running-config",
    startup_config="show startup-config",
    save="write memory",
    netmiko_device_type="arista_eos",
    scrapli_driver="AsyncEOSDriver",
    hier_config="ARISTA_EOS",
    family="eos",
    aliases=("eos",),
    errors=(*_CISCO_ERRORS, r"^% (Unavailable command|Cannot|Not supported|Duplicate)"),
    read_only=_CISCO_READ_ONLY,
    volatile=(r"^! Command: .*$", r"^! device: .*$", r"^! Time: .*$", r"^end$"),
    notes="EOS lab family",
)
IOS_XR = PlatformProfile(
    name="cisco_xr",
    title="Cisco IOS-XR",
    config_model="candidate",
    running_config="show running-config",  # on XR the committed configuration
    startup_config="show running-config",  # nothing to save: a commit is persistent
    commit="commit",
    commit_confirmed="commit confirmed {seconds}",  # XR counts seconds (30-65535)
    confirm="commit",
    confirm_adds_rollback_point=False,
    discard="abort",
    candidate_diff="show commit changes diff",
    native_rollback="rollback configuration last {n}",
    rollback_in="exec",
    netmiko_device_type="cisco_xr",
    scrapli_driver="AsyncIOSXRDriver",
    hier_config="CISCO_XR",
    family="xr",
    aliases=("cisco_iosxr", "iosxr", "ios-xr"),
    errors=(
        r"^% ?(Invalid input|Ambiguous command|Incomplete command|Failed to commit|"
        r"Failed|This command is not authorized|Error)",
    ),
    read_only=_CISCO_READ_ONLY,
    volatile=(
        r"^Building configuration\.\.\.$",
        r"^!! IOS XR Configuration .*$",
        r"^!! Last configuration change at .*$",
        # The timestamp XR prints before every command's output.
        r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +"
        r"\d+ \d\d:\d\d:\d\d(\.\d+)? \S+$",
        r"^end$",
    ),
    notes="IOS-XR lab family (candidate per session, commit confirmed, commit list)",
)
JUNOS = PlatformProfile(
    name="juniper_junos",
    title="Juniper Junos",
    config_model="candidate",
    running_config="show configuration | display set",
    startup_config="show configuration | display set",  # the committed config
    commit="commit",
    commit_confirmed="commit confirmed {minutes}",  # Junos counts minutes (1-65535)
    confirm="commit",
    confirm_adds_rollback_point=True,  # the confirming commit is rollback 0 of its own
    discard="rollback 0",
    config_mode="configure private",
    scrapli_config_privilege="configuration_private",
    candidate_diff="show | compare",
    native_rollback="rollback {n}",
    rollback_in="config",
    netmiko_device_type="juniper_junos",
    scrapli_driver="AsyncJunosDriver",
    hier_config="JUNIPER_JUNOS",
    family="junos",
    aliases=("junos", "juniper"),
    negation="delete ",
    declaration="set ",
    errors=(
        r"^\s*error: ",
        r"^\s*syntax error\b",
        r"^\s*unknown command\b",
        r"^\s*missing (mandatory )?argument\b",
        r"^\s*invalid (value|numeric value|interface type)\b",
        r"\bis ambiguous\b",
        r"^\s*No valid completions",
    ),
    read_only=("show", "ping", "traceroute", "help"),
    volatile=(
        r"^## Last (commit|changed): .*$",
        r"^\{(master|backup|primary|secondary)(:\w+)?\}(\[edit\])?$",
        # Answers to the `set cli` commands the drivers send on login, should one arrive late.
        r"^(Disabling|Enabling) complete-on-space$",
        r"^Screen (width|length) set to \d+$",
    ),
    notes="Junos lab family",
)

BUILT_IN: tuple[PlatformProfile, ...] = (IOS, IOS_XE, NXOS, EOS, IOS_XR, JUNOS)
