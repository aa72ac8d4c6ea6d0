"""Schema bookkeeping without a database: the head constant, the messages readers see."""

from __future__ import annotations

import os
import socket
import subprocess

from netraven.store.liveness import effective_status
from netraven.store.models import Job
from netraven.store.schema import HEAD, SchemaStatus, head_revision, known_revisions


def test_head_constant_is_the_newest_packaged_revision() -> None:
    assert head_revision() == HEAD
    assert known_revisions() == {"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008"}


def test_reader_messages_say_what_to_run() -> None:
    legacy = SchemaStatus(current=None, legacy=True, empty=False)
    assert not legacy.usable and legacy.known
    assert legacy.problem("sqlite:///x.db") == (
        "job store sqlite:///x.db has the schema of release 0.1.0 but this release needs "
        f"{HEAD}: run any writing command (e.g. netraven run) or `netraven db upgrade`"
    )
    behind = SchemaStatus(current="0001", legacy=False, empty=False)
    assert "schema revision 0001 but this release needs" in behind.problem("db")
    assert behind.describe() == f"0001; head is {HEAD}"
    empty = SchemaStatus(current=None, legacy=False, empty=True)
    assert empty.problem("db").startswith("no job store at db:")
    newer = SchemaStatus(current="0999", legacy=False, empty=False)
    assert not newer.known and "newer NetRaven" in newer.problem("db")
    current = SchemaStatus(current=HEAD, legacy=False, empty=False)
    assert current.usable and current.describe() == f"{HEAD} (head)"


def _job(**values: object) -> Job:
    return Job(playbook="p.yml", playbook_sha256="0" * 64, user="u", **values)


def test_effective_status_reports_dead_local_jobs_as_interrupted() -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    here = socket.gethostname()
    assert effective_status(_job(status="running", pid=proc.pid, machine=here)) == "interrupted"
    assert effective_status(_job(status="queued", pid=proc.pid, machine=here)) == "interrupted"
    # Another machine's job cannot be checked from here; a finished job is what it says.
    assert effective_status(_job(status="running", pid=proc.pid, machine="elsewhere")) == "running"
    assert effective_status(_job(status="failed", pid=proc.pid, machine=here)) == "failed"
    # A live process (this one) keeps its job running.
    assert effective_status(_job(status="running", pid=os.getpid(), machine=here)) == "running"
