"""Run the fast tests against every direct dependency at its declared minimum and at the newest
allowed release, so the bounds in pyproject.toml are facts rather than hopes.

Why: scrapli 2026.10 shipped a rewrite without ``scrapli.driver`` and NetRaven kept working only
because another package happened to pin it. A lower bound nobody installs drifts out of truth the
same way, so this script installs it.

Two virtualenvs are built (reused on later runs) under ``--dir``:

* ``min``: each direct dependency (runtime and the ``test`` extra) pinned ``==`` its lower bound;
  transitive dependencies are whatever pip resolves for those pins.
* ``latest``: the declared specifiers as written, upgraded, so pip picks the newest allowed.

In each one it imports every ``netraven`` module (plus the psycopg driver through SQLAlchemy),
runs ``pytest -q tests/unit tests/inprocess`` with this checkout first on ``PYTHONPATH``, and then
a lab smoke (``tests/integration/test_cli_input.py`` and ``test_run_lab.py``, ~1 minute): the
unit and in-process tiers use FakeNetwork, so without it scrapli, asyncssh, netmiko and the CLI
would never run at their minimum. Linters (ruff, mypy) are installed but not run: their verdict is
checked by the ordinary CI at the floor.

Usage (from the repository root; the first run downloads ~300 MB, later runs reuse the venvs)::

    python bench/deps_matrix.py                  # both venvs, table, exit 1 if either fails
    python bench/deps_matrix.py --only min       # just the minimums
    python bench/deps_matrix.py --fresh          # rebuild the venvs from scratch
    python bench/deps_matrix.py --no-lab         # skip the lab smoke (no SSH to 127.0.0.1)

It needs network access to the package index and is kept out of the regular test run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Requirement", "direct_requirements", "main", "parse_requirement"]

ROOT = Path(__file__).resolve().parent.parent
LAB_TESTS = ("tests/integration/test_cli_input.py", "tests/integration/test_run_lab.py")
_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")

# Imported by path by alembic, not as modules: env.py runs migrations at import time.
# netraven.__main__ runs the CLI when imported.
_SKIP_IMPORT = ("netraven.store.migrations", "netraven.__main__")


@dataclass(frozen=True)
class Requirement:
    """One direct dependency as declared: name, extras and its lower/upper bound (if any)."""

    name: str
    extras: str
    specifier: str
    lower: str | None
    upper: str | None

    @property
    def key(self) -> str:
        """The normalised project name, as pip and importlib.metadata compare names."""
        return re.sub(r"[-_.]+", "-", self.name).lower()


def parse_requirement(text: str) -> Requirement:
    """Split a PEP 508 string of the simple form we allow (no markers, no URLs)."""
    match = _REQ.match(text)
    if match is None or ";" in text or "@" in text:
        raise ValueError(f"unsupported requirement form: {text!r}")
    name, extras, spec = match.group(1), match.group(2) or "", match.group(3)
    lower = upper = None
    for clause in (c.strip() for c in spec.split(",") if c.strip()):
        if clause.startswith(">="):
            lower = clause[2:].strip()
        elif clause.startswith("<") and not clause.startswith("<="):
            upper = clause[1:].strip()
    return Requirement(name, extras, spec, lower, upper)


def direct_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """Runtime dependencies and every optional-dependency group, in declaration order."""
    project = tomllib.loads(pyproject.read_text())["project"]
    texts = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        texts.extend(group)
    return [parse_requirement(t) for t in texts]


_SMOKE = f"""
import importlib, pkgutil, sys
import netraven
assert netraven.__file__.startswith({str(ROOT)!r}), netraven.__file__
failed = []
count = 0
for info in pkgutil.walk_packages(netraven.__path__, "netraven."):
    if info.name.startswith({_SKIP_IMPORT!r}):
        continue
    count += 1
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{{info.name}}: {{type(exc).__name__}}: {{exc}}")
import sqlalchemy
sqlalchemy.create_engine("postgresql+psycopg://u@127.0.0.1:1/x")  # loads the psycopg driver
print(f"imported {{count}} modules")
if failed:
    print("\\n".join(failed))
    sys.exit(1)
"""

_VERSIONS = """
import importlib.metadata as m, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = m.version(name)
    except m.PackageNotFoundError:
        out[name] = None
