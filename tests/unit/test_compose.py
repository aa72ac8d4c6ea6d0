"""compose.yaml is a valid Compose file and keeps the promises the README makes about it.

No Docker daemon (and no ``docker compose`` plugin) is available where these tests run, so
the stack is not started here. The file is validated against the Compose Specification's
JSON schema (vendored in tests/data, see its README), and checked for what the README
says: no ``version:`` key, a health check on every service, start order on health, two
workers, one image for api/worker/lab, and no secret written in the file itself. That the
same commands work is shown by running them as plain processes elsewhere in the suite.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from netraven.service.routes.health import router as health_router

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
OUR_IMAGE = ("api", "worker", "lab")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|_URL$|KEY", re.IGNORECASE)
INTERPOLATED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}")


def load() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = load()["services"]
    return found


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_valid_against_the_compose_specification() -> None:
    assert schema_errors(load()) == []


def _bad_condition(doc: dict[str, Any]) -> None:
    doc["services"]["api"]["depends_on"]["postgres"]["condition"] = "service_ready"


def _misspelt_healthcheck(doc: dict[str, Any]) -> None:
    doc["services"]["redis"]["healthcheck"]["intervall"] = "5s"


def _unknown_service_key(doc: dict[str, Any]) -> None:
    doc["services"]["worker"]["replicas"] = 2  # belongs under deploy:


def _command_not_a_list_of_strings(doc: dict[str, Any]) -> None:
    doc["services"]["lab"]["command"] = {"lab": "up"}


def _bad_service_name(doc: dict[str, Any]) -> None:
    doc["services"]["api worker"] = doc["services"].pop("api")


@pytest.mark.parametrize(
    "mutate",
    [
        _bad_condition,
        _misspelt_healthcheck,
        _unknown_service_key,
        _command_not_a_list_of_strings,
        _bad_service_name,
    ],
)
def test_the_schema_rejects_a_broken_file(mutate: Callable[[dict[str, Any]], None]) -> None:
    """The validation above can fail: each of these edits makes the file invalid."""
    document = copy.deepcopy(load())
    mutate(document)
    assert schema_errors(document) != []


def test_no_obsolete_version_key() -> None:
    assert "version" not in load()
    assert not re.search(r"^version\s*:", COMPOSE.read_text(), re.MULTILINE)


def test_every_service_has_a_health_check() -> None:
    for name, service in services().items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_postgres_is_healthy_only_once_it_listens_on_tcp() -> None:
    """A Unix-socket probe passes during the image's first-start temporary server."""
    probe = services()["postgres"]["healthcheck"]["test"]
    assert probe[0] == "CMD-SHELL" and probe[1].startswith("pg_isready -h 127.0.0.1 ")


def test_start_order_waits_for_health() -> None:
    found = services()
    for name, service in found.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in found, f"{name} depends on unknown {target}"
            assert rule == {"condition": "service_healthy"}, f"{name} -> {target}"
    assert set(found["api"]["depends_on"]) == {"postgres", "redis", "lab"}
    assert set(found["worker"]["depends_on"]) == {"postgres", "redis", "api", "lab"}


def test_two_workers_of_four_processes() -> None:
    worker = services()["worker"]
    assert worker["deploy"]["replicas"] == 2
    assert worker["command"] == ["worker", "--concurrency", "4"]
    # Replicas cannot share a fixed name or a published port.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["healthcheck"]["test"] == ["CMD", "netraven", "worker", "--check"]


def test_api_worker_and_lab_are_the_one_image_built_here() -> None:
    found = services()
    images = {found[name]["image"] for name in OUR_IMAGE}
    assert len(images) == 1
    for name in OUR_IMAGE:
        assert found[name]["build"] == {"context": "."}, name
        assert found[name]["pull_policy"] == "build", name
    assert (ROOT / "Dockerfile").is_file()
    for name, service in found.items():
        if name not in OUR_IMAGE:
            image, _, tag = service["image"].partition(":")
            assert "build" not in service
            assert re.match(r"\d+", tag), f"{name}: {service['image']} is not pinned"


