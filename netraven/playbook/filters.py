"""The data filters an Ansible user already writes: names, arguments and results as Ansible's.

A playbook moved over from Ansible should render the same text here. Behaviour follows
Ansible's documentation (ansible-core filter docs and the "Using filters to manipulate
data" guide); where Ansible has a historic quirk that playbooks rely on, it is kept, e.g.
``regex_search`` gives ``None`` on no match, which renders as an empty string.

Every filter is wrapped by :func:`named` so a Python error inside it reaches the user as
``FilterError`` naming the filter, which the template layer turns into a failed task.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any

import jinja2
import yaml

_Filter = Callable[..., Any]


class FilterError(jinja2.TemplateRuntimeError):
    """A filter or lookup refused its input; the message starts with its name."""


def named(name: str, func: _Filter) -> _Filter:
    """Wrap ``func`` so a plain Python error becomes a ``FilterError`` naming ``name``.

    Jinja's own errors (an undefined variable met inside the filter) pass through
    unchanged: they already say what is wrong, and the caller maps them.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except jinja2.TemplateError:
            raise
        except Exception as exc:
            raise FilterError(f"filter '{name}': {exc}") from exc

    return wrapper


# --- regular expressions -------------------------------------------------------------

_GROUP_REF = re.compile(r"^\\(?:(\d+)|g<(\w+)>)$")


def _flags(ignorecase: bool, multiline: bool) -> int:
    return (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)


def regex_search(
    value: Any, regex: str, *groups: str, ignorecase: bool = False, multiline: bool = False
) -> Any:
    """The first match, or the listed groups (``'\\\\1'``, ``'\\\\g<name>'``) as a list.

    No match gives ``None`` (rendered as ``''``), as in Ansible.
    """
    refs: list[int | str] = []
    for group in groups:
        ref = _GROUP_REF.match(str(group))
        if ref is None:
            raise ValueError(f"unknown argument {group!r}: expected '\\\\N' or '\\\\g<name>'")
        refs.append(int(ref.group(1)) if ref.group(1) is not None else ref.group(2))
    match = re.search(regex, str(value), _flags(ignorecase, multiline))
    if match is None:
        return None
    if refs:
        return [match.group(ref) for ref in refs]
    return match.group()


def regex_findall(
    value: Any, regex: str, multiline: bool = False, ignorecase: bool = False
) -> list[Any]:
    return re.findall(regex, str(value), _flags(ignorecase, multiline))


def regex_replace(
    value: Any = "",
    pattern: str = "",
    replacement: str = "",
    ignorecase: bool = False,
    multiline: bool = False,
    count: int = 0,
    mandatory_count: int = 0,
) -> str:
    result, made = re.subn(
        pattern, replacement, str(value), count=count, flags=_flags(ignorecase, multiline)
    )
    if mandatory_count and made != mandatory_count:
        raise ValueError(f"expected {mandatory_count} replacement(s) of {pattern!r}, made {made}")
    return result


def regex_escape(value: Any, re_type: str = "python") -> str:
    text = str(value)
    if re_type == "python":
        return re.escape(text)
    if re_type == "posix_basic":
        return re.sub(r"([.\[\]\\*^$])", r"\\\1", text)
    raise ValueError(f"re_type must be 'python' or 'posix_basic', not {re_type!r}")


# --- JSON and YAML -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Mappings, tuples and sets as the dicts and lists the dumpers understand."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, Set)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def to_json(value: Any, **kwargs: Any) -> str:
    return json.dumps(_plain(value), **kwargs)


def to_nice_json(value: Any, indent: int = 4, sort_keys: bool = True, **kwargs: Any) -> str:
    kwargs.pop("separators", None)
    return json.dumps(
        _plain(value), indent=indent, sort_keys=sort_keys, separators=(",", ": "), **kwargs
    )


def from_json(value: Any, **kwargs: Any) -> Any:
    return json.loads(value, **kwargs)


