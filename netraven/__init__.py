"""NetRaven: a declarative network automation runner built on Nornir.

The public API is what ``__all__`` names; everything else is internal.
"""

from netraven.errors import (
    ConnectionFailed,
    InputError,
    NetRavenError,
    TaskFailed,
)

__version__ = "0.1.0"

__all__ = [
    "ConnectionFailed",
    "InputError",
    "NetRavenError",
    "TaskFailed",
    "__version__",
]
