"""One settings object, so every command agrees on where the store, the state and the lab are.

Precedence, lowest to highest: built-in defaults < ``netraven.toml`` (in the current
directory or the nearest parent) < ``NETRAVEN_*`` environment variables < command-line
flags. Each layer is validated on its own, so an error names where the bad value came
from (file and line, variable, or flag), and every effective value remembers its source
for ``netraven config show``. The file format is documented in ``docs/settings.md``.

Relative paths are anchored where they were written: in ``netraven.toml`` at the file's
directory, in the environment and on the command line at the current directory. The
state directory defaults to ``.netraven`` next to ``netraven.toml`` (else in the current
directory), so a command run from a subdirectory of a project finds the project's store.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from netraven.errors import InputError
from netraven.flags.builtin import merge_declared
from netraven.flags.model import NAME_RE, FlagDefinition

FILE_NAME = "netraven.toml"
ENV_PREFIX = "NETRAVEN_"
STATE_DIR_NAME = ".netraven"
LogLevel = Literal["debug", "info", "warning", "error"]
FIELDS = (
    "db_url",
    "state_dir",
    "lab_dir",
    "forks",
    "log_level",
    "vault_password_file",
    "pool_idle_seconds",
    "pool_max_per_device",
    "service_max_jobs",
    "service_playbook_dir",
    "executor",
    "broker_url",
)
_PATH_FIELDS = ("state_dir", "lab_dir", "vault_password_file", "service_playbook_dir")


class _Layer(BaseModel):
    """What one source may set; ``None`` means "this source does not say"."""

    model_config = ConfigDict(extra="forbid")

    db_url: str | None = Field(None, min_length=1)
    state_dir: Path | None = None
    lab_dir: Path | None = None
    forks: int | None = Field(None, ge=1, le=100_000)
    log_level: LogLevel | None = None
    vault_password_file: Path | None = None
    # For long-lived processes only (engine/pool.py); the CLI runs one job and never pools.
    pool_idle_seconds: float | None = Field(None, gt=0, le=86_400)
    pool_max_per_device: int | None = Field(None, ge=1, le=1_000)
    # `netraven serve`: jobs running at once (the rest wait queued in the store), and the
    # directory API callers name playbooks and inventories in (nothing outside it runs).
    service_max_jobs: int | None = Field(None, ge=1, le=1_000)
    service_playbook_dir: Path | None = None
    # Where jobs' hosts run: in this process ("local"), or on `netraven worker`s through
    # Celery ("celery"), whose broker (Redis) also carries the cross-worker coordination.
    executor: Literal["local", "celery"] | None = None
    broker_url: str | None = Field(None, pattern=r"^rediss?://")

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class _EnvLayer(_Layer, BaseSettings):
    """The ``NETRAVEN_*`` variables, read by pydantic-settings (prefix, case, empty values)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True, case_sensitive=False
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings,)


@dataclass(frozen=True)
class Setting:
    """One field as ``config show`` reports it."""

    name: str
    value: str | int | float | None
    source: str


