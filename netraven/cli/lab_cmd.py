"""``netraven lab up|down|status|fault``: the simulated device lab.

The lab directory comes from the settings (``--dir`` > ``NETRAVEN_LAB_DIR`` >
``netraven.toml`` > ``<state_dir>/lab``). Without ``netraven.toml`` or an explicit
directory, ``down``, ``status`` and ``fault`` also find a lab started in a parent of the
current directory. ``status`` and ``fault`` exit 3 when no lab runs. ``up --foreground``
serves from this process instead (a container's main process, compose.yaml).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netraven.cli.common import fail, handle_errors

if TYPE_CHECKING:
    from netraven.lab import control

NO_LAB = 3

lab_app = typer.Typer(
    rich_markup_mode=None,
    help="Simulated IOS-, EOS- and Junos-like devices over SSH (and Telnet) on 127.0.0.1.",
    no_args_is_help=True,
)
DirOpt = Annotated[
    Path | None,
    typer.Option("--dir", help="Lab state directory (default: <state_dir>/lab, found upwards)."),
]


def _shown(path: Path) -> Path:
    """Relative to the current directory when below it: shorter, and copy-pastable."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _existing_lab(lab_dir: Path | None) -> Path:
    from netraven.settings import load_settings

    return load_settings(lab_dir=lab_dir).find_lab_dir()


@lab_app.command("up")
@handle_errors
def lab_up(
    devices: Annotated[
        int | None,
        typer.Option(
            "--devices", "-n", min=1, max=5000, help="How many (default 3, or --platforms' sum)."
        ),
    ] = None,
    platforms: Annotated[
        str | None,
        typer.Option(
            "--platforms",
            help="Families in port order, e.g. ios:6,eos:2,junos:2 (ios, eos, junos, xr, "
            "nxos); the counts must add up to --devices when both are given. Default: all ios.",
        ),
    ] = None,
    confirm_seconds_per_minute: Annotated[
        float,
        typer.Option(
            "--confirm-seconds-per-minute",
            min=0.001,
            help="How long a minute of 'commit confirmed' lasts (Junos N minutes, IOS-XR N "
            "seconds; default 60; short for tests).",
        ),
    ] = 60.0,
    base_port: Annotated[int, typer.Option("--base-port", min=1024, max=65000)] = 10022,
    latency: Annotated[float, typer.Option("--latency", min=0, help="ms per command")] = 0.0,
    fault: Annotated[
        list[str] | None,
        typer.Option("--fault", help="DEVICE:KIND[:ARG], e.g. sw-lab-3:flap:2 (repeatable)."),
    ] = None,
    big_config: Annotated[
        list[str] | None,
        typer.Option(
            "--big-config",
            help="DEVICE:LINES: about LINES more lines of running config (repeatable).",
        ),
    ] = None,
    telnet: Annotated[
        bool,
        typer.Option(
            "--telnet",
            help="Also serve Telnet (device i on base port + N + i - 1); the inventory uses it.",
        ),
    ] = False,
    https: Annotated[
        bool,
        typer.Option(
            "--https",
            help="Also serve an HTTPS API per device (eAPI + RESTCONF, base port + 2N + i - 1, "
            "a throwaway CA); writes inventory-https/ using it.",
        ),
    ] = False,
    legacy: Annotated[
        list[str] | None,
        typer.Option(
            "--legacy",
            help="DEVICE offers only legacy SSH algorithms (diffie-hellman-group1/14-sha1, "
            "aes128-cbc, ssh-rsa); the inventory gives it data.ssh lists (repeatable).",
        ),
    ] = None,
    foreground: Annotated[
        bool,
        typer.Option(
            "--foreground",
            help="Serve in this process until SIGTERM/SIGINT (exit 0), no background daemon: "
            "a container's main process.",
        ),
    ] = False,
    listen: Annotated[
        str,
        typer.Option(
            "--listen",
            metavar="ADDRESS",
            help="Address the devices listen on (default 127.0.0.1; 0.0.0.0 in a container).",
        ),
    ] = "127.0.0.1",
    inventory_host: Annotated[
        str,
        typer.Option(
            "--inventory-host",
            metavar="NAME",
            help="Host name the inventory and known_hosts reach the devices by "
            "(default 127.0.0.1; the service name in compose.yaml).",
        ),
    ] = "127.0.0.1",
    lab_dir: DirOpt = None,
) -> None:
    """Start N devices in one background process (or this one) and write their inventory."""
    from netraven.errors import InputError
    from netraven.lab import control
    from netraven.lab.family import LayoutError, parse_layout
    from netraven.settings import load_settings

    directory = load_settings(lab_dir=lab_dir).lab_dir
    try:
        devices = len(parse_layout(platforms, devices))
    except LayoutError as exc:
        raise InputError(str(exc)) from None
    settings = control.LabSettings(
        devices=devices,
        platforms=platforms,
        confirm_seconds_per_minute=confirm_seconds_per_minute,
        base_port=base_port,
        latency_ms=latency,
        faults=tuple(fault or ()),
        big_configs=tuple(big_config or ()),
        telnet=telnet,
        legacy=tuple(legacy or ()),
        https=https,
        listen=listen,
        inventory_host=inventory_host,
    )
    if foreground:
        control.run_foreground(
            directory, settings, lambda state: _say_up(directory, settings, state)
        )
    else:
        _say_up(directory, settings, control.up(directory, settings))


