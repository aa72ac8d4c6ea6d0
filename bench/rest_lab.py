"""The HTTPS lab at scale: one lab process serving N devices' eAPI and RESTCONF.

    python bench/rest_lab.py --devices 1000 [--forks 200]

Brings up ``lab up --https`` with N devices, then runs, each as its own process against
``inventory-https``: an eAPI job (``show version`` + backup) and a RESTCONF job (backup +
``restconf_config``, run twice: the second must change nothing). Prints the lab's start
time and RSS, each job's wall time, peak RSS and the hosts that failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netraven.lab import control  # noqa: E402

EAPI = """\
- hosts: all
  tasks:
    - command: show version
    - backup:
"""
RESTCONF = """\
- hosts: all
  tasks:
    - backup:
    - restconf_config:
        path: Cisco-IOS-XE-native:native
        content:
          Cisco-IOS-XE-native:native:
            Cisco-IOS-XE-ntp:ntp: {server: {server-list: [{ip-address: 192.0.2.123}]}}
            interface:
              GigabitEthernet: [{name: 1/0/4, description: "{{ inventory_hostname }} bench"}]
"""


def free_base(count: int) -> int:
    for base in range(12000, 32000 - count, 97):
        try:
            for port in (base, base + count - 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise SystemExit("no free port range")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def job(work: Path, name: str, playbook: str, inventory: Path, forks: int) -> None:
    play = work / f"{name}.yml"
    play.write_text(playbook)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "netraven", "run", str(play), "-i", str(inventory), "-f",
         str(forks), "--output", "json", "--db", f"sqlite:///{work / 'bench.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=work, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    out = process.stdout.read() if process.stdout else ""
    _, _, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    document = json.loads(out)
    failed = [h for h, v in document["hosts"].items() if v["status"] not in ("ok", "changed")]
    changed = sum(1 for v in document["hosts"].values() if v["changed"])
    print(
        f"{name:<18} {seconds:7.1f} s  peak RSS {usage.ru_maxrss / 1024:6.0f} MB  "
        f"hosts {len(document['hosts'])}  changed {changed}  failed {len(failed)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rest-bench-"))
    settings = control.LabSettings(
        devices=args.devices, base_port=free_base(args.devices * 3), https=True
    )
    started = time.perf_counter()
    state = control.up(work / "lab", settings, timeout=600)
    print(
        f"lab up --https -n {args.devices}: {time.perf_counter() - started:.1f} s, "
        f"lab RSS {rss_mb(int(state['pid'])):.0f} MB"
    )
    try:
        eapi = work / "lab" / "inventory-https"
        job(work, "eapi", EAPI, eapi, args.forks)
        restconf = work / "inv-restconf"
        shutil.copytree(eapi, restconf)
        defaults = restconf / "defaults.yaml"
        defaults.write_text(defaults.read_text().replace("api: eapi", "api: restconf"))
        job(work, "restconf (1st)", RESTCONF, restconf, args.forks)
        job(work, "restconf (2nd)", RESTCONF, restconf, args.forks)
        print(f"lab RSS after the jobs: {rss_mb(int(state['pid'])):.0f} MB")
    finally:
        control.down(work / "lab")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
