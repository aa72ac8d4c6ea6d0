from __future__ import annotations

import netraven
from netraven import errors


def test_public_api_is_what_we_meant() -> None:
    assert sorted(netraven.__all__) == [
        "ConnectionFailed",
        "InputError",
        "NetRavenError",
        "TaskFailed",
        "__version__",
    ]


def test_one_rooted_exception_tree() -> None:
    classes = [getattr(errors, n) for n in dir(errors) if n[0].isupper()]
    assert all(issubclass(c, errors.NetRavenError) for c in classes)
