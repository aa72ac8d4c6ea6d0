"""CPU-heavy work on large texts runs in a worker thread; on small ones it runs inline.

A 20,000-line running config takes seconds to parse and diff, which would stall every
other host's session if done on the event loop. A 3 KB one takes a millisecond, and
sending a thousand of those through the thread pool costs more than doing them inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["LARGE_TEXT", "off_loop"]

T = TypeVar("T")
LARGE_TEXT = 64 * 1024  # characters


async def off_loop(func: Callable[..., T], *args: Any, size: int) -> T:
    """``func(*args)``, in a worker thread when ``size`` (the text's length) is large."""
    if size < LARGE_TEXT:
        return func(*args)
    return await asyncio.to_thread(func, *args)
