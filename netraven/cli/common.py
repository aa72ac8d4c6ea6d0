"""Exit codes and the one place that turns errors into one-line messages."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from netraven.errors import InputError, LabError, NetRavenError, StoreError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_FAILED = 2
EXIT_UNREACHABLE = 4
EXIT_INPUT = 5
EXIT_INTERRUPTED = 99

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """No traceback for errors we understand; each maps to a documented exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            fail(str(exc), EXIT_INPUT)
        except (StoreError, LabError) as exc:
            fail(str(exc), EXIT_INTERNAL)
        except NetRavenError as exc:
            fail(str(exc), EXIT_INTERNAL)
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        return None

    return wrapper  # type: ignore[return-value]
