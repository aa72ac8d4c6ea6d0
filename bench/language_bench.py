"""The playbook language must not make the runner slow: loops, handlers, facts vs. plain tasks.

    python bench/language_bench.py --devices 1000 [--rounds 3]

Both playbooks do the same device work — show version, show running-config, a backup,
three config pushes (already present after the warm-up, so each is a read and a diff),
show clock — one written as plain tasks, the other with a registered result, set_fact,
`when`, a three-item loop, template variables and a handler. Each runs as its own
process against one lab, warm-up first, then alternating for ``--rounds`` rounds; the
ratio of the rounds' median is printed. Target: language / plain within 1.10x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run_bench import Measure, measure  # noqa: E402

from netraven.lab import control  # noqa: E402

PLAIN = """\
- name: plain
  hosts: all
  tasks:
    - command: show version
    - command: show running-config
    - backup: {}
    - config: {lines: [vlan 10, " name users"]}
    - config: {lines: [vlan 20, " name voice"]}
    - config: {lines: [vlan 30, " name printers"]}
    - command: show clock
"""

LANGUAGE = """\
- name: language
  hosts: all
  vars:
    vlans:
      - {id: 10, name: users}
      - {id: 20, name: voice}
      - {id: 30, name: printers}
    read_config: "show {{ 'running-config' }}"
  tasks:
    - command: show version
      register: version
      changed_when: true
      notify: read clock
    - set_fact:
        release: "{{ version.stdout | regex_search('Version [^ ,]+') }}"
    - command: "{{ read_config }}"
      when: release is not none
    - backup: {}
    - config:
        lines: ["vlan {{ vlan.id }}", " name {{ vlan.name }}"]
      loop: "{{ vlans }}"
      loop_control: {loop_var: vlan, label: "{{ vlan.name }}"}
  handlers:
    - name: read clock
      command: show clock
"""


def argv(work: Path, inventory: Path, name: str, tag: object, forks: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "netraven",
        "run",
        str(work / f"{name}.yml"),
        "-i",
        str(inventory),
        "-f",
        str(forks),
        "--db",
        f"sqlite:///{work / f'{name}-{tag}.db'}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=20022)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="netraven-langbench-"))
    lab_dir = work / "lab"
    control.up(lab_dir, control.LabSettings(devices=args.devices, base_port=args.base_port))
    inventory = lab_dir / "inventory"
    (work / "plain.yml").write_text(PLAIN)
    (work / "language.yml").write_text(LANGUAGE)
    print(f"lab: {args.devices} devices; {os.cpu_count()} CPUs")
    results: dict[str, list[Measure]] = {"plain": [], "language": []}
    try:
        for name in ("plain", "language"):  # converge the devices, warm the lab
            m = measure(f"warm-up {name}", argv(work, inventory, name, "warmup", args.devices))
            print(f"warm-up {name:<9} {m.seconds:8.2f} s  exit {m.returncode}")
        for round_no in range(1, args.rounds + 1):
            for name in ("plain", "language") if round_no % 2 else ("language", "plain"):
                m = measure(name, argv(work, inventory, name, round_no, args.devices))
                results[name].append(m)
                print(
                    f"round {round_no} {name:<9} {m.seconds:8.2f} s  peak RSS "
                    f"{m.peak_rss_mb:7.1f} MB  exit {m.returncode}"
                )
    finally:
        control.down(lab_dir)
    ratios = [
        lang.seconds / plain.seconds
        for lang, plain in zip(results["language"], results["plain"], strict=True)
    ]
    medians = {k: statistics.median(m.seconds for m in v) for k, v in results.items()}
    print(
        f"\nmedian: plain {medians['plain']:.2f} s, language {medians['language']:.2f} s; "
        f"language / plain = {statistics.median(ratios):.2f}x (per round: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}; target <= 1.10x)"
    )
    shutil.rmtree(work, ignore_errors=True)
    failed = [m.name for ms in results.values() for m in ms if m.returncode != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
