"""The HTTP task kinds: ``rest:`` (one request) and ``restconf_config:`` (declarative).

Both reach the device through the job's view of its connection, so ``--check`` is the
guard's business: a request that is not GET/HEAD/OPTIONS raises ``CheckModeBlocked``
before it is sent, and these actions turn that into "would send" (``rest:`` is then
skipped, ``restconf_config:`` reports the diff it would apply).

What is shown and stored is redacted twice: the job's redactor hides known secret values
(passwords, vaulted tokens) in output and diff, and JSON members under secret-looking
keys (``password``, ``secret``, ``token``, …) are masked here before they become text.
The request's ``Authorization`` header is never part of a result. The registered value
keeps the response as the device sent it (``.json``, ``.status``, ``.content``), as
Ansible's ``uri`` does: registered values are not stored.
"""

from __future__ import annotations

import json
from typing import Any

from netraven.connections.http.api import ApiConnection, api_connection
from netraven.connections.http.client import HttpReply
from netraven.connections.http.options import READ_METHODS
from netraven.connections.http.restconf import Restconf, expect
from netraven.engine.actions import ActionResult, Step
from netraven.engine.json_merge import SAME, merge, missing, pretty, text_diff
from netraven.errors import CheckModeBlocked, TaskFailed
from netraven.playbook.rest_schema import RestAction as RestSpec
from netraven.playbook.schema import Task
from netraven.playbook.variables import render_value
from netraven.secrets import MASK, SECRET_KEY_RE, Redactor

__all__ = ["RestAction", "RestconfConfigAction", "restconf_backup"]

MAX_SHOWN = 64 * 1024  # characters of a response body kept in the task's output
_HIDDEN_HEADERS = frozenset({"set-cookie", "authorization", "proxy-authorization"})
_MASK = Redactor()  # no known values: only secret-looking keys and config lines


class RestAction:
    async def __call__(self, step: Step, task: Task) -> ActionResult:
        spec = task.rest
        assert spec is not None
        api = api_connection(await step.connection(), "rest")
        path = step.templates.render(spec.path, step.variables)
        headers = {k: step.templates.render(v, step.variables) for k, v in spec.headers.items()}
        content, shown_body = _body(step, spec, headers)
        try:
            reply = await api.send(spec.method, path, content=content, headers=headers or None)
        except CheckModeBlocked as exc:
            would = f"{exc}; would send {spec.method} {path}"
            if shown_body:
                would += f"\n{shown_body}"
            return ActionResult(skipped=True, output=would)
        parsed = _json_or_none(reply)
        summary = f"{spec.method} {path}: HTTP {reply.status}"
        if reply.attempts > 1:
            summary += f" (after {reply.attempts} attempts)"
        shown = _shown(reply, parsed)
        if reply.status not in spec.status_code:
            expected = ", ".join(map(str, spec.status_code))
            raise TaskFailed(f"{summary}, expected {expected}", output=shown or None)
        return ActionResult(
            changed=spec.method not in READ_METHODS,
            output=summary + (f"\n{shown}" if shown else ""),
            notes=_retried(reply),
            extra={
                "status": reply.status,
                "json": parsed,
                "content": reply.text,
                "headers": {k: v for k, v in reply.headers.items() if k not in _HIDDEN_HEADERS},
                "url": path,
            },
        )


def _retried(reply: HttpReply) -> tuple[tuple[str, str], ...]:
    """A line in the job's log when a request needed more than one attempt."""
    if reply.attempts <= 1:
        return ()
    return (("warning", f"{reply.method} {reply.path} answered after {reply.attempts} attempts"),)


def _body(step: Step, spec: RestSpec, headers: dict[str, str]) -> tuple[bytes | None, str]:
    """The encoded body and how it may be shown (secret-looking members masked)."""
    if spec.body is None:
        return None, ""
    value = render_value(step.templates, spec.body, step.variables)
    if spec.body_format == "raw":
        text = value if isinstance(value, str) else json.dumps(value)
        return text.encode(), _MASK.text(text) or ""
    if isinstance(value, str):
        value = _structured(value)
    lowered = {k.lower() for k in headers}
    if "content-type" not in lowered:
        headers["Content-Type"] = "application/json"
    return json.dumps(value).encode(), pretty(_masked(value)).rstrip()


def _structured(text: str) -> Any:
    """A templated string body: YAML (and so JSON) text becomes its structure."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaskFailed(f"rest: body is neither JSON nor YAML: {exc}") from None


def _masked(value: Any) -> Any:
    """Secret-looking members masked, and credentials a device echoes back (auth headers)."""
    if isinstance(value, dict):
        return {k: MASK if _secret_key(k) and v else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return _MASK.obj(value)


def _secret_key(key: Any) -> bool:
    return isinstance(key, str) and (
        key.lower() in _HIDDEN_HEADERS or SECRET_KEY_RE.search(key) is not None
    )


def _json_or_none(reply: HttpReply) -> Any:
    kind = reply.headers.get("content-type", "")
    if "json" not in kind or not reply.content.strip():
        return None
    try:
        return json.loads(reply.content)
    except ValueError:
        return None


def _shown(reply: HttpReply, parsed: Any) -> str:
    text = pretty(_masked(parsed)).rstrip() if parsed is not None else reply.text.strip()
    if parsed is None:
        text = _MASK.text(text) or ""
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "\n…(truncated)"


class RestconfConfigAction:
    """GET the resource, compare with the wanted content, PATCH only what differs.

    A resource the device does not have yet (404) is created with PUT. Under ``--check``
    only the GETs go out and the diff shows what the PATCH would change.
    """

    async def __call__(self, step: Step, task: Task) -> ActionResult:
        spec = task.restconf_config
        assert spec is not None
        api = api_connection(await step.connection(), "restconf_config")
        restconf = Restconf(api.send, await api.restconf_root())
        path = step.templates.render(spec.path, step.variables)
        wanted = render_value(step.templates, spec.content, step.variables)
        current = await restconf.get(path)
        todo = missing(wanted, current or {})
        if todo is SAME:
            return ActionResult(output=f"{path}: configuration already present")
        after = merge(current or {}, todo)
        diff = text_diff(_masked(current or {}), _masked(after), path)
        method, body = ("PATCH", todo) if current is not None else ("PUT", wanted)
        try:
            reply = await restconf.request(method, path, body)
        except CheckModeBlocked:
            return ActionResult(
                changed=True, diff=diff, output=f"would {method} {path} (check mode: only GET sent)"
            )
        expect(reply, (200, 204) if method == "PATCH" else (200, 201, 204))
        return ActionResult(
            changed=True,
            notes=_retried(reply),
            diff=diff,
            output=f"{method} {path}: HTTP {reply.status}",
            extra={"sent": _masked(body), "method": method},
        )


async def restconf_backup(api: ApiConnection, paths: tuple[str, ...]) -> str:
    """The configured data roots as one pretty, key-sorted JSON document."""
    restconf = Restconf(api.send, await api.restconf_root())
    document: dict[str, Any] = {}
    for path in paths:
        data = await restconf.get(path)
        if data is None:
            raise TaskFailed(f"backup: GET {path}: the device has no such data (HTTP 404)")
        if isinstance(data, dict):
            document.update(data)
        else:
            document[path] = data
    return pretty(document)
