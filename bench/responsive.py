"""A 20,000-line config push must not make its neighbours time out (real SSH, one lab).

    python bench/responsive.py [--neighbours 500] [--lines 20000] [--timeout 5]

Brings up 1 + N lab devices, sw-lab-1 with about LINES lines of running config, and runs
one play on all of them with a short per-host timeout: sw-lab-1 gets a config push (its
running config read, parsed and diffed by hier-config), every other device answers three
``show`` commands meanwhile. Prints the wall time, how long sw-lab-1's push took, and how
many neighbours failed or timed out (the goal: none).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.lab import control  # noqa: E402

PLAYBOOK = """\
- name: push beside a huge config
  hosts: all
  tasks:
    - name: push to the big device
      config:
        lines:
          - interface Vlan3999
          - " description pushed beside 20k lines"
      when: inventory_hostname == 'sw-lab-1'
    - command: show version
    - command: show clock
    - command: show ip interface brief
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--neighbours", type=int, default=500)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--timeout", type=float, default=5.0, help="per-host timeout, s")
    parser.add_argument("--base-port", type=int, default=22022)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="netraven-responsive-"))
    devices = args.neighbours + 1
    settings = control.LabSettings(
        devices=devices, base_port=args.base_port, big_configs=(f"sw-lab-1:{args.lines}",)
    )
    control.up(work / "lab", settings)
    try:
        inventory = work / "lab" / "inventory"
        defaults = yaml.safe_load((inventory / "defaults.yaml").read_text())
        defaults.setdefault("data", {})["timeout"] = args.timeout
        (inventory / "defaults.yaml").write_text(yaml.safe_dump(defaults))
        (work / "play.yml").write_text(PLAYBOOK)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "netraven", "run", str(work / "play.yml"), "-i", str(inventory),
             "-f", str(devices), "--output", "json", "--db", f"sqlite:///{work / 'b.db'}"],
            capture_output=True, text=True, check=False,
        )
        wall = time.perf_counter() - started
    finally:
        control.down(work / "lab")
    document = json.loads(result.stdout)
    hosts = document["hosts"]
    big = hosts["sw-lab-1"]
    failed = {name: h["error"] for name, h in hosts.items() if h["status"] != "ok"}
    push = big["tasks"][0]
    print(f"devices: 1 with ~{args.lines} config lines + {args.neighbours} neighbours; "
          f"per-host timeout {args.timeout:g} s; all in flight")
    print(f"wall time {wall:.1f} s; exit {result.returncode}")
    print(f"sw-lab-1 push: {push['status']} in {push['duration_ms'] / 1000:.1f} s")
    print(f"neighbours failed or timed out: {len(failed)}")
    for name, error in sorted(failed.items())[:5]:
        print(f"  {name}: {error}")
    return 0 if not failed and result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
