"""``netraven lab up|down|status``: the simulated device lab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from netraven.cli.common import handle_errors
from netraven.lab import control

lab_app = typer.Typer(
    help="Simulated IOS-like devices over SSH on 127.0.0.1.", no_args_is_help=True
)
DirOpt = Annotated[Path, typer.Option("--dir", help="Lab state directory.")]


@lab_app.command("up")
@handle_errors
def lab_up(
    devices: Annotated[int, typer.Option("--devices", "-n", min=1, max=5000)] = 3,
    base_port: Annotated[int, typer.Option("--base-port", min=1024, max=65000)] = 10022,
    latency: Annotated[float, typer.Option("--latency", min=0, help="ms per command")] = 0.0,
    fault: Annotated[
        list[str] | None,
        typer.Option("--fault", help="DEVICE:KIND[:ARG], e.g. sw-lab-3:flap:2 (repeatable)."),
    ] = None,
    lab_dir: DirOpt = control.DEFAULT_DIR,
) -> None:
    """Start N devices in one background process and write their inventory."""
    settings = control.LabSettings(
        devices=devices, base_port=base_port, latency_ms=latency, faults=tuple(fault or ())
    )
    state = control.up(lab_dir, settings)
    print(
        f"lab up: {devices} device(s) on 127.0.0.1:{base_port}-{base_port + devices - 1} "
        f"(pid {state['pid']}); inventory: {lab_dir / 'inventory'}"
    )


@lab_app.command("down")
@handle_errors
def lab_down(lab_dir: DirOpt = control.DEFAULT_DIR) -> None:
    """Stop the lab."""
    print("lab stopped" if control.down(lab_dir) else "no lab running")


@lab_app.command("status")
@handle_errors
def lab_status(
    lab_dir: DirOpt = control.DEFAULT_DIR, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Is a lab running, and where."""
    state = control.read_state(lab_dir)
    if as_json:
        print(json.dumps({"running": state is not None, **(state or {})}))
    elif state is None:
        print("no lab running")
    else:
        last = state["base_port"] + state["devices"] - 1
        print(
            f"lab running: {state['devices']} device(s) on 127.0.0.1:{state['base_port']}-"
            f"{last} (pid {state['pid']}, latency {state['latency_ms']} ms)"
        )
    if state is None:
        raise typer.Exit(3)


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
    lab_dir: DirOpt = control.DEFAULT_DIR,
) -> None:
    """Give a running lab device a fault (or clear its faults); takes effect at once."""
    control.set_fault(lab_dir, device, kind, argument)
    print(f"{device}: {kind}{' ' + argument if argument else ''}")
