from __future__ import annotations

import subprocess
import sys

import netraven
from netraven import errors

EXPECTED = [
    "AuthenticationFailed",
    "Connection",
    "ConnectionFailed",
    "ConnectionRegistry",
    "DeviceError",
    "HostOutcome",
    "HostParams",
    "HostStatus",
    "InputError",
    "JobOutcome",
    "JobSpec",
    "JobStatus",
    "NetRavenError",
    "NullListener",
    "Owner",
    "RunListener",
    "RunOptions",
    "SessionLost",
    "StoreError",
    "TaskFailed",
    "TaskOutcome",
    "TaskStatus",
    "__version__",
    "default_registry",
    "execute",
    "load_inventory",
    "load_playbook",
    "open_engine",
]


def test_public_api_is_what_we_meant() -> None:
    assert sorted(netraven.__all__) == EXPECTED


def test_every_public_name_resolves_to_its_definition() -> None:
    for name in netraven.__all__:
        value = getattr(netraven, name)
        assert value is not None
        if name != "__version__":
            assert getattr(value, "__name__", name) == name


def test_unknown_names_are_attribute_errors() -> None:
    try:
        netraven.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_importing_netraven_loads_no_heavy_library() -> None:
    code = (
        "import sys, netraven; "
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'nornir', 'scrapli', 'netmiko', 'rich') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_one_rooted_exception_tree() -> None:
    classes = [getattr(errors, n) for n in dir(errors) if n[0].isupper()]
    assert all(issubclass(c, errors.NetRavenError) for c in classes)


def test_engine_names_are_not_shadowed_by_its_modules() -> None:
    import inspect

    import netraven.engine.job  # noqa: F401 - loading the module must not hide the function
    from netraven.engine import execute, plan_job

    assert inspect.iscoroutinefunction(execute) and callable(plan_job)
