"""The Dockerfile is linted and keeps the promises its header makes.

No Docker daemon is available where these tests run, so the image is not built here: the
file is linted with hadolint (the `test` extra ships its binary) and checked for what
the README promises — two stages, no compiler in the final one, a numeric non-root user,
dependencies installed in a layer before the code, and a build context without state.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def stages() -> list[list[str]]:
    """Instructions (continuation lines joined, comments dropped) of each FROM stage."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_final_stage_has_no_compiler_and_runs_unprivileged() -> None:
    builder, final = stages()
    assert builder[0].endswith(" AS builder")
    assert any("build-essential" in line for line in builder)
    final_text = "\n".join(final)
    for tool in ("build-essential", "gcc", "apt-get install", "python3-dev"):
        assert tool not in final_text
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and re.fullmatch(r"[1-9]\d{3,}(:[1-9]\d{3,})?", users[-1])
    assert final[-2].startswith("ENTRYPOINT") or final[-1].startswith("ENTRYPOINT")


def test_dependencies_are_a_layer_before_the_code() -> None:
    builder, final = stages()
    copies = [line for line in builder if line.startswith("COPY ")]
    assert copies[0].split()[1:-1] == ["pyproject.toml", "README.md"]
    assert copies[1].split()[1] == "netraven"
    installs = [line for line in final if line.startswith(("COPY ", "RUN pip install"))]
    assert "/wheels/deps" in installs[0] and "/wheels/deps" in installs[1]
    assert "/wheels/app" in installs[2] and "--no-deps" in installs[3]


def test_build_context_leaves_out_state_and_secrets() -> None:
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
    } - {""}
    for entry in (".git", ".venv", ".netraven", "*.db", "inventory", "netraven.toml"):
        assert entry in ignored