def _say_up(directory: Path, settings: control.LabSettings, state: dict[str, Any]) -> None:
    """The one line ``lab up`` prints once every device listens (flushed: in the
    foreground it is what a container log shows while the lab keeps running)."""
    devices = settings.devices
    telnet_ports = (
        f", Telnet on {settings.telnet_port(1)}-{settings.telnet_port(devices)}"
        if settings.telnet
        else ""
    )
    https_ports = (
        f", HTTPS API on {settings.https_port(1)}-{settings.https_port(devices)} "
        f"(inventory: {_shown(directory / 'inventory-https')})"
        if settings.https
        else ""
    )
    mix = f" [{state['platforms']}]" if settings.platforms else ""
    base_port = settings.base_port
    print(
        f"lab up: {devices} device(s){mix} on {settings.listen}:{base_port}-"
        f"{base_port + devices - 1}{telnet_ports}{https_ports} (pid {state['pid']}); "
        f"inventory: {_shown(directory / 'inventory')}",
        flush=True,
    )


@lab_app.command("down")
@handle_errors
def lab_down(lab_dir: DirOpt = None) -> None:
    """Stop the lab."""
    from netraven.lab import control

    print("lab stopped" if control.down(_existing_lab(lab_dir)) else "no lab running")


@lab_app.command("status")
@handle_errors
def lab_status(
    lab_dir: DirOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Is a lab running, and where (exit 3 when not)."""
    from netraven.lab import control

    directory = _existing_lab(lab_dir)
    state = control.read_state(directory)
    if as_json:
        print(json.dumps({"running": state is not None, "dir": str(directory), **(state or {})}))
    elif state is None:
        print("no lab running")
    else:
        last = state["base_port"] + state["devices"] - 1
        telnet_base = state.get("telnet_base_port")
        telnet_ports = (
            f", Telnet on {telnet_base}-{telnet_base + state['devices'] - 1}" if telnet_base else ""
        )
        https_base = state.get("https_base_port")
        if https_base:
            telnet_ports += f", HTTPS API on {https_base}-{https_base + state['devices'] - 1}"
        mix = state.get("platforms", "")
        mix = f" [{mix}]" if mix and set(mix.split(",")) != {f"ios:{state['devices']}"} else ""
        listen = state.get("listen", "127.0.0.1")
        print(
            f"lab running: {state['devices']} device(s){mix} on {listen}:{state['base_port']}-"
            f"{last}{telnet_ports} (pid {state['pid']}, latency {state['latency_ms']} ms); "
            f"inventory: {_shown(directory / 'inventory')}"
        )
    if state is None:
        raise typer.Exit(NO_LAB)


@lab_app.command("fault")
@handle_errors
def lab_fault(
    device: Annotated[str, typer.Argument(help="e.g. sw-lab-3")],
    kind: Annotated[
        str,
        typer.Argument(
            help="refuse | auth | drop-after N | hang | slow MS | flap K | reject-config LINE"
            " | clear"
        ),
    ],
    argument: Annotated[str | None, typer.Argument()] = None,
    lab_dir: DirOpt = None,
) -> None:
    """Give a running lab device a fault (or clear its faults); takes effect at once.

    Exit 5 for an unknown device, fault kind or bad argument; exit 3 when no lab runs.
    """
    from netraven.lab import control

    try:
        control.set_fault(_existing_lab(lab_dir), device, kind, argument)
    except control.NoLab as exc:
        fail(str(exc), NO_LAB)
    print(f"{device}: {kind}{' ' + argument if argument else ''}")
