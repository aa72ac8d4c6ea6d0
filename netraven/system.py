"""Process-level settings shared by the runner and the lab."""

from __future__ import annotations

import resource


def raise_fd_limit() -> None:
    """Thousands of sessions (or listeners) need more descriptors than the usual 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