def test_api_serves_health_on_loopback_only() -> None:
    api = services()["api"]
    command = api["command"]
    assert command[0] == "serve" and option(command, "--host") == "0.0.0.0"
    port = option(command, "--port")
    assert api["ports"] == [f"127.0.0.1:{port}:{port}"]
    probe = api["healthcheck"]["test"][-1]
    url = re.search(r"'(http://[^']+)'", probe)
    assert url is not None, probe
    parts = urlsplit(url.group(1))
    assert parts.port == int(port)
    routes = {getattr(route, "path", None) for route in health_router.routes}
    assert parts.path in routes  # the anonymous liveness route, not /ready
    assert parts.path == "/health"


def test_lab_serves_other_containers_under_its_service_name() -> None:
    found = services()
    command = found["lab"]["command"]
    assert command[:3] == ["lab", "up", "--foreground"]
    assert option(command, "--listen") == "0.0.0.0"
    assert option(command, "--inventory-host") == "lab"
    probe = found["lab"]["healthcheck"]["test"][-1]
    assert f"('127.0.0.1', {option(command, '--base-port')})" in probe
    lab_dir = option(command, "--dir")
    assert f"lab-state:{lab_dir}" in found["lab"]["volumes"]
    for name in ("api", "worker"):
        # The inventory names its known_hosts by absolute path: the same path everywhere.
        assert f"lab-state:{lab_dir}:ro" in found[name]["volumes"], name
        assert found[name]["environment"]["NETRAVEN_SERVICE_PLAYBOOK_DIR"] == "/project"
        assert lab_dir.startswith("/project/")  # below the playbook dir API callers use
    assert "ports" not in found["lab"]  # reached on the compose network only


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def environment(service: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = service.get("environment", {})
    assert isinstance(env, dict)  # the mapping form: one key per line, easy to read
    return env


def test_no_secret_is_written_in_the_file() -> None:
    document = load()
    for text in strings(document):
        url = re.search(r"[a-z+]+://\S+", text)
        if url:
            assert urlsplit(url.group(0)).password is None, text
    for name, service in document["services"].items():
        for key, value in environment(service).items():
            if SECRET_KEY.search(key):
                assert value is None or INTERPOLATED.fullmatch(str(value)), f"{name}: {key}"
    # The services that need credentials get them from env files.
    for name in ("api", "worker", "postgres"):
        assert document["services"][name]["env_file"], name


def env_file_keys(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines())
    return {p[0]: p[1] for p in pairs if len(p) == 2 and not p[0].startswith("#")}


def test_env_files_are_shipped_as_examples_and_kept_out_of_git_and_the_image() -> None:
    ignored_by_git = (ROOT / ".gitignore").read_text().split()
    ignored_by_docker = (ROOT / ".dockerignore").read_text().split()
    env_files = {f for service in services().values() for f in service.get("env_file", [])}
    assert env_files == {"deploy/netraven.env", "deploy/postgres.env"}
    for env_file in env_files:
        assert (ROOT / f"{env_file}.example").is_file(), env_file
        assert any(fnmatch.fnmatch(env_file, pattern) for pattern in ignored_by_git), env_file
        assert any(
            env_file == pattern or env_file.startswith(pattern.rstrip("/") + "/")
            for pattern in ignored_by_docker
        ), env_file
        assert not fnmatch.fnmatch(f"{env_file}.example", "deploy/*.env")  # examples tracked


def test_env_examples_agree_with_each_other() -> None:
    """Copied unchanged, the two files give a working stack (with a password to change)."""
    app = env_file_keys(ROOT / "deploy" / "netraven.env.example")
    db = env_file_keys(ROOT / "deploy" / "postgres.env.example")
    url = urlsplit(app["NETRAVEN_DB_URL"])
    assert url.scheme == "postgresql+psycopg"
    assert (url.hostname, url.port) == ("postgres", 5432)  # the compose service
    assert url.username == db["POSTGRES_USER"]
    assert url.password == db["POSTGRES_PASSWORD"] == "CHANGE-ME"
    assert url.path == f"/{db['POSTGRES_DB']}"
    broker = urlsplit(app["NETRAVEN_BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    assert set(services()) >= {"postgres", "redis"}
