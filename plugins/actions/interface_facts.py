"""Action ``interface_facts``: the device's interfaces as data, from ``show ip interface brief``.

    - interface_facts: {up_only: true}
      register: facts
    # facts.interfaces: {"GigabitEthernet0/1": {"ip": "10.0.0.1", "status": "up",
    #                     "protocol": "up"}, …}; facts.output is the raw table.

Read-only: it also runs under ``--check``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from netraven.engine.actions import ActionResult, Step
from netraven.errors import TaskFailed

COMMAND = "show ip interface brief"


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_only: bool = False  # only interfaces whose status and protocol are up
    names: list[str] | None = None  # only these interfaces (full names)


def parse(output: str) -> dict[str, dict[str, str]]:
    """Rows of the IOS table; the status column may hold 'administratively down'."""
    lines = output.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("Interface")), None)
    if header is None:
        raise TaskFailed(f"{COMMAND}: no interface table in the output")
    interfaces: dict[str, dict[str, str]] = {}
    for line in lines[header + 1 :]:
        words = line.split()
        if len(words) < 6:
            continue
        name, ip = words[0], words[1]
        interfaces[name] = {
            "ip": ip,
            "status": " ".join(words[4:-1]),
            "protocol": words[-1],
        }
    return interfaces


class InterfaceFacts:
    """The ``ActionPlugin``: name, talks to the device, argument model, and the call."""

    name = "interface_facts"
    device = True
    args_model = Args

    async def __call__(self, step: Step, args: Args) -> ActionResult:
        conn = await step.connection()
        output = await conn.send_command(COMMAND)
        interfaces = parse(output)
        if args.names is not None:
            missing = sorted(set(args.names) - set(interfaces))
            if missing:
                raise TaskFailed(f"no such interface: {', '.join(missing)}")
            interfaces = {n: v for n, v in interfaces.items() if n in args.names}
        if args.up_only:
            interfaces = {
                n: v for n, v in interfaces.items() if (v["status"], v["protocol"]) == ("up", "up")
            }
        return ActionResult(
            output=output,
            extra={"interfaces": interfaces, "count": len(interfaces)},
        )


def actions() -> list[InterfaceFacts]:
    return [InterfaceFacts()]