def to_yaml(value: Any, **kwargs: Any) -> str:
    flow = kwargs.pop("default_flow_style", None)
    return str(
        yaml.dump(
            _plain(value),
            Dumper=yaml.SafeDumper,
            allow_unicode=True,
            default_flow_style=flow,
            **kwargs,
        )
    )


def to_nice_yaml(value: Any, indent: int = 4, **kwargs: Any) -> str:
    kwargs.pop("default_flow_style", None)
    return str(
        yaml.dump(
            _plain(value),
            Dumper=yaml.SafeDumper,
            indent=indent,
            allow_unicode=True,
            default_flow_style=False,
            **kwargs,
        )
    )


def from_yaml(value: Any) -> Any:
    """Strings are parsed; anything else is already data and comes back unchanged."""
    if isinstance(value, str):
        return yaml.safe_load(value)
    return value


def from_yaml_all(value: Any) -> Any:
    if isinstance(value, str):
        return list(yaml.safe_load_all(value))
    return value


# --- dictionaries --------------------------------------------------------------------

_LIST_MERGES = ("replace", "keep", "append", "prepend", "append_rp", "prepend_rp")


def _merge_lists(old: list[Any], new: list[Any], how: str) -> list[Any]:
    if how == "replace":
        return list(new)
    if how == "keep":
        return list(old)
    if how == "append":
        return old + new
    if how == "prepend":
        return new + old
    kept = [item for item in old if item not in new]
    return kept + new if how == "append_rp" else new + kept


def _merge(
    old: Mapping[Any, Any], new: Mapping[Any, Any], recursive: bool, how: str
) -> dict[Any, Any]:
    merged = dict(old)
    for key, value in new.items():
        if key in merged:
            current = merged[key]
            if recursive and isinstance(current, Mapping) and isinstance(value, Mapping):
                value = _merge(current, value, recursive, how)
            elif isinstance(current, list) and isinstance(value, list):
                value = _merge_lists(current, value, how)
        merged[key] = value
    return merged


def combine(*terms: Any, recursive: bool = False, list_merge: str = "replace") -> dict[Any, Any]:
    """Later dictionaries win; ``[a, b] | combine`` and ``a | combine(b, c)`` both work."""
    if list_merge not in _LIST_MERGES:
        raise ValueError(f"list_merge must be one of {', '.join(_LIST_MERGES)}; got {list_merge!r}")
    dicts: list[Any] = []
    for term in terms:
        if isinstance(term, (list, tuple)):
            dicts.extend(term)
        else:
            dicts.append(term)
    result: dict[Any, Any] = {}
    for item in dicts:
        if not isinstance(item, Mapping):
            raise TypeError(f"combine expects dictionaries, got {_type_name(item)}")
        result = _merge(result, item, recursive, list_merge)
    return result


