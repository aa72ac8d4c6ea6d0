"""Ansible's filters, rendered the way a playbook writes them.

Expected values are the ones Ansible's documentation gives for the same expression; each
block cites its page. Core filters: "Using filters to manipulate data"
(docs.ansible.com/ansible/latest/playbook_guide/playbooks_filters.html, below FILTERS_DOC)
and the per-filter pages. Address filters: ansible.utils' "Using the ipaddr filter"
(docs.ansible.com/ansible/latest/collections/ansible/utils/docsite/filters_ipaddr.html,
below IPADDR_DOC).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from netraven.errors import TaskFailed
from netraven.playbook.templates import Templates
from tests.unit.conftest import render


def value(templates: Templates, expression: str, **variables: Any) -> Any:
    """The expression's Python value, as a ``when:`` or ``register`` consumer sees it."""
    return templates.evaluate(expression, variables)


# --- regular expressions: FILTERS_DOC "Searching strings with regular expressions" ---------


def test_regex_search_match_and_flags(templates: Templates) -> None:
    assert render(templates, "{{ 'server1/database42' | regex_search('database[0-9]+') }}") == (
        "database42"
    )
    src = "{{ 'foo\\nBAR' | regex_search('^bar', multiline=True, ignorecase=True) }}"
    assert render(templates, src) == "BAR"
    assert render(templates, "{{ 'foo\\nBAR' | regex_search('(?im)^bar') }}") == "BAR"


def test_regex_search_groups_give_a_list(templates: Templates) -> None:
    src = "'server1/database42' | regex_search('server([0-9]+)/database([0-9]+)', '\\\\1', '\\\\2')"
    assert value(templates, src) == ["1", "42"]
    src = (
        "'21/42' | regex_search('(?P<dividend>[0-9]+)/(?P<divisor>[0-9]+)',"
        " '\\\\g<dividend>', '\\\\g<divisor>')"
    )
    assert value(templates, src) == ["21", "42"]


def test_regex_search_no_match_is_empty_text_and_none_in_expressions(
    templates: Templates,
) -> None:
    assert render(templates, "{{ 'ansible' | regex_search('foobar') }}") == ""
    assert render(templates, "{{ 'ansible' | regex_search('foobar') is none }}") == "True"
    assert render(templates, "{{ 'ansible' | regex_search('foobar') == '' }}") == "False"


def test_regex_search_rejects_unknown_group_argument(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="filter 'regex_search': unknown argument"):
        render(templates, "{{ 'abc' | regex_search('(b)', 'one') }}")


def test_regex_findall(templates: Templates) -> None:
    src = (
        "'Some DNS servers are 8.8.8.8 and 8.8.4.4'"
        " | regex_findall('\\\\b(?:[0-9]{1,3}\\\\.){3}[0-9]{1,3}\\\\b')"
    )
    assert value(templates, src) == ["8.8.8.8", "8.8.4.4"]
    src = "'CAR\\ntar\\nfoo\\nbar\\n' | regex_findall('^.ar$', multiline=True, ignorecase=True)"
    assert value(templates, src) == ["CAR", "tar", "bar"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'ansible' | regex_replace('^a.*i(.*)$', 'a\\\\1')", "able"),
        ("'foobar' | regex_replace('^f.*o(.*)$', '\\\\1')", "bar"),
        (
            "'localhost:80' | regex_replace('^(?P<host>.+):(?P<port>\\\\d+)$',"
            " '\\\\g<host>, \\\\g<port>')",
            "localhost, 80",
        ),
        ("'localhost:80' | regex_replace(':80')", "localhost"),
        (
            "'CAR\\ntar\\nfoo\\nbar\\n' | regex_replace('^(.ar)$', '#\\\\1', multiline=True,"
            " ignorecase=True)",
            "#CAR\n#tar\nfoo\n#bar\n",
        ),
    ],
)
def test_regex_replace(templates: Templates, expression: str, expected: str) -> None:
    assert value(templates, expression) == expected


