"""Rendering a run for people (text) and machines (JSON, JUnit); redaction happens here too."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from netraven.runner.results import HostOutcome, RunSummary, TaskOutcome
from netraven.secrets import Redactor
from netraven.store.models import iso_utc

STYLE = {
    "ok": "green",
    "changed": "yellow",
    "failed": "red",
    "skipped": "cyan",
    "unreachable": "bold red",
    "interrupted": "magenta",
}
PROGRESS_MIN_HOSTS = 20


class TextReporter:
    """Ansible-like live lines, a progress bar on terminals, and a closing recap."""

    def __init__(
        self,
        out: Console,
        err: Console,
        redactor: Redactor,
        *,
        verbose: int = 0,
        show_diff: bool = False,
        live: bool = True,
    ) -> None:
        self.out = out
        self.err = err
        self.redactor = redactor
        self.verbose = verbose
        self.show_diff = show_diff
        self.live = live
        self._progress: Progress | None = None
        self._bar: Any = None

    def _print(self, text: str) -> None:
        if self.live:
            self.out.print(text, highlight=False, soft_wrap=True)

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        self._stop_progress()
        self._print(f"\n[bold]PLAY [{escape(name)}][/bold] {len(hosts)} host(s)")
        if self.err.is_terminal and len(hosts) >= PROGRESS_MIN_HOSTS:
            self._progress = Progress(
                TextColumn("hosts"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.err,
                transient=True,
            )
            self._progress.start()
            self._bar = self._progress.add_task("hosts", total=len(hosts))

    def task_finished(self, o: TaskOutcome) -> None:
        status = "failed" if o.failed and o.status != "unreachable" else o.status
        line = f"[{STYLE.get(status, '')}]{status}: {escape(f'[{o.host}]')}[/] {escape(o.name)}"
        if o.error:
            line += f" => {escape(self.redactor.text(o.error) or '')}"
            if o.ignored:
                line += " [dim](ignored)[/dim]"
        elif o.skipped and o.output and self.verbose:
            line += f" ({escape(o.output)})"
        self._print(line)
        if self.show_diff and o.diff:
            self._print(_indent(escape(self.redactor.text(o.diff) or "")))
        if self.verbose and o.output and not o.skipped:
            self._print(_indent(escape(self.redactor.text(o.output) or ""), dim=True))

    def host_finished(self, o: HostOutcome) -> None:
        if self._progress is not None:
            self._progress.advance(self._bar)

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        pass

    def log(self, host: str | None, level: str, message: str) -> None:
        if level == "warning":
            self.err.print(f"[yellow][WARNING][/yellow]: {escape(message)}", highlight=False)
        elif self.verbose >= 2 and level != "debug" or self.verbose >= 3:
            self.err.print(
                f"[dim]{level}: {escape(f'[{host or chr(45)}]')} "
                f"{escape(self.redactor.text(message) or '')}[/dim]",
                highlight=False,
            )

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def recap(self, summary: RunSummary, elapsed: float) -> None:
        self._stop_progress()
        self.out.print("\n[bold]PLAY RECAP[/bold]", highlight=False)
        stats = summary.stats()
        width = max((len(h) for h in stats), default=0)
        for host, s in sorted(stats.items(), key=lambda item: natural_key(item[0])):
            color = "red" if s.failed or s.unreachable else "yellow" if s.changed else "green"
            self.out.print(
                f"[{color}]{escape(host):<{width}}[/] : ok={s.ok:<4} changed={s.changed:<4} "
                f"unreachable={s.unreachable:<4} failed={s.failed:<4} skipped={s.skipped:<4} "
                f"ignored={s.ignored}",
                highlight=False,
                soft_wrap=True,
            )
        style = {"succeeded": "green", "interrupted": "magenta"}.get(summary.status, "red")
        self.err.print(
            f"\njob {summary.job_id} [{style}]{summary.status}[/] in {elapsed:.1f}s "
            f"(exit {summary.exit_code}) — details: netraven jobs show "
            f"{summary.job_id}",
            highlight=False,
        )


def natural_key(name: str) -> list[Any]:
    """sw-lab-2 before sw-lab-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _indent(text: str, dim: bool = False) -> str:
    body = "\n".join("    " + line for line in text.splitlines())
    return f"[dim]{body}[/dim]" if dim else body


def to_json(summary: RunSummary, redactor: Redactor, playbook: str, check: bool) -> str:
    hosts: dict[str, dict[str, Any]] = {}
    status = summary.host_status()
    for host in status:
        hosts[host] = {"status": status[host], "tasks": []}
    for t in summary.tasks:
        entry = hosts.setdefault(t.host, {"status": "ok", "tasks": []})
        entry["tasks"].append(
            {
                "play": t.play,
                "name": t.name,
                "action": t.action,
                "status": t.status,
                "changed": t.changed,
                "failed": t.failed,
                "skipped": t.skipped,
                "ignored": t.ignored,
                "output": redactor.text(t.output),
                "diff": redactor.text(t.diff),
                "error": redactor.text(t.error),
                "duration_ms": t.duration_ms,
            }
        )
    document = {
        "job": {
            "id": summary.job_id,
            "status": summary.status,
            "exit_code": summary.exit_code,
            "playbook": playbook,
            "check": check,
            "started_at": iso_utc(summary.started_at),
            "finished_at": iso_utc(summary.finished_at),
        },
        "hosts": hosts,
        "stats": {h: s.as_dict() for h, s in summary.stats().items()},
        "warnings": summary.warnings,
    }
    return json.dumps(document, indent=2)


def to_junit(summary: RunSummary, redactor: Redactor, playbook: str) -> str:
    cases = summary.tasks
    suite = ET.Element(
        "testsuite",
        name=playbook,
        tests=str(len(cases)),
        failures=str(sum(t.failed and t.status != "unreachable" for t in cases)),
        errors=str(sum(t.status == "unreachable" for t in cases)),
        skipped=str(sum(t.skipped for t in cases)),
        time=f"{sum(t.duration_ms for t in cases) / 1000:.3f}",
    )
    for t in cases:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=t.host,
            name=f"{t.play} / {t.name}",
            time=f"{t.duration_ms / 1000:.3f}",
        )
        if t.status == "unreachable":
            ET.SubElement(case, "error", message=redactor.text(t.error) or "unreachable")
        elif t.failed:
            node = ET.SubElement(case, "failure", message=redactor.text(t.error) or "failed")
            node.text = redactor.text(t.output) or ""
        elif t.skipped:
            ET.SubElement(case, "skipped", message=t.output or "skipped")
        if t.output and not t.failed:
            ET.SubElement(case, "system-out").text = redactor.text(t.output)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def elapsed_since(start: float) -> float:
    return time.perf_counter() - start