print(json.dumps(out))
"""


@dataclass
class Outcome:
    """What happened in one venv: installed versions and each check's verdict."""

    label: str
    versions: dict[str, str | None]
    install: str = "not run"
    smoke: str = "not run"
    tests: str = "not run"
    lab: str = "not run"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        checks = (self.smoke, self.tests, self.lab)
        return self.install == "ok" and all(c.startswith(("ok", "skipped")) for c in checks)


def _run(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a step, append its output to the venv's log and hand back the tail for the summary."""
    with log.open("a") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        fh.write(proc.stdout)
    return proc.returncode, proc.stdout


def _pins(reqs: list[Requirement], label: str) -> list[str]:
    if label == "min":
        return [f"{r.name}{r.extras}=={r.lower}" for r in reqs if r.lower]
    return [f"{r.name}{r.extras}{r.specifier}" for r in reqs]


def _pytest(python: Path, paths: list[str], log: Path, env: dict[str, str]) -> str:
    code, out = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
                     log, env)
    summary = out.strip().splitlines()[-1] if out.strip() else "(no output)"
    return ("ok: " if code == 0 else "FAILED: ") + summary.strip("= ")


def run_venv(label: str, reqs: list[Requirement], base: Path, fresh: bool,
             lab: bool) -> Outcome:
    """Build (or reuse) one venv, install its pins and run the checks in it."""
    started = time.monotonic()
    venv = base / label
    log = base / f"{label}.log"
    if fresh and venv.exists():
        shutil.rmtree(venv)
    base.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    outcome = Outcome(label, {})
    unbounded = [r.name for r in reqs if label == "min" and not r.lower]
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if label == "latest":
        pip.append("--upgrade")
    code, out = _run(pip + _pins(reqs, label), log)
    errors = [line for line in out.splitlines() if line.startswith("ERROR")] or ["(no output)"]
    outcome.install = "ok" if code == 0 else "FAILED: " + errors[0][:160]
    if unbounded:
        outcome.install += f" (no lower bound: {', '.join(unbounded)})"
    code, out = _run([str(python), "-c", _VERSIONS, *[r.name for r in reqs]], log)
    if code == 0:
        outcome.versions = json.loads(out.strip().splitlines()[-1])
    if outcome.install != "ok":
        outcome.seconds = time.monotonic() - started
        return outcome
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("VIRTUAL_ENV", None)
    code, out = _run([str(python), "-c", _SMOKE], log, env)
    lines = out.strip().splitlines() or ["(no output)"]
    outcome.smoke = ("ok: " + lines[0]) if code == 0 else "FAILED: " + "; ".join(lines[-3:])[:200]
    outcome.tests = _pytest(python, ["tests/unit", "tests/inprocess"], log, env)
    outcome.lab = _pytest(python, list(LAB_TESTS), log, env) if lab else "skipped (--no-lab)"
    outcome.seconds = time.monotonic() - started
    return outcome


def render(reqs: list[Requirement], outcomes: list[Outcome]) -> str:
    """The table: one row per direct dependency, then each venv's verdicts."""
    header = ["package", "declared", *[f"{o.label} installed" for o in outcomes]]
    rows = [header]
    for r in reqs:
        rows.append([r.name + r.extras, r.specifier,
                     *[str(o.versions.get(r.name) or "-") for o in outcomes]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    for o in outcomes:
        lines.append(f"[{o.label}] {'PASS' if o.ok else 'FAIL'} in {o.seconds:.0f}s")
        lines.append(f"  install: {o.install}")
        lines.append(f"  import smoke: {o.smoke}")
        lines.append(f"  pytest tests/unit tests/inprocess: {o.tests}")
        lines.append(f"  lab smoke: {o.lab}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/netraven-deps-matrix"),
                        help="where the venvs and their logs live (default: %(default)s)")
    parser.add_argument("--only", choices=["min", "latest"], help="run one venv only")
    parser.add_argument("--fresh", action="store_true", help="delete and rebuild the venvs")
    parser.add_argument("--no-lab", action="store_true", help="skip the lab smoke tests")
    args = parser.parse_args(argv)
    reqs = direct_requirements()
    labels = [args.only] if args.only else ["min", "latest"]
    outcomes = [run_venv(label, reqs, args.dir, args.fresh, not args.no_lab) for label in labels]
    print(render(reqs, outcomes))
    print(f"\nlogs: {', '.join(str(args.dir / f'{o.label}.log') for o in outcomes)}")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