def test_regex_escape(templates: Templates) -> None:
    # FILTERS_DOC: convert '^f.*o(.*)$' to '\^f\.\*o\(\.\*\)\$'
    assert render(templates, "{{ '^f.*o(.*)$' | regex_escape() }}") == r"\^f\.\*o\(\.\*\)\$"
    assert render(templates, "{{ '^f.*o(.*)$' | regex_escape('posix_basic') }}") == (
        r"\^f\.\*o(\.\*)\$"
    )


def test_bad_regex_fails_the_task_naming_the_filter(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="filter 'regex_replace'"):
        render(templates, "{{ 'x' | regex_replace('(', 'y') }}")


# --- JSON and YAML: FILTERS_DOC "Formatting data: YAML and JSON" --------------------------


def test_to_json_is_ascii_by_default(templates: Templates) -> None:
    assert render(templates, "{{ 'München' | to_json }}") == '"M\\u00fcnchen"'
    assert render(templates, "{{ 'München' | to_json(ensure_ascii=False) }}") == '"München"'
    assert render(templates, "{{ {'b': [1, 2], 'a': None} | to_json }}") == (
        '{"b": [1, 2], "a": null}'
    )


def test_to_nice_json_sorts_and_indents_by_four(templates: Templates) -> None:
    out = render(templates, "{{ {'b': 1, 'a': [1]} | to_nice_json }}")
    assert out == '{\n    "a": [\n        1\n    ],\n    "b": 1\n}'
    assert render(templates, "{{ {'a': 1} | to_nice_json(indent=2) }}") == '{\n  "a": 1\n}'


def test_from_json_and_round_trip(templates: Templates) -> None:
    assert value(templates, "'{\"a\": [1, true]}' | from_json") == {"a": [1, True]}
    assert value(templates, "data | to_json | from_json", data={"x": (1, 2)}) == {"x": [1, 2]}


def test_yaml_filters(templates: Templates) -> None:
    # to_yaml wraps yaml.dump with allow_unicode and default_flow_style=None (block
    # mappings, flow leaves); to_nice_yaml forces block style and indent=4 (filter pages).
    assert render(templates, "{{ {'a': 1, 'b': [1, 2]} | to_yaml }}") == "a: 1\nb: [1, 2]\n"
    nice = render(templates, "{{ {'b': [1, 2], 'a': {'x': 'München'}} | to_nice_yaml }}")
    assert nice == "a:\n    x: München\nb:\n- 1\n- 2\n"
    assert value(templates, "'a: [1, 2]\\nb: yes' | from_yaml") == {"a": [1, 2], "b": True}
    assert value(templates, "data | from_yaml", data={"already": "data"}) == {"already": "data"}
    assert value(templates, "'a: 1\\n---\\nb: 2' | from_yaml_all") == [{"a": 1}, {"b": 2}]


def test_from_json_error_names_the_filter(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="filter 'from_json'"):
        render(templates, "{{ 'not json' | from_json }}")


# --- default / mandatory: FILTERS_DOC "Handling undefined variables" -----------------------


def test_default_covers_undefined_and_nested_undefined(templates: Templates) -> None:
    assert render(templates, "{{ some_variable | default(5) }}") == "5"
    # "{{ foo.bar.baz | default('DEFAULT') }}" works when intermediate values are undefined.
    assert render(templates, "{{ foo.bar.baz | default('DEFAULT') }}") == "DEFAULT"
    assert render(templates, "{{ d.x.y | default('D') }}", d={}) == "D"
    assert render(templates, "{{ '' | default('admin', true) }}") == "admin"


def test_undefined_still_fails_without_default(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="'foo' is undefined"):
        render(templates, "{{ foo.bar.baz }}")
    with pytest.raises(TaskFailed, match="'foo' is undefined"):
        value(templates, "foo.bar == 1")


def test_mandatory(templates: Templates) -> None:
    assert render(templates, "{{ x | mandatory }}", x="set") == "set"
    with pytest.raises(TaskFailed, match="filter 'mandatory': mandatory variable 'notdefined'"):
        render(templates, "{{ notdefined | mandatory }}")
    with pytest.raises(TaskFailed, match="give me x"):
        render(templates, "{{ notdefined | mandatory(msg='give me x') }}")


