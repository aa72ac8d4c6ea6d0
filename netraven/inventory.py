"""Load a Nornir SimpleInventory directory into Nornir's own inventory objects.

The files and keys are Nornir's, so existing inventories load unchanged; on top we
expand ``${ENV_VAR}`` in string values and report mistakes by file, line and key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
    ParentGroups,
)

from netraven.credentials import (
    CREDENTIALS_FILE,
    CredentialInventory,
    CredentialSet,
    parse_credentials,
)
from netraven.errors import InputError, InputErrors
from netraven.secrets import secret_values
from netraven.yamlfile import LineDict, load_yaml_with_secrets

ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
ELEMENT_KEYS = {
    "hostname",
    "port",
    "username",
    "password",
    "platform",
    "groups",
    "data",
    "connection_options",
}
OPTION_KEYS = {"hostname", "port", "username", "password", "platform", "extras"}


def _expand(value: Any, path: Path, line: int, key: str) -> Any:
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise InputError(
                    f"{key}: environment variable {name} is not set", path=str(path), line=line
                )
            return os.environ[name]

        return ENV_RE.sub(sub, value)
    if isinstance(value, LineDict):
        return {
            k: _expand(v, path, value.key_lines.get(k, line), f"{key}.{k}")
            for k, v in value.items()
        }
    if isinstance(value, dict):
        return {k: _expand(v, path, line, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, path, line, key) for v in value]
    return value


def _read(path: Path, required: bool, vault_password: bytes | None, found: list[str]) -> LineDict:
    """A file's mapping, ``!vault`` values decrypted (their plaintexts added to ``found``)."""
    if not path.exists():
        if required:
            raise InputError("inventory file not found", path=str(path))
        return LineDict()
    data, plaintexts = load_yaml_with_secrets(path, vault_password)
    found += plaintexts
    if data is None:
        return LineDict()
    if not isinstance(data, LineDict):
        raise InputError("expected a mapping at the top level", path=str(path), line=1)
    return data


def _element(raw: Any, path: Path, name: str, line: int, *, defaults: bool) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        raise InputError(f"{name}: expected a mapping", path=str(path), line=line)
    allowed = ELEMENT_KEYS - ({"groups"} if defaults else set())
    unknown_keys = [
        InputError(
            f"{name}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
            path=str(path),
            line=raw.key_lines[key],
        )
        for key in raw
        if key not in allowed
    ]
    if unknown_keys:
        raise InputErrors.of(unknown_keys)
    values = _expand(raw, path, line, name)
    if values.get("port") is not None and not isinstance(values["port"], int):
        try:
            values["port"] = int(values["port"])
        except (TypeError, ValueError):
            raise InputError(
                f"{name}.port: expected an integer", path=str(path), line=raw.key_lines["port"]
            ) from None
    groups = values.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise InputError(
            f"{name}.groups: expected a list of group names",
            path=str(path),
            line=raw.key_lines.get("groups", line),
        )
    data = values.get("data") or {}
    if not isinstance(data, dict):
        raise InputError(
            f"{name}.data: expected a mapping", path=str(path), line=raw.key_lines.get("data", line)
        )
    tags = data.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
    ):
        raise InputError(
            f"{name}.data.tags: expected a list of strings",
            path=str(path),
            line=raw.key_lines.get("data", line),
        )
    options = values.get("connection_options") or {}
    for opt_name, opt in options.items():
        unknown = set(opt or {}) - OPTION_KEYS
        if unknown:
            raise InputError(
                f"{name}.connection_options.{opt_name}: unknown key '{sorted(unknown)[0]}'",
                path=str(path),
                line=raw.key_lines.get("connection_options", line),
            )
    result: dict[str, Any] = values
    return result


def _options(raw: dict[str, Any]) -> dict[str, ConnectionOptions]:
    return {name: ConnectionOptions(**(opt or {})) for name, opt in raw.items()}


