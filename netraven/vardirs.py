"""``group_vars/`` and ``host_vars/`` folders, read as Ansible reads them.

Beside the inventory and beside the playbook (the playbook's win), each holds
``NAME.yml``/``NAME.yaml``/``NAME.json``/``NAME`` files or ``NAME/`` folders of them (merged
in file-name order). ``all`` is every host; other names are inventory groups or hosts —
names the inventory does not know are ignored, as Ansible ignores them. Values merge into
the Nornir inventory itself (group data, host data, defaults for ``all``), so Nornir's
inheritance — host over its groups in order, groups over defaults — stays the one rule.
Files may be Ansible Vault files or hold ``!vault`` values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nornir.core.inventory import Inventory

from netraven.errors import InputError
from netraven.secrets import secret_values
from netraven.yamlfile import load_yaml_with_secrets

__all__ = ["apply_var_dirs"]

_SUFFIXES = ("", ".yml", ".yaml", ".json")


def apply_var_dirs(
    inventory: Inventory, roots: list[Path], vault_password: bytes | None
) -> list[str]:
    """Merge every root's group_vars/host_vars into ``inventory``; return secret values."""
    secrets: list[str] = []
    seen: set[Path] = set()
    for root in roots:
        root = root.resolve()
        if root in seen:
            continue
        seen.add(root)
        groups = root / "group_vars"
        if groups.is_dir():
            for name, values in _read_dir(groups, vault_password, secrets):
                if name == "all":
                    inventory.defaults.data.update(values)
                elif name in inventory.groups:
                    inventory.groups[name].data.update(values)
        hosts = root / "host_vars"
        if hosts.is_dir():
            for name, values in _read_dir(hosts, vault_password, secrets):
                if name in inventory.hosts:
                    inventory.hosts[name].data.update(values)
    return secrets


def _read_dir(
    folder: Path, vault_password: bytes | None, secrets: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            name = entry.name
            files = sorted(p for p in entry.rglob("*") if p.is_file() and p.suffix in _SUFFIXES[1:])
        elif entry.suffix in _SUFFIXES:
            name = entry.name[: -len(entry.suffix)] if entry.suffix else entry.name
            files = [entry]
        else:
            continue
        for path in files:
            data, plaintexts = load_yaml_with_secrets(path, vault_password)
            secrets += plaintexts
            if data is None:
                continue
            if not isinstance(data, dict):
                raise InputError("a vars file is a YAML mapping", path=str(path), line=1)
            secrets += secret_values(data)
            found.setdefault(name, {}).update(data)
    return list(found.items())
