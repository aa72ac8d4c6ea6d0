"""Baseline (b): plain Nornir + nornir_netmiko, threaded runner, doing the bench's work.

show version, show running-config, and a backup (a second read of the running
config written to a file) on every host of the lab inventory.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nornir import InitNornir
from nornir.core.inventory import ConnectionOptions
from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_send_command


def work(task: Task, backup_dir: Path) -> Result:
    task.run(netmiko_send_command, command_string="show version", enable=True)
    task.run(netmiko_send_command, command_string="show running-config", enable=True)
    backup = task.run(netmiko_send_command, command_string="show running-config", enable=True)
    (backup_dir / f"{task.host.name}.cfg").write_text(str(backup.result))
    return Result(host=task.host)


def main() -> int:
    inventory, backup_dir, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    nr = InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": workers}},
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(inventory / "hosts.yaml"),
                "group_file": str(inventory / "groups.yaml"),
                "defaults_file": str(inventory / "defaults.yaml"),
            },
        },
        logging={"enabled": False},
    )
    secret = nr.inventory.defaults.data.get("enable_secret")
    nr.inventory.defaults.connection_options["netmiko"] = ConnectionOptions(
        extras={"secret": secret}
    )
    result = nr.run(task=work, backup_dir=backup_dir)
    failed = len(result.failed_hosts)
    print(f"hosts={len(result)} failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