def load_inventory(
    directory: str | Path, vault_password: bytes | None = None
) -> tuple[Inventory, list[str]]:
    """Return the inventory and every secret value it holds (for redaction).

    ``credentials.yaml`` beside ``hosts.yaml`` (optional) holds credential sets; they
    ride on the returned inventory (``netraven.credentials.credential_sets``).

    Files may be Ansible Vault files and values ``!vault`` strings; they are decrypted
    with ``vault_password`` (every ``!vault`` plaintext counts as a secret).
    """
    root = Path(directory)
    if not root.is_dir():
        raise InputError("inventory directory not found", path=str(root))
    secrets: list[str] = []
    hosts_raw = _read(root / "hosts.yaml", True, vault_password, secrets)
    groups_raw = _read(root / "groups.yaml", False, vault_password, secrets)
    defaults_raw = _read(root / "defaults.yaml", False, vault_password, secrets)
    credentials_raw = _read(root / CREDENTIALS_FILE, False, vault_password, secrets)

    problems: list[InputError] = []  # every host's and group's mistakes, not just the first
    d: dict[str, Any] = {}
    try:
        d = _element(defaults_raw, root / "defaults.yaml", "defaults", 1, defaults=True)
    except InputError as exc:
        _collect(problems, exc)
    secrets += _collect_secrets(d)
    defaults = Defaults(
        hostname=d.get("hostname"),
        port=d.get("port"),
        username=d.get("username"),
        password=d.get("password"),
        platform=d.get("platform"),
        data=d.get("data") or {},
        connection_options=_options(d.get("connection_options") or {}),
    )

    group_values: dict[str, dict[str, Any]] = {}
    broken: set[str] = set()  # groups with their own errors: members don't repeat them
    for name, raw in groups_raw.items():
        try:
            values = _element(
                raw, root / "groups.yaml", str(name), groups_raw.key_lines[name], defaults=False
            )
        except InputError as exc:
            _collect(problems, exc)
            broken.add(str(name))
            continue
        group_values[str(name)] = values
        secrets += _collect_secrets(values)
    groups = {
        name: Group(
            name=name,
            hostname=v.get("hostname"),
            port=v.get("port"),
            username=v.get("username"),
            password=v.get("password"),
            platform=v.get("platform"),
            data=v.get("data") or {},
            connection_options=_options(v.get("connection_options") or {}),
            defaults=defaults,
        )
        for name, v in group_values.items()
    }
    for name, v in group_values.items():
        groups[name].groups = _parents(
            v, groups, root / "groups.yaml", groups_raw, name, broken, problems
        )

    hosts: dict[str, Host] = {}
    for name, raw in hosts_raw.items():
        try:
            values = _element(
                raw, root / "hosts.yaml", str(name), hosts_raw.key_lines[name], defaults=False
            )
        except InputError as exc:
            _collect(problems, exc)
            continue
        secrets += _collect_secrets(values)
        hosts[str(name)] = Host(
            name=str(name),
            hostname=values.get("hostname"),
            port=values.get("port"),
            username=values.get("username"),
            password=values.get("password"),
            platform=values.get("platform"),
            data=values.get("data") or {},
            groups=_parents(
                values, groups, root / "hosts.yaml", hosts_raw, str(name), broken, problems
            ),
            connection_options=_options(values.get("connection_options") or {}),
            defaults=defaults,
        )
    credentials: list[CredentialSet] = []
    try:
        credentials, found = parse_credentials(
            credentials_raw, root / CREDENTIALS_FILE, set(groups_raw), _expand
        )
        secrets += found
    except InputError as exc:
        _collect(problems, exc)
    if problems:
        raise InputErrors.of(problems)
    inventory = CredentialInventory(
        hosts=Hosts(hosts), groups=Groups(groups), defaults=defaults, credentials=credentials
    )
    # group_vars/ and host_vars/ beside the inventory belong to it, as in Ansible; those
    # beside a playbook are added by whoever runs that playbook (app.runs.prepare_run).
    from netraven.vardirs import apply_var_dirs

    secrets += apply_var_dirs(inventory, [root], vault_password)
    return inventory, secrets


def _parents(
    values: dict[str, Any],
    groups: dict[str, Group],
    path: Path,
    raw: LineDict,
    name: str,
    broken: set[str],
    problems: list[InputError],
) -> ParentGroups:
    parents = ParentGroups()
    for group in values.get("groups", []):
        if group in groups:
            parents.append(groups[group])
        elif group not in broken:
            problems.append(
                InputError(
                    f"{name}.groups: unknown group '{group}'",
                    path=str(path),
                    line=raw.key_lines.get(name),
                )
            )
    return parents


def _collect(problems: list[InputError], exc: InputError) -> None:
    problems.extend(exc.errors if isinstance(exc, InputErrors) else [exc])


def _collect_secrets(values: dict[str, Any]) -> list[str]:
    found = [values["password"]] if isinstance(values.get("password"), str) else []
    found += secret_values(values.get("data") or {})
    for opt in (values.get("connection_options") or {}).values():
        if isinstance(opt, dict) and isinstance(opt.get("password"), str):
            found.append(opt["password"])
    return found


def host_tags(host: Host) -> list[str]:
    tags = host.get("tags", [])
    return list(tags) if isinstance(tags, list) else []
