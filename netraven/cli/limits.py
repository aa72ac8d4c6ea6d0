"""``--limit @FILE``, ``--retry-failed JOB`` and the ``last-failed.txt`` they feed on."""

from __future__ import annotations

from pathlib import Path

from nornir.core.inventory import Inventory
from sqlalchemy.engine import Engine

from netraven.errors import InputError
from netraven.playbook.patterns import select
from netraven.runner.results import FAILED, RunSummary
from netraven.store import queries

LAST_FAILED = Path(".netraven/last-failed.txt")


def read_host_file(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"cannot read host list: {exc.strerror}", path=str(path)) from None
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not names:
        raise InputError("host list is empty", path=str(path))
    return names


def resolve_limit(
    inventory: Inventory, limit: str | None, retry_failed: int | None, engine: Engine
) -> tuple[str | None, list[str]]:
    """The host pattern to run on, and warnings; raises InputError for bad input."""
    warnings: list[str] = []
    if limit and limit.startswith("@"):
        limit = ",".join(read_host_file(Path(limit[1:])))
    if retry_failed is None:
        return limit, warnings
    if queries.get_job(engine, retry_failed) is None:
        raise InputError(f"--retry-failed: no job {retry_failed}")
    failed = queries.failed_hosts(engine, retry_failed)
    known = [h for h in failed if h in inventory.hosts]
    gone = sorted(set(failed) - set(known))
    if gone:
        warnings.append(f"--retry-failed: not in the inventory any more: {', '.join(gone)}")
    if limit:
        allowed = set(select(inventory, limit).hosts)
        known = [h for h in known if h in allowed]
    if not known:
        warnings.append(f"--retry-failed: job {retry_failed} has no failed hosts to run")
        return "", warnings
    return ",".join(known), warnings


def write_last_failed(summary: RunSummary) -> Path | None:
    failed = sorted({h.host for h in summary.hosts if h.status in FAILED})
    if not failed:
        return None
    LAST_FAILED.parent.mkdir(parents=True, exist_ok=True)
    LAST_FAILED.write_text("\n".join(failed) + "\n")
    return LAST_FAILED
