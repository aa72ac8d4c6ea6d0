"""What the terminal and JUnit reporters print is redacted, every field of it."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from rich.console import Console

from netraven.cli.output import TextReporter, to_junit
from netraven.domain import HostOutcome, JobOutcome, TaskOutcome
from netraven.secrets import MASK, Redactor

KNOWN = "known-Secret-42"
REDACTOR = Redactor([KNOWN])


def _refused(**changes: object) -> TaskOutcome:
    outcome = TaskOutcome(
        "sw1",
        0,
        "play",
        0,
        "command: username x secret literal-S3cret",
        "command",
        "skipped",
        skipped=True,
        output=f"check mode: refused, see {KNOWN}",
    )
    for key, value in changes.items():
        setattr(outcome, key, value)
    return outcome


def _reporter(verbose: int = 1) -> tuple[TextReporter, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    reporter = TextReporter(
        Console(file=out, no_color=True, width=200),
        Console(file=err, no_color=True, width=200),
        REDACTOR,
        verbose=verbose,
        show_diff=True,
    )
    return reporter, out, err


def test_text_reporter_redacts_titles_skips_warnings_and_host_errors() -> None:
    reporter, out, err = _reporter(verbose=1)
    reporter.task_finished(_refused())
    reporter.task_finished(
        _refused(
            name="configure",
            status="changed",
            skipped=False,
            changed=True,
            output="would send:\nusername ops secret 0 literal-S3cret",
            diff="+username ops secret 0 literal-S3cret",
        )
    )
    reporter.log("sw1", "warning", f"task 'probe' attempt 1 failed: 'show run | i {KNOWN}'")
    reporter.host_finished(HostOutcome("sw1", 0, "play", "aborted", error=f"play aborted: {KNOWN}"))
    text = out.getvalue() + err.getvalue()
    assert "literal-S3cret" not in text and KNOWN not in text, text
    assert f"skipping: [sw1] command: username x secret {MASK}" in text
    assert f"(check mode: refused, see {MASK})" in text
    assert f"+username ops secret 0 {MASK}" in text
    assert f"[WARNING]: task 'probe' attempt 1 failed: 'show run | i {MASK}'" in err.getvalue()
    assert f"aborted: [sw1] play aborted: {MASK}" in text


def test_junit_redacts_names_and_skip_messages() -> None:
    summary = JobOutcome(1, "succeeded", 0, [_refused()], [HostOutcome("sw1", 0, "play", "ok")])
    document = to_junit(summary, REDACTOR, "book.yml")
    assert "literal-S3cret" not in document and KNOWN not in document, document
    case = ET.fromstring(document.split("?>", 1)[1]).find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == f"play / command: username x secret {MASK}"
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message") == f"check mode: refused, see {MASK}"
