"""The CLI against a running job service (``--server URL --token T``), over httpx.

Answers are parsed into the same read models the local commands print, so ``jobs show
--json --server`` prints exactly what ``jobs show --json`` prints on the service's
machine. The service's 4xx answers (a bad request, an unknown job, a refused token) are
input errors (exit 5); an unreachable service or a 5xx is exit 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from netraven.app.read_models import JobDetail, JobEvent, JobView, LogView
from netraven.errors import InputError, ServiceError

__all__ = ["RemoteService"]


class RemoteService:
    def __init__(self, server: str, token: str | None, *, timeout: float = 30.0) -> None:
        if not token:
            raise InputError("--server needs an API token: --token or NETRAVEN_TOKEN")
        if not server.startswith(("http://", "https://")):
            raise InputError(f"--server: expected an http(s):// URL, got '{server}'")
        self.server = server.rstrip("/")
        self._client = httpx.Client(
            base_url=self.server,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=10.0),
        )

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceError(f"cannot reach the job service at {self.server}: {exc}") from exc
        _raise_for(response, self.server)
        return response.json()

    def list_jobs(self, limit: int) -> list[JobView]:
        data = self._request("GET", "/jobs", params={"limit": limit})
        return [JobView.model_validate(v) for v in data]

    def show_job(self, ref: str) -> JobDetail:
        return JobDetail.model_validate(self._request("GET", f"/jobs/{ref}"))

    def job_logs(self, ref: str, host: str | None) -> list[LogView]:
        params = {"host": host} if host else {}
        data = self._request("GET", f"/jobs/{ref}/logs", params=params)
        return [LogView.model_validate(v) for v in data]

    def start_job(self, body: dict[str, Any]) -> JobView:
        return JobView.model_validate(self._request("POST", "/jobs", json=body))

    def cancel_job(self, job_id: int) -> None:
        self._request("POST", f"/jobs/{job_id}/cancel")

    def events(self, job_id: int, after: int = 0) -> Iterator[JobEvent]:
        """The job's events after seq ``after`` to its end; reconnects with Last-Event-ID
        if the stream drops."""
        last = after
        for _attempt in range(5):
            try:
                with self._client.stream(
                    "GET",
                    f"/jobs/{job_id}/events",
                    headers={"Last-Event-ID": str(last)},
                    timeout=httpx.Timeout(60.0, connect=10.0),
                ) as response:
                    if response.status_code >= 400:
                        response.read()
                        _raise_for(response, self.server)
                    for event in parse_sse(response.iter_lines()):
                        last = event.seq
                        yield event
                        if event.kind == "end":
                            return
            except httpx.HTTPError:
                continue  # dropped: resume after the last event seen
        raise ServiceError(f"lost the event stream of job {job_id} at {self.server}")


def parse_sse(lines: Iterator[str]) -> Iterator[JobEvent]:
    """``text/event-stream`` frames to events (comments and unknown fields ignored)."""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield JobEvent.model_validate(json.loads("\n".join(data)))
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def _raise_for(response: httpx.Response, server: str) -> None:
    if response.status_code < 400:
        return
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if not isinstance(detail, str):
        detail = json.dumps(detail) if detail is not None else response.reason_phrase
    if response.status_code == 401:
        raise InputError(f"{server}: the token was refused (401 {detail})")
    if response.status_code == 403:
        raise InputError(f"{server}: the token's role may not do this (403 {detail})")
    if response.status_code < 500:
        raise InputError(f"{server}: {detail} ({response.status_code})")
    raise ServiceError(f"{server}: the job service failed ({response.status_code} {detail})")
