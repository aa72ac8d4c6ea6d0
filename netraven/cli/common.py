"""Exit codes and the one place that turns errors into one-line messages."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

from netraven import exit_codes
from netraven.errors import InputError, LabError, NetRavenError, StoreError

EXIT_INTERNAL = exit_codes.INTERNAL
EXIT_INPUT = exit_codes.INPUT
EXIT_INTERRUPTED = exit_codes.INTERRUPTED

F = TypeVar("F", bound=Callable[..., Any])


def open_store(db: str | None, *, write: bool = True) -> Engine:
    """The job store that ``--db``, ``NETRAVEN_DB_URL`` or ``netraven.toml`` selects.

    Commands that only read pass ``write=False``: they never migrate, create or mark
    anything, so looking at a store cannot change it.
    """
    from netraven.settings import load_settings
    from netraven.store.engine import open_engine

    return open_engine(load_settings(db_url=db).db_url, write=write)


def fail(message: str, code: int) -> None:
    """One ``error:`` line per line of the message (``InputErrors`` carries several)."""
    for line in message.splitlines() or [""]:
        sys.stderr.write(f"error: {line}\n")
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