def test_none_renders_empty_like_ansible(templates: Templates) -> None:
    assert render(templates, "[{{ nothing }}]", nothing=None) == "[]"


# --- ternary / bool: FILTERS_DOC "Defining different values for true/false/null" ----------


def test_ternary(templates: Templates) -> None:
    src = "{{ (status == 'needs_restart') | ternary('restart', 'continue') }}"
    assert render(templates, src, status="needs_restart") == "restart"
    assert render(templates, src, status="ok") == "continue"
    src = "{{ enabled | ternary('no shutdown', 'shutdown', 'unset') }}"
    assert render(templates, src, enabled=True) == "no shutdown"
    assert render(templates, src, enabled=False) == "shutdown"
    assert render(templates, src, enabled=None) == "unset"
    assert render(templates, "{{ none | ternary('t', 'f') }}") == "f"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # bool filter page: true values (True, 'yes', 'on', '1', 'true', 1),
        # false values (False, 'no', 'off', '0', 'false', 0); comparisons ignore case.
        (True, True),
        ("yes", True),
        ("On", True),
        ("1", True),
        ("TRUE", True),
        (1, True),
        (False, False),
        ("no", False),
        ("off", False),
        ("0", False),
        ("false", False),
        (0, False),
        (None, False),
    ],
)
def test_bool(templates: Templates, given: Any, expected: bool) -> None:
    assert value(templates, "v | bool", v=given) is expected


# --- combine: FILTERS_DOC "Combining hashes/dictionaries" ----------------------------------

DEFAULT = {"a": {"x": "default", "y": "default"}, "b": "default", "c": "default"}
PATCH = {"a": {"y": "patch", "z": "patch"}, "b": "patch"}


def test_combine_overrides_and_many(templates: Templates) -> None:
    assert value(templates, "{'a':1, 'b':2} | combine({'b':3})") == {"a": 1, "b": 3}
    assert value(templates, "{'a':1, 'b':2} | combine({'b':3, 'c':4})") == {"a": 1, "b": 3, "c": 4}
    d = {"a": 1}, {"a": 2, "b": 2}, {"b": 3}, {"c": 4}
    assert value(templates, "a | combine(b, c, d)", a=d[0], b=d[1], c=d[2], d=d[3]) == {
        "a": 2,
        "b": 3,
        "c": 4,
    }
    assert value(templates, "[a, b, c, d] | combine", a=d[0], b=d[1], c=d[2], d=d[3]) == {
        "a": 2,
        "b": 3,
        "c": 4,
    }


def test_combine_recursive(templates: Templates) -> None:
    flat = value(templates, "default | combine(patch)", default=DEFAULT, patch=PATCH)
    assert flat == {"a": {"y": "patch", "z": "patch"}, "b": "patch", "c": "default"}
    deep = value(
        templates, "default | combine(patch, recursive=True)", default=DEFAULT, patch=PATCH
    )
    assert deep == {"a": {"x": "default", "y": "patch", "z": "patch"}, "b": "patch", "c": "default"}
    assert DEFAULT["a"] == {"x": "default", "y": "default"}  # inputs are not modified


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("replace", [3, 4, 5, 5]),
        ("keep", [1, 1, 2, 3]),
        ("append", [1, 1, 2, 3, 3, 4, 5, 5]),
        ("prepend", [3, 4, 5, 5, 1, 1, 2, 3]),
        ("append_rp", [1, 1, 2, 3, 4, 5, 5]),
        ("prepend_rp", [3, 4, 5, 5, 1, 1, 2]),
    ],
)
def test_combine_list_merge(templates: Templates, mode: str, expected: list[int]) -> None:
    src = f"default | combine(patch, list_merge='{mode}')"
    result = value(templates, src, default={"a": [1, 1, 2, 3]}, patch={"a": [3, 4, 5, 5]})
    assert result == {"a": expected}