@dataclass(frozen=True)
class Settings:
    """The effective settings; paths are absolute. Build with :func:`load_settings`."""

    db_url: str
    state_dir: Path
    lab_dir: Path
    forks: int
    log_level: LogLevel
    vault_password_file: Path | None
    cwd: Path
    pool_idle_seconds: float = 300.0
    pool_max_per_device: int = 2
    service_max_jobs: int = 2
    service_playbook_dir: Path | None = None  # None: the project root (netraven.toml's dir)
    executor: Literal["local", "celery"] = "local"
    broker_url: str = "redis://127.0.0.1:6379/0"
    config_file: Path | None = None
    # Feature flags declared in netraven.toml (``[flags.NAME]``), in file order, then the
    # built-in ones (netraven/flags/builtin.py) not redeclared there.
    flags: tuple[FlagDefinition, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def last_failed_path(self) -> Path:
        """Where a run with failures lists its failed hosts (for ``--limit @FILE``)."""
        return self.state_dir / "last-failed.txt"

    def source_of(self, name: str) -> str:
        return self.sources.get(name, "default")

    def report(self, *, reveal: bool = False) -> list[Setting]:
        """Every field, its effective value and where it came from; secrets masked."""
        rows: list[Setting] = []
        for name in FIELDS:
            value = getattr(self, name)
            shown: str | int | float | None = (
                value if value is None or isinstance(value, int | float) else str(value)
            )
            if name in ("db_url", "broker_url") and not reveal:
                shown = mask_url(str(value))
            rows.append(Setting(name, shown, self.source_of(name)))
        return rows

    def find_lab_dir(self) -> Path:
        """The lab to talk to: as configured, else the nearest one up from the current directory.

        Without ``netraven.toml`` and without an explicit lab directory, a lab started in a
        parent directory is still found, so ``lab status`` works from anywhere below it.
        """
        if self.config_file is not None or self.source_of("lab_dir") != "default":
            return self.lab_dir
        if self.source_of("state_dir") != "default":
            return self.lab_dir
        for directory in (self.cwd, *self.cwd.parents):
            candidate = directory / STATE_DIR_NAME / "lab"
            if (candidate / "state.json").is_file():
                return candidate
        return self.lab_dir


def find_config_file(start: Path) -> Path | None:
    """``netraven.toml`` in ``start`` or its nearest parent that has one."""
    for directory in (start, *start.parents):
        candidate = directory / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(cwd: Path | None = None, **cli_overrides: Any) -> Settings:
    """The effective settings for a command run in ``cwd`` with these flags (``None`` = unset)."""
    base = (cwd or Path.cwd()).absolute()
    unknown = set(cli_overrides) - set(FIELDS)
    if unknown:
        raise TypeError(f"load_settings: unknown setting(s) {', '.join(sorted(unknown))}")
    config_file = find_config_file(base)
    # (values, source label of a field, directory relative paths are anchored at)
    layers: list[tuple[dict[str, Any], Callable[[str], str], Path]] = []
    flags: tuple[FlagDefinition, ...] = ()
    if config_file is not None:
        label = f"{FILE_NAME} ({config_file})"
        file_layer, flags = _toml_layer(config_file)
        layers.append((file_layer, lambda _: label, config_file.parent))
    layers.append((_env_layer(), lambda name: f"env {ENV_PREFIX}{name.upper()}", base))
    cli = {k: v for k, v in cli_overrides.items() if v is not None}
    layers.append((_validate(cli, _cli_error), lambda _: "cli", base))

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer, label_of, anchor in layers:
        for name, value in layer.items():
            values[name] = _anchor(name, value, anchor)
            sources[name] = label_of(name)

    root = config_file.parent if config_file is not None else base
    state_dir: Path = values.get("state_dir") or root / STATE_DIR_NAME
    return Settings(
        db_url=values.get("db_url") or f"sqlite:///{state_dir / 'netraven.db'}",
        state_dir=state_dir,
        lab_dir=values.get("lab_dir") or state_dir / "lab",
        forks=values.get("forks") or 100,
        log_level=values.get("log_level") or "debug",
        vault_password_file=values.get("vault_password_file"),
        cwd=base,
        pool_idle_seconds=values.get("pool_idle_seconds") or 300.0,
        pool_max_per_device=values.get("pool_max_per_device") or 2,
        service_max_jobs=values.get("service_max_jobs") or 2,
        service_playbook_dir=values.get("service_playbook_dir") or root,
        executor=values.get("executor") or "local",
        broker_url=values.get("broker_url") or "redis://127.0.0.1:6379/0",
        config_file=config_file,
        sources=sources,
        flags=merge_declared(flags),
    )


def _env_layer() -> dict[str, Any]:
    try:
        layer = _EnvLayer()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        raise InputError(
            f"environment variable {ENV_PREFIX}{name.upper()}: {error['msg']}"
        ) from None
    return {n: getattr(layer, n) for n in layer.model_fields_set}


def _cli_error(name: str, message: str) -> InputError:
    return InputError(f"--{name.replace('_', '-')}: {message}")


def _validate(data: dict[str, Any], error: Callable[[str, str], InputError]) -> dict[str, Any]:
    try:
        layer = _Layer.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "?"
        raise error(name, first["msg"]) from None
    return {n: getattr(layer, n) for n in layer.model_fields_set}


def _toml_layer(path: Path) -> tuple[dict[str, Any], tuple[FlagDefinition, ...]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        line = int(match.group(1)) if match else len(text.splitlines()) or 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", message)
        raise InputError(f"invalid TOML: {message}", path=str(path), line=line) from None
    flags = _flag_definitions(data.pop("flags", {}), path, text)
    for key in data:
        if key not in FIELDS:
            raise InputError(
                f"unknown key '{key}' (known: {', '.join(FIELDS)})",
                path=str(path),
                line=_line_of(text, key),
            )

    def error(name: str, message: str) -> InputError:
        return InputError(f"{name}: {message}", path=str(path), line=_line_of(text, name))

    return _validate(data, error), flags


_FLAG_KEYS = {"description": str, "default": bool}


def _flag_definitions(table: Any, path: Path, text: str) -> tuple[FlagDefinition, ...]:
    """``[flags.NAME]`` tables with ``description`` and ``default`` (docs/flags.md)."""

    def error(where: str, message: str) -> InputError:
        return InputError(f"{where}: {message}", path=str(path), line=_flag_line(text, where))

    if not isinstance(table, dict):
        raise error("flags", "expected tables [flags.NAME]")
    found: list[FlagDefinition] = []
    for name, body in table.items():
        where = f"flags.{name}"
        if not NAME_RE.match(name):
            raise error(where, "a flag name is lower-case letters, digits and '_'")
        if not isinstance(body, dict):
            raise error(where, "expected a table with description and default")
        for key, value in body.items():
            kind = _FLAG_KEYS.get(key)
            if kind is None:
                raise error(where, f"unknown key '{key}' (known: description, default)")
            if not isinstance(value, kind):
                raise error(where, f"{key}: expected a {'boolean' if kind is bool else 'string'}")
        found.append(FlagDefinition(name, body.get("description", ""), body.get("default", False)))
    return tuple(found)


def _flag_line(text: str, where: str) -> int | None:
    """The line of ``[flags.NAME]`` (or ``[flags]``), for error messages."""
    name = re.escape(where.partition(".")[2])
    pattern = re.compile(rf"^\s*\[\s*flags\s*\.\s*[\"']?{name}[\"']?\s*\]")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return _line_of(text, "flags")


def _line_of(text: str, key: str) -> int | None:
    """The line a top-level key (or table) is defined on; tomllib does not say."""
    quoted = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    assignment = re.compile(rf"^\s*{quoted}\s*[=.]")
    header = re.compile(rf"^\s*\[\[?\s*{quoted}\s*[\].]")
    in_tables = False
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            return number
        if re.match(r"^\s*\[", line):
            in_tables = True  # top-level keys all come before the first table header
        elif not in_tables and assignment.match(line):
            return number
    return None


def _anchor(name: str, value: Any, anchor: Path) -> Any:
    """Relative paths (and relative SQLite files) are relative to where they were written."""
    if name in _PATH_FIELDS and isinstance(value, Path):
        path = value.expanduser()
        return path if path.is_absolute() else anchor / path
    if name == "db_url" and isinstance(value, str):
        return _anchor_sqlite(value, anchor)
    return value


def _anchor_sqlite(url: str, anchor: Path) -> str:
    prefix, sep, rest = url.partition(":///")
    if not sep or not prefix.startswith("sqlite"):
        return url
    database, query_sep, query = rest.partition("?")
    if not database or database == ":memory:" or database.startswith(("/", "file:")):
        return url
    return f"{prefix}:///{(anchor / os.path.expanduser(database))}{query_sep}{query}"


def mask_url(url: str) -> str:
    """A database URL safe to print: no password, no secret-looking query values."""
    from netraven.store.engine import safe_url  # the one masking rule for store URLs

    return safe_url(url)
