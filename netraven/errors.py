"""One exception tree for everything NetRaven raises on purpose.

NetRavenError
├── InputError            bad options, inventory, playbook or template (exit 5)
│   └── InputErrors       several input errors found in one pass, one per line
├── StoreError            the job store cannot be opened or written
├── LabError              the simulated lab cannot start, stop or be found
├── Interrupted           SIGTERM arrived outside the event loop (handled like Ctrl-C)
├── ServiceError          a remote job service (--server) could not be reached or failed
├── ExecutorError         --executor celery: no worker alive, broker unreachable, a lane failed
└── DeviceError           something went wrong talking to one host
    ├── ConnectionFailed  the host could not be reached (unreachable; retryable)
    │   ├── AuthenticationFailed  login or enable refused (never retried: lockouts)
    │   ├── TlsFailed     the device's TLS certificate is not trusted (never retried)
    │   └── SessionLost   the session dropped or stopped answering mid-task (retryable)
    ├── CheckModeBlocked  a device-changing call was attempted under --check
    └── TaskFailed        a task ran and failed: assert, template, rejected command

``DeviceError.retryable`` is what a ``recovery: retries`` policy looks at.
"""

from __future__ import annotations


class NetRavenError(Exception):
    """Root of every error NetRaven raises on purpose."""


class InputError(NetRavenError):
    """Invalid user input; the message names file, line and field where known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class InputErrors(InputError):
    """Every mistake found in one pass, so a user fixes a file in one round trip.

    ``str()`` is one ``FILE:LINE: field: message`` line per error; ``path`` and ``line``
    are those of the first.
    """

    def __init__(self, errors: list[InputError]) -> None:
        if not errors:
            raise ValueError("InputErrors needs at least one error")
        self.errors = list(errors)
        NetRavenError.__init__(self, "\n".join(str(e) for e in self.errors))
        self.path = self.errors[0].path
        self.line = self.errors[0].line

    @classmethod
    def of(cls, errors: list[InputError]) -> InputError:
        """One error as itself, several as one ``InputErrors``."""
        return errors[0] if len(errors) == 1 else cls(errors)


class StoreError(NetRavenError):
    """The job store could not be used."""


class LabError(NetRavenError):
    """The simulated lab could not be started, stopped or found."""


class ServiceError(NetRavenError):
    """The job service behind ``--server`` was unreachable or answered with a 5xx."""


class ExecutorError(NetRavenError):
    """The Celery executor could not hand hosts to workers (none alive, broker down)."""


class Interrupted(NetRavenError):
    """SIGTERM outside the event loop; the job ends as ``interrupted``."""


class DeviceError(NetRavenError):
    """A problem with one host; other hosts continue."""

    retryable = False


class ConnectionFailed(DeviceError):
    """The host could not be reached: refused, reset or timed out."""

    retryable = True


class AuthenticationFailed(ConnectionFailed):
    """Credentials were rejected; retrying a wrong password locks accounts."""

    retryable = False


class TlsFailed(ConnectionFailed):
    """The device's certificate failed verification; retrying cannot make it trusted."""

    retryable = False


class SessionLost(ConnectionFailed):
    """An open session dropped or stopped answering; a retry reconnects."""


class CheckModeBlocked(DeviceError):
    """A call that could change a device was stopped because the run is in check mode."""


class TaskFailed(DeviceError):
    """A task ran and failed; ``output`` keeps what the device said, if anything."""

    def __init__(self, message: str, output: str | None = None) -> None:
        super().__init__(message)
        self.output = output