def test_combine_recursive_with_list_merge(templates: Templates) -> None:
    default = {
        "a": {"a'": {"x": "default_value", "y": "default_value", "list": ["default_value"]}},
        "b": [1, 1, 2, 3],
    }
    patch = {
        "a": {"a'": {"y": "patch_value", "z": "patch_value", "list": ["patch_value"]}},
        "b": [3, 4, 4, {"key": "value"}],
    }
    src = "default | combine(patch, recursive=True, list_merge='append_rp')"
    assert value(templates, src, default=default, patch=patch) == {
        "a": {
            "a'": {
                "x": "default_value",
                "y": "patch_value",
                "z": "patch_value",
                "list": ["default_value", "patch_value"],
            }
        },
        "b": [1, 1, 2, 3, 4, 4, {"key": "value"}],
    }


def test_combine_rejects_non_dicts_and_bad_list_merge(templates: Templates) -> None:
    with pytest.raises(TaskFailed, match="filter 'combine': combine expects dictionaries"):
        render(templates, "{{ {'a': 1} | combine('x') }}")
    with pytest.raises(TaskFailed, match="list_merge must be one of"):
        render(templates, "{{ {'a': 1} | combine({}, list_merge='merge') }}")


# --- dict2items / items2dict: FILTERS_DOC "Transforming dictionaries into lists" -----------


def test_dict2items(templates: Templates) -> None:
    tags = {"Application": "payment", "Environment": "dev"}
    assert value(templates, "tags | dict2items", tags=tags) == [
        {"key": "Application", "value": "payment"},
        {"key": "Environment", "value": "dev"},
    ]
    files = {"users": "/etc/passwd", "groups": "/etc/group"}
    assert value(
        templates, "files | dict2items(key_name='file', value_name='path')", files=files
    ) == [
        {"file": "users", "path": "/etc/passwd"},
        {"file": "groups", "path": "/etc/group"},
    ]
    with pytest.raises(TaskFailed, match="dict2items requires a dictionary, got list"):
        render(templates, "{{ [1] | dict2items }}")


def test_items2dict(templates: Templates) -> None:
    tags = [{"key": "Application", "value": "payment"}, {"key": "Environment", "value": "dev"}]
    assert value(templates, "tags | items2dict", tags=tags) == {
        "Application": "payment",
        "Environment": "dev",
    }
    fruits = [
        {"fruit": "apple", "color": "red"},
        {"fruit": "pear", "color": "yellow"},
        {"fruit": "grapefruit", "color": "yellow"},
    ]
    src = "fruits | items2dict(key_name='fruit', value_name='color')"
    assert value(templates, src, fruits=fruits) == {
        "apple": "red",
        "pear": "yellow",
        "grapefruit": "yellow",
    }
    # "If you do not pass these arguments ... you will see KeyError: key"
    with pytest.raises(TaskFailed, match="filter 'items2dict'.*has no 'key'"):
        render(templates, "{{ fruits | items2dict }}", fruits=fruits)


# --- hashing and base64: FILTERS_DOC "Hashing and encrypting strings and passwords" --------


def test_hash(templates: Templates) -> None:
    assert render(templates, "{{ 'test1' | hash('sha1') }}") == (
        "b444ac06613fc8d63795be9ad0beaf55011936ac"
    )
    assert render(templates, "{{ 'test1' | hash('md5') }}") == "5a105e8b9d40e1329780d62ea2265d8a"
    assert render(templates, "{{ 'test2' | checksum }}") == (
        "109f4b3c50d7b0df729d299bc6f8e9ef9066971f"
    )
    assert render(templates, "{{ 'test1' | hash('sha256') }}") == (
        "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"
    )
    with pytest.raises(TaskFailed, match="filter 'hash': unsupported hash type 'nope'"):
        render(templates, "{{ 'x' | hash('nope') }}")


