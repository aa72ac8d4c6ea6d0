"""One device's HTTP session: httpx underneath, NetRaven's errors on top.

Why httpx and not requests: the engine runs thousands of hosts on one event loop; httpx
is natively async (no worker thread per request, as requests would need), keeps one
connection per device alive across tasks, takes an ``ssl.SSLContext`` so TLS policy is
built once here, and its ``MockTransport`` lets the whole client run in-process in tests.

The error boundary is ``_mapped``: every httpx exception becomes one of
``netraven.errors`` (with ``raise … from`` keeping the cause), nothing else escapes:

- certificate not trusted       → ``TlsFailed`` (never retried: a retry cannot fix trust)
- refused, unreachable, connect timeout → ``ConnectionFailed`` (retried, then the host is
  unreachable)
- read/write timeout, reset, protocol error mid-request → ``SessionLost``
- 401/403                       → ``AuthenticationFailed`` (never retried: lockouts)

Retries (``data.http.retries``, tenacity, exponential backoff capped at 8 s): connect-phase
errors for every method; 5xx answers and errors after the request was sent only where
sending twice is safe — every method but POST; a POST is retried on 502/503/504 only (the
gateway or server says it did not take the request). 4xx is never retried.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
)

from netraven.connections.http.options import READ_METHODS, HttpOptions
from netraven.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    DeviceError,
    SessionLost,
    TlsFailed,
)

__all__ = ["READ_METHODS", "HttpClient", "HttpReply", "Sender"]

_POST_RETRY_STATUS = frozenset({502, 503, 504})
MAX_BACKOFF = 8.0


@dataclass(frozen=True)
class HttpReply:
    """A response as NetRaven uses it; ``headers`` lower-cased, never the request's auth."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    content: bytes
    attempts: int = 1

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, None when there is none; malformed JSON is a DeviceError."""
        import json

        if not self.content.strip():
            return None
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise DeviceError(
                f"{self.method} {self.path}: HTTP {self.status}: the body is not JSON ({exc})"
            ) from exc


class Sender(Protocol):
    """Anything that sends one request: the client, a connection, the check-mode guard."""

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply: ...


@dataclass
class _Attempts:
    count: int = 0


class HttpClient:
    """Requests to one device, with its TLS, auth, timeout and retry policy."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        timeout: float,
        options: HttpOptions,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.options = options
        address = f"[{host}]" if ":" in host else host
        self.base_url = f"{options.scheme}://{address}:{port}{options.base_path}"
        headers = {"User-Agent": "netraven"}
        auth: httpx.Auth | None = None
        if options.token:
            headers["Authorization"] = f"Bearer {options.token}"
        elif username is not None:
            auth = httpx.BasicAuth(username, password or "")
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            auth=auth,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            verify=_tls_context(options) if options.scheme == "https" else False,
            transport=transport,
            follow_redirects=False,
        )

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply:
        """One request, retried as the policy says; 401/403 raise, other statuses return."""
        method = method.upper()
        attempts = _Attempts()

        async def once() -> httpx.Response:
            attempts.count += 1
            with _mapped(method, path, sent_is_safe=method != "POST"):
                return await self._client.request(method, path, content=content, headers=headers)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.options.retries + 1),
            wait=wait_exponential(multiplier=self.options.backoff, max=MAX_BACKOFF),
            retry=retry_if_exception(_retryable) | retry_if_result(_retry_status(method)),
            retry_error_callback=_last_outcome,
            reraise=True,
        )
        response: httpx.Response = await retrying(once)
        if response.status_code in (401, 403):
            raise AuthenticationFailed(
                f"{method} {path}: HTTP {response.status_code} {response.reason_phrase}: "
                "the device refused the credentials"
            )
        return HttpReply(
            method,
            path,
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.content,
            attempts.count,
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _tls_context(options: HttpOptions) -> ssl.SSLContext:
    """System CAs, or only the given bundle; verification off only when asked in words.

    One context per (verify, bundle) for the process: loading a CA store costs
    milliseconds, which a thousand-host job would otherwise pay per host.
    """
    cafile = str(options.ca_bundle) if options.ca_bundle is not None else None
    try:
        return _context(options.verify, cafile)
    except (OSError, ssl.SSLError) as exc:
        raise TlsFailed(f"data.tls.ca_bundle {cafile}: not a PEM CA bundle ({exc})") from exc


@functools.lru_cache(maxsize=32)
def _context(verify: bool, cafile: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile if verify else None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, DeviceError) and exc.retryable


def _retry_status(method: str) -> Any:
    def check(response: httpx.Response) -> bool:
        status = response.status_code
        if method == "POST":
            return status in _POST_RETRY_STATUS
        return status >= 500

    return check


def _last_outcome(state: RetryCallState) -> Any:
    """Out of attempts on a 5xx: hand back that response (the caller reports the status)."""
    assert state.outcome is not None
    return state.outcome.result()


@contextmanager
def _mapped(method: str, path: str, *, sent_is_safe: bool) -> Iterator[None]:
    """The one place httpx's exceptions become NetRaven's."""
    where = f"{method} {path}"
    try:
        yield
    except httpx.ConnectError as exc:
        cert = _certificate_error(exc)
        if cert is not None:
            raise TlsFailed(f"{where}: TLS certificate not trusted: {cert}") from exc
        raise ConnectionFailed(f"{where}: cannot connect: {_reason(exc)}") from exc
    except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise ConnectionFailed(f"{where}: connect timed out") from exc
    except httpx.TimeoutException as exc:
        error = SessionLost(f"{where}: no answer in time ({type(exc).__name__})")
        error.retryable = sent_is_safe
        raise error from exc
    except httpx.TransportError as exc:  # ReadError, WriteError, RemoteProtocolError, …
        error = SessionLost(f"{where}: the connection failed mid-request: {_reason(exc)}")
        error.retryable = sent_is_safe
        raise error from exc


def _certificate_error(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return getattr(seen, "verify_message", None) or str(seen)
        if isinstance(seen, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return "certificate verify failed"
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