def dict2items(
    value: Any, key_name: str = "key", value_name: str = "value"
) -> list[dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise TypeError(f"dict2items requires a dictionary, got {_type_name(value)} instead")
    return [{key_name: k, value_name: v} for k, v in value.items()]


def items2dict(value: Any, key_name: str = "key", value_name: str = "value") -> dict[Any, Any]:
    if isinstance(value, (str, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"items2dict requires a list, got {_type_name(value)} instead")
    result: dict[Any, Any] = {}
    for item in value:
        if not isinstance(item, Mapping):
            raise TypeError(f"items2dict requires a list of dictionaries, got {item!r}")
        for name in (key_name, value_name):
            if name not in item:
                raise KeyError(f"item {dict(item)!r} has no {name!r}")
        result[item[key_name]] = item[value_name]
    return result


# --- types and logic -----------------------------------------------------------------

_TRUE = frozenset(("yes", "on", "1", "true"))


def to_bool(value: Any) -> bool:
    """Ansible's well-known truthy values; anything else (including ``None``) is False."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return isinstance(value, (int, float)) and value == 1


def ternary(value: Any, true_val: Any, false_val: Any = None, none_val: Any = None) -> Any:
    if value is None and none_val is not None:
        return none_val
    return true_val if value else false_val


def mandatory(value: Any, msg: str | None = None) -> Any:
    if isinstance(value, jinja2.Undefined):
        if msg is not None:
            raise ValueError(msg)
        name = getattr(value, "_undefined_name", None)
        raise ValueError(
            f"mandatory variable {name!r} not defined" if name else "mandatory variable not defined"
        )
    return value


def type_debug(value: Any) -> str:
    return type(value).__name__


def _type_name(value: Any) -> str:
    return type(value).__name__


# --- hashing and encoding ------------------------------------------------------------


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def hash_(value: Any, hashtype: str = "sha1") -> str:
    try:
        digest = hashlib.new(hashtype)
    except ValueError:
        raise ValueError(f"unsupported hash type {hashtype!r}") from None
    digest.update(_bytes(value))
    return digest.hexdigest()


def b64encode(value: Any, encoding: str = "utf-8") -> str:
    data = value if isinstance(value, bytes) else str(value).encode(encoding)
    return base64.b64encode(data).decode("ascii")


def b64decode(value: Any, encoding: str = "utf-8") -> str:
    return base64.b64decode(_bytes(value), validate=True).decode(encoding)


# --- lists ---------------------------------------------------------------------------


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def flatten(value: Any, levels: int | None = None, skip_nulls: bool = True) -> list[Any]:
    result: list[Any] = []
    for item in value:
        if skip_nulls and item is None:
            continue
        if _is_list(item) and (levels is None or levels > 0):
            result.extend(flatten(item, None if levels is None else levels - 1, skip_nulls))
        else:
            result.append(item)
    return result


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def union(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    return _unique(itertools.chain(a, b))


def intersect(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    other = list(b)
    return _unique(x for x in a if x in other)


def difference(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    other = list(b)
    return _unique(x for x in a if x not in other)


def symmetric_difference(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    left, right = list(a), list(b)
    return _unique([x for x in left if x not in right] + [x for x in right if x not in left])


def split(value: Any, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    return str(value).split(separator, maxsplit)


def zip_(*lists: Iterable[Any]) -> list[list[Any]]:
    return [list(t) for t in zip(*lists, strict=False)]


def zip_longest(*lists: Iterable[Any], fillvalue: Any = None) -> list[list[Any]]:
    return [list(t) for t in itertools.zip_longest(*lists, fillvalue=fillvalue)]


_RAW: dict[str, _Filter] = {
    "regex_search": regex_search,
    "regex_findall": regex_findall,
    "regex_replace": regex_replace,
    "regex_escape": regex_escape,
    "to_json": to_json,
    "to_nice_json": to_nice_json,
    "from_json": from_json,
    "to_yaml": to_yaml,
    "to_nice_yaml": to_nice_yaml,
    "from_yaml": from_yaml,
    "from_yaml_all": from_yaml_all,
    "combine": combine,
    "dict2items": dict2items,
    "items2dict": items2dict,
    "bool": to_bool,
    "ternary": ternary,
    "mandatory": mandatory,
    "type_debug": type_debug,
    "hash": hash_,
    "checksum": functools.partial(hash_, hashtype="sha1"),
    "sha1": functools.partial(hash_, hashtype="sha1"),
    "md5": functools.partial(hash_, hashtype="md5"),
    "b64encode": b64encode,
    "b64decode": b64decode,
    "flatten": flatten,
    "union": union,
    "intersect": intersect,
    "difference": difference,
    "symmetric_difference": symmetric_difference,
    "split": split,
    "zip": zip_,
    "zip_longest": zip_longest,
}


def data_filters() -> dict[str, _Filter]:
    """The Ansible data filters by name, each wrapped to name itself in errors."""
    return {name: named(name, func) for name, func in _RAW.items()}