def test_base64(templates: Templates) -> None:
    assert render(templates, "{{ 'admin:secret' | b64encode }}") == "YWRtaW46c2VjcmV0"
    assert render(templates, "{{ 'YWRtaW46c2VjcmV0' | b64decode }}") == "admin:secret"
    src = "{{ 'hi' | b64encode(encoding='utf-16-le') | b64decode(encoding='utf-16-le') }}"
    assert render(templates, src) == "hi"
    with pytest.raises(TaskFailed, match="filter 'b64decode'"):
        render(templates, "{{ 'not base64!' | b64decode }}")


# --- lists: FILTERS_DOC "Managing list variables" and "Selecting from sets or lists" -------


def test_flatten(templates: Templates) -> None:
    assert value(templates, "[3, [4, 2] ] | flatten") == [3, 4, 2]
    assert value(templates, "[3, [4, [2]] ] | flatten(levels=1)") == [3, 4, [2]]
    assert value(templates, "[1 , 2, [3, [4, 5]], 6] | flatten") == [1, 2, 3, 4, 5, 6]
    assert value(templates, "[1, 2, [3, [4, 5]], 6] | flatten(1)") == [1, 2, 3, [4, 5], 6]
    assert value(templates, "[3, None, [4, [2]] ] | flatten(levels=1, skip_nulls=False)") == [
        3,
        None,
        4,
        [2],
    ]


def test_set_theory(templates: Templates) -> None:
    lists = {"list1": [1, 2, 5, 1, 3, 4, 10], "list2": [1, 2, 3, 4, 5, 11, 99]}
    assert value(templates, "list1 | unique | list", **lists) == [1, 2, 5, 3, 4, 10]
    assert value(templates, "list1 | union(list2)", **lists) == [1, 2, 5, 3, 4, 10, 11, 99]
    assert value(templates, "list1 | intersect(list2)", **lists) == [1, 2, 5, 3, 4]
    assert value(templates, "list1 | difference(list2)", **lists) == [10]
    assert value(templates, "list1 | symmetric_difference(list2)", **lists) == [10, 11, 99]


def test_split_zip_and_type_debug(templates: Templates) -> None:
    assert value(templates, "'apple,banana,orange' | split(',')") == ["apple", "banana", "orange"]
    assert value(templates, "[1,2,3] | zip(['a','b','c','d','e','f']) | list") == [
        [1, "a"],
        [2, "b"],
        [3, "c"],
    ]
    src = "[1,2,3] | zip_longest(['a','b','c','d'], [21, 22, 23], fillvalue='X') | list"
    assert value(templates, src) == [[1, "a", 21], [2, "b", 22], [3, "c", 23], ["X", "d", "X"]]
    assert value(templates, "dict(keys | zip(values))", keys=["one", "two"], values=["a", "o"]) == {
        "one": "a",
        "two": "o",
    }
    assert render(templates, "{{ x | type_debug }}", x={}) == "dict"


# --- errors from plain Python inside templates ----------------------------------------------


def test_python_errors_in_templates_fail_the_task(templates: Templates, tmp_path: Path) -> None:
    with pytest.raises(TaskFailed, match="template error in '{{ 1 / 0 }}': division by zero"):
        render(templates, "{{ 1 / 0 }}")
    (tmp_path / "t.j2").write_text("{{ '10.0.0.1' | ipmath('x') }}\n")
    with pytest.raises(TaskFailed, match="template error in t.j2: filter 'ipmath'"):
        templates.render_file("t.j2", {})


def test_unknown_filter_is_a_syntax_error_at_validation(templates: Templates) -> None:
    from netraven.errors import InputError

    with pytest.raises(InputError, match="No filter named 'ipadr'"):
        templates.check_string("{{ x | ipadr }}", "play[0].tasks[0]")


def test_environment_stays_sandboxed(templates: Templates) -> None:
    with pytest.raises(TaskFailed):
        render(templates, "{{ x.append(1) }}", x=[])
    with pytest.raises(TaskFailed):
        render(templates, "{{ ''.__class__.__mro__ }}")


def test_list_results_render_like_python_literals(templates: Templates) -> None:
    rendered = render(templates, "{{ ['192.0.2.1/24'] | ipaddr('address') }}")
    assert ast.literal_eval(rendered) == ["192.0.2.1"]
