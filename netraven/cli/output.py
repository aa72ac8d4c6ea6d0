"""Rendering a run for people (text) and machines (JSON, JUnit); redaction happens here too."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from netraven.domain import HostOutcome, JobOutcome, TaskOutcome, natural_key
from netraven.secrets import Redactor

STYLE = {
    "ok": "green",
    "changed": "yellow",
    "failed": "red",
    "skipped": "cyan",
    "unreachable": "bold red",
    "interrupted": "magenta",
    "aborted": "magenta",
    "rolled_back": "yellow",
    "rollback_failed": "bold red",
}
PROGRESS_MIN_HOSTS = 20


class TextReporter:
    """Ansible-like live lines, a progress bar on terminals, and a closing recap.

    Lines are plain text with one style each; off a terminal (CI logs, pipes) they are
    written without rich's rendering, which costs more than the run itself at 1,000 hosts.
    """

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
        self._styled = out.is_terminal and not out.no_color
        self._progress: Progress | None = None
        self._bar: Any = None

    def _line(self, text: str, style: str = "", console: Console | None = None) -> None:
        console = console or self.out
        if console is self.out and not self.live:
            return
        if self._progress is not None:
            # Same terminal: print above the live bar, which rich then redraws below.
            self._progress.console.print(Text(text, style=style), soft_wrap=True)
        elif self._styled or console is not self.out:
            console.print(Text(text, style=style), soft_wrap=True)
        else:
            console.file.write(text + "\n")

    def job_started(self, job_id: int) -> None:
        pass

    def job_finished(self, outcome: JobOutcome) -> None:
        pass

    def play_started(self, index: int, name: str, hosts: list[str]) -> None:
        self._stop_progress()
        self._line(f"\nPLAY [{name}] {len(hosts)} host(s)", "bold")
        if self.err.is_terminal and self.out.is_terminal and len(hosts) >= PROGRESS_MIN_HOSTS:
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
        status = o.status if o.status != "failed" or not o.failed else "failed"
        # An unnamed task is titled by its command, which may carry a secret.
        line = f"{_label(status)}: [{o.host}] {self.redactor.text(o.name)}"
        if o.error:
            line += f" => {self.redactor.text(o.error)}"
            if o.ignored:
                line += " (ignored)"
            elif o.rescued:
                line += " (rescued)"
        elif o.action == "debug" and o.output and not o.skipped:
            line += f" => {self.redactor.text(o.output)}"  # debug's message is its point
        elif o.skipped and o.output and self.verbose:
            line += f" ({self.redactor.text(o.output)})"
        self._line(line, STYLE.get(status, ""))
        if o.diff and (self.show_diff or o.status == "rollback_failed"):
            self._line(_indent(self.redactor.text(o.diff) or ""))
        if self.verbose and o.output and not o.skipped:
            self._line(_indent(self.redactor.text(o.output) or ""), "dim")

    def host_finished(self, o: HostOutcome) -> None:
        if o.status in ("skipped", "aborted"):
            error = self.redactor.text(o.error)
            self._line(f"{_label(o.status)}: [{o.host}] {error}", STYLE.get(o.status, ""))
        if self._progress is not None:
            self._progress.advance(self._bar)

    def backup_taken(self, host: str, sha256: str, text: str) -> None:
        pass

    def log(self, host: str | None, level: str, message: str) -> None:
        # Warnings quote rendered commands too: a retry names the failed command.
        if level == "warning":
            self._line(f"[WARNING]: {self.redactor.text(message)}", "yellow", self.err)
        elif (self.verbose >= 2 and level != "debug") or self.verbose >= 3:
            self._line(f"{level}: [{host or '-'}] {self.redactor.text(message)}", "dim", self.err)

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def recap(self, summary: JobOutcome) -> None:
        self._stop_progress()
        self._line("\nPLAY RECAP", "bold")
        stats = summary.stats()
        width = max((len(h) for h in stats), default=0)
        for host, s in sorted(stats.items(), key=lambda item: natural_key(item[0])):
            color = "red" if s.failed or s.unreachable else "yellow" if s.changed else "green"
            self._line(
                f"{host:<{width}} : ok={s.ok:<4} changed={s.changed:<4} "
                f"unreachable={s.unreachable:<4} failed={s.failed:<4} skipped={s.skipped:<4} "
                f"rescued={s.rescued:<4} ignored={s.ignored}",
                color,
            )

    def closing_line(self, summary: JobOutcome, elapsed: float, store_flag: str = "") -> None:
        style = {"succeeded": "green", "interrupted": "magenta"}.get(summary.status, "red")
        self._line(
            f"job {summary.job_id} {summary.status} in {elapsed:.1f}s (exit "
            f"{summary.exit_code}) — details: netraven jobs show {summary.job_id}{store_flag}",
            style,
            self.err,
        )


def _label(status: str) -> str:
    """Ansible's word for a skipped task; the status itself elsewhere."""
    return "skipping" if status == "skipped" else status


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def to_junit(summary: JobOutcome, redactor: Redactor, playbook: str) -> str:
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
            name=f"{redactor.text(t.play)} / {redactor.text(t.name)}",
            time=f"{t.duration_ms / 1000:.3f}",
        )
        if t.status == "unreachable":
            ET.SubElement(case, "error", message=redactor.text(t.error) or "unreachable")
        elif t.failed:
            node = ET.SubElement(case, "failure", message=redactor.text(t.error) or "failed")
            node.text = redactor.text(t.output) or ""
        elif t.skipped:
            ET.SubElement(case, "skipped", message=redactor.text(t.output) or "skipped")
        if t.output and not t.failed:
            ET.SubElement(case, "system-out").text = redactor.text(t.output)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
