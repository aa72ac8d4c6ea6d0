"""Every direct dependency is bounded on both sides, and every third-party import is declared.

scrapli 2026.10 dropped ``scrapli.driver`` and NetRaven survived only because another package
pinned it; sqlalchemy was imported in fifteen modules while arriving only through sqlmodel. These
tests make a new unbounded or undeclared dependency fail CI instead of a user's install.
bench/deps_matrix.py checks that the declared floors and ceilings actually work.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

from bench.deps_matrix import Requirement, direct_requirements, parse_requirement

ROOT = Path(__file__).resolve().parents[2]

# Imported without being declared, each for a reason a declaration would make false:
# click is imported only as the fallback when typer < 0.20 (which depends on click itself);
# newer typer vendors it and click is then not installed at all.
UNDECLARED_IMPORTS = {"click": "typer"}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_parser_sees_missing_bounds() -> None:
    assert parse_requirement("foo>=1.2,<2") == Requirement("foo", "", ">=1.2,<2", "1.2", "2")
    assert parse_requirement("foo[bar]>=1").upper is None
    assert parse_requirement("foo").lower is None
    assert parse_requirement("foo<=2").upper is None  # a ceiling must exclude the breaking release
    with pytest.raises(ValueError):
        parse_requirement('foo>=1,<2; python_version < "3.12"')


@pytest.mark.parametrize("req", direct_requirements(), ids=lambda r: r.name)
def test_every_direct_dependency_has_both_bounds(req: Requirement) -> None:
    assert req.lower, f"{req.name}: add a >= floor that bench/deps_matrix.py passes with"
    assert req.upper, f"{req.name}: add a < ceiling at the next API-breaking release"
    assert _version(req.lower) < _version(req.upper), req


def test_scrapli_stays_below_the_rewrite_without_scrapli_driver() -> None:
    scrapli = next(r for r in direct_requirements() if r.name == "scrapli")
    assert scrapli.upper is not None and _version(scrapli.upper) <= (2026, 10)


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "netraven").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found.update(n.split(".")[0] for n in names)
    return {n for n in found if n not in sys.stdlib_module_names and n != "netraven"}


def test_every_third_party_import_in_netraven_is_declared() -> None:
    declared = {r.key for r in direct_requirements()}
    owners = importlib.metadata.packages_distributions()
    missing = []
    for module in sorted(_third_party_imports()):
        if module in UNDECLARED_IMPORTS:
            assert _key(UNDECLARED_IMPORTS[module]) in declared
            continue
        dists = {_key(d) for d in owners.get(module, [])}
        if not dists & declared:
            missing.append(f"{module} (from {sorted(dists) or 'nothing installed'})")
    assert not missing, f"imported by netraven/ but not in pyproject dependencies: {missing}"
