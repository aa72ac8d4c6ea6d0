"""YAML loading that remembers where every mapping key was written.

Errors about user files must name the line; PyYAML's plain loaders forget it, so
mappings are built as ``LineDict`` objects carrying the line of each key.

Secrets stay encrypted in git as Ansible Vault data: a ``!vault |`` value loads as a
``VaultedStr`` (decrypted later by ``netraven.vault.resolve_vaulted``, once the run has
its password), and a whole file that is a vault is decrypted before it is parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from netraven.errors import InputError
from netraven.vault import MISSING_PASSWORD, VaultedStr, decrypt, is_vaulted


class LineDict(dict[str, Any]):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]


# libyaml's parser (when PyYAML was built with it) keeps node marks like the pure-Python
# one and reads a 1,000-host inventory about 4x faster.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    path: str | None = None  # the file being read, for the ``!vault`` values it holds


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be scalars", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _vault(loader: _Loader, node: yaml.Node) -> VaultedStr:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, "!vault takes a string (use !vault |)", node.start_mark
        )
    text = loader.construct_scalar(node)
    if not is_vaulted(text):
        raise yaml.constructor.ConstructorError(
            None, None, "!vault value is not $ANSIBLE_VAULT data", node.start_mark
        )
    return VaultedStr(text, path=loader.path, line=node.start_mark.line + 1)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor("!vault", _vault)


_HIDDEN = "details not shown: decrypted content"


def load_yaml(path: Path, vault_password: bytes | None = None) -> Any:
    """Parse a YAML file; syntax errors become ``InputError`` naming file and line.

    A file that is a vault is decrypted with ``vault_password`` first (without one it
    is an ``InputError``).  ``!vault`` values stay ``VaultedStr`` until resolved.
    """
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=where) from None
    except UnicodeDecodeError:
        raise InputError("cannot read: not UTF-8 text", path=where) from None
    secret = is_vaulted(text)
    if secret:
        if vault_password is None:
            raise InputError(MISSING_PASSWORD, path=where)
        text = decrypt(text, vault_password, where=where)
    loader = _Loader(text)
    loader.path = where
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        # PyYAML's messages may quote the text: never for a decrypted file.
        problem = _HIDDEN if secret else exc.problem or str(exc)
        raise InputError(f"invalid YAML: {problem}", path=where, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {_HIDDEN if secret else exc}", path=where) from None
    finally:
        loader.dispose()


def line_of(data: Any, loc: Sequence[int | str]) -> int | None:
    """The line of the deepest node reachable along a pydantic-style error location."""
    line: int | None = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and isinstance(part, str):
            if part in node.key_lines:
                line = node.key_lines[part]
            node = node.get(part)
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def load_yaml_with_secrets(
    path: Path, vault_password: bytes | None = None
) -> tuple[Any, list[str]]:
    """``load_yaml`` with every ``!vault`` value decrypted, and their plaintexts (for the
    redaction list). Without a password, a ``!vault`` value is an input error at its line."""
    from netraven.vault import resolve_vaulted

    data: Any
    data, plaintexts = resolve_vaulted(load_yaml(path, vault_password), vault_password)
    return data, plaintexts
