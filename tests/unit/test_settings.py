"""Settings: precedence, anchoring of relative paths, sources, errors and masking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netraven.errors import InputError
from netraven.settings import find_config_file, load_settings, mask_url


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NETRAVEN_* from the caller's shell, and no netraven.toml above the test directory."""
    for name in list(os.environ):
        if name.upper().startswith("NETRAVEN_"):
            monkeypatch.delenv(name)
    assert find_config_file(tmp_path) is None


def project(tmp_path: Path, toml: str) -> tuple[Path, Path]:
    """A project with ``netraven.toml`` and a subdirectory to run commands from."""
    (tmp_path / "netraven.toml").write_text(toml)
    sub = tmp_path / "roles" / "core"
    sub.mkdir(parents=True)
    return tmp_path, sub


def test_defaults_without_toml_live_in_the_current_directory(tmp_path: Path) -> None:
    s = load_settings(tmp_path)
    assert s.config_file is None
    assert s.state_dir == tmp_path / ".netraven"
    assert s.db_url == f"sqlite:///{tmp_path}/.netraven/netraven.db"
    assert s.lab_dir == tmp_path / ".netraven" / "lab"
    assert s.last_failed_path == tmp_path / ".netraven" / "last-failed.txt"
    assert (s.forks, s.log_level, s.vault_password_file) == (100, "debug", None)
    assert {r.source for r in s.report()} == {"default"}


def test_toml_in_a_parent_anchors_state_and_relative_paths(tmp_path: Path) -> None:
    root, sub = project(
        tmp_path,
        'state_dir = "var/nr"\nforks = 20\nvault_password_file = "secrets/vault.txt"\n'
        "log_level = 'INFO'\n",
    )
    s = load_settings(sub)
    assert s.config_file == root / "netraven.toml"
    assert s.state_dir == root / "var" / "nr"
    assert s.lab_dir == root / "var" / "nr" / "lab"  # follows state_dir
    assert s.db_url == f"sqlite:///{root}/var/nr/netraven.db"
    assert s.vault_password_file == root / "secrets" / "vault.txt"
    assert (s.forks, s.log_level) == (20, "info")
    label = f"netraven.toml ({root / 'netraven.toml'})"
    assert s.source_of("forks") == s.source_of("state_dir") == label
    assert s.source_of("lab_dir") == s.source_of("db_url") == "default"


def test_default_state_dir_is_next_to_the_toml(tmp_path: Path) -> None:
    root, sub = project(tmp_path, "forks = 5\n")
    s = load_settings(sub)
    assert s.state_dir == root / ".netraven"
    assert s.last_failed_path == root / ".netraven" / "last-failed.txt"


def test_relative_sqlite_url_in_toml_is_relative_to_the_toml(tmp_path: Path) -> None:
    root, sub = project(tmp_path, 'db_url = "sqlite:///data/jobs.db?timeout=3"\n')
    assert load_settings(sub).db_url == f"sqlite:///{root}/data/jobs.db?timeout=3"
    # absolute and in-memory URLs are left alone
    (root / "netraven.toml").write_text('db_url = "sqlite:////abs/jobs.db"\n')
    assert load_settings(sub).db_url == "sqlite:////abs/jobs.db"
    (root / "netraven.toml").write_text('db_url = "sqlite:///:memory:"\n')
    assert load_settings(sub).db_url == "sqlite:///:memory:"


def test_precedence_defaults_toml_env_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, sub = project(tmp_path, 'db_url = "sqlite:///toml.db"\nforks = 7\nlog_level = "error"\n')
    monkeypatch.setenv("NETRAVEN_DB_URL", "postgresql+psycopg://env@h/db")
    monkeypatch.setenv("NETRAVEN_FORKS", "9")
    s = load_settings(sub, db_url="sqlite:///cli.db", forks=None, log_level=None)
    assert s.db_url == f"sqlite:///{sub}/cli.db"  # relative on the command line: the cwd
    assert s.forks == 9 and s.log_level == "error"  # None flags do not override
    assert s.source_of("db_url") == "cli"
    assert s.source_of("forks") == "env NETRAVEN_FORKS"
    assert s.source_of("log_level") == f"netraven.toml ({root / 'netraven.toml'})"
    assert s.source_of("state_dir") == "default"
    without_cli = load_settings(sub)
    assert without_cli.db_url == "postgresql+psycopg://env@h/db"
    assert without_cli.source_of("db_url") == "env NETRAVEN_DB_URL"


def test_env_paths_are_relative_to_the_cwd_and_empty_env_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRAVEN_STATE_DIR", "st")
    monkeypatch.setenv("NETRAVEN_DB_URL", "")
    monkeypatch.setenv("netraven_lab_dir", "~/labs")  # case-insensitive, ~ expanded
    s = load_settings(tmp_path)
    assert s.state_dir == tmp_path / "st"
    assert s.db_url == f"sqlite:///{tmp_path}/st/netraven.db"
    assert s.source_of("db_url") == "default"
    assert s.lab_dir == Path("~/labs").expanduser()
    assert s.source_of("lab_dir") == "env NETRAVEN_LAB_DIR"


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    root, sub = project(tmp_path, "# settings\nforks = 3\n\ndb_uri = 'sqlite:///x.db'\n")
    with pytest.raises(InputError) as info:
        load_settings(sub)
    assert str(info.value).startswith(f"{root / 'netraven.toml'}:4: unknown key 'db_uri'")
    (root / "netraven.toml").write_text("forks = 3\n[lab]\ndevices = 3\n")
    with pytest.raises(InputError, match=r"netraven\.toml:2: unknown key 'lab'"):
        load_settings(sub)


def test_bad_toml_syntax_names_the_line(tmp_path: Path) -> None:
    root, sub = project(tmp_path, "forks = 3\nlog_level debug\n")
    with pytest.raises(InputError) as info:
        load_settings(sub)
    assert str(info.value).startswith(f"{root / 'netraven.toml'}:2: invalid TOML: ")
    assert "(at line" not in str(info.value)


def test_bad_values_name_their_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, sub = project(tmp_path, "log_level = 'info'\nforks = 0\n")
    with pytest.raises(InputError, match=r"netraven\.toml:2: forks: .*greater than or equal"):
        load_settings(sub)
    (tmp_path / "netraven.toml").write_text("log_level = 'loud'\n")
    with pytest.raises(InputError, match=r"netraven\.toml:1: log_level: "):
        load_settings(sub)
    (tmp_path / "netraven.toml").unlink()
    monkeypatch.setenv("NETRAVEN_FORKS", "many")
    with pytest.raises(InputError, match=r"^environment variable NETRAVEN_FORKS: "):
        load_settings(sub)
    monkeypatch.delenv("NETRAVEN_FORKS")
    with pytest.raises(InputError, match=r"^--forks: "):
        load_settings(sub, forks=-1)
    with pytest.raises(TypeError):
        load_settings(sub, colour="blue")


def test_mask_url_hides_password_and_secret_query_values() -> None:
    url = "postgresql+psycopg://ops:S3cret!@db.example:5432/nr?sslpassword=K3y&application_name=nr"
    masked = mask_url(url)
    assert "S3cret" not in masked and "K3y" not in masked
    assert masked == (
        "postgresql+psycopg://ops:***@db.example:5432/nr?application_name=nr&sslpassword=***"
    )
    assert mask_url("postgresql+psycopg://ops@db/nr?token=abc") == (
        "postgresql+psycopg://ops@db/nr?token=***"
    )
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"
    assert mask_url("::not a url with pw@host") == "***"


def test_report_masks_db_url_unless_revealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRAVEN_DB_URL", "postgresql+psycopg://u:hunter22@h/db")
    s = load_settings(tmp_path)
    shown = {r.name: r for r in s.report()}
    assert shown["db_url"].value == "postgresql+psycopg://u:***@h/db"
    assert shown["db_url"].source == "env NETRAVEN_DB_URL"
    assert shown["forks"].value == 100 and shown["vault_password_file"].value is None
    assert {r.name: r.value for r in s.report(reveal=True)}["db_url"] == s.db_url


def test_find_lab_dir_walks_up_without_toml(tmp_path: Path) -> None:
    lab = tmp_path / ".netraven" / "lab"
    lab.mkdir(parents=True)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert load_settings(sub).find_lab_dir() == sub / ".netraven" / "lab"  # none found yet
    (lab / "state.json").write_text("{}")
    assert load_settings(sub).find_lab_dir() == lab
    # an explicit directory is never second-guessed
    assert load_settings(sub, lab_dir=Path("mine")).find_lab_dir() == sub / "mine"


def test_find_lab_dir_with_toml_uses_the_configured_one(tmp_path: Path) -> None:
    root, sub = project(tmp_path, 'lab_dir = "labs/main"\n')
    stray = sub / ".netraven" / "lab"
    stray.mkdir(parents=True)
    (stray / "state.json").write_text("{}")
    assert load_settings(sub).find_lab_dir() == root / "labs" / "main"


def test_pool_settings_default_and_come_from_toml_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netraven.engine.pool import ConnectionPool

    s = load_settings(tmp_path)
    assert (s.pool_idle_seconds, s.pool_max_per_device) == (300.0, 2)
    root, sub = project(tmp_path, "pool_idle_seconds = 45\npool_max_per_device = 3\n")
    s = load_settings(sub)
    assert (s.pool_idle_seconds, s.pool_max_per_device) == (45.0, 3)
    monkeypatch.setenv("NETRAVEN_POOL_MAX_PER_DEVICE", "5")
    s = load_settings(sub)
    assert s.pool_max_per_device == 5
    assert s.source_of("pool_max_per_device") == "env NETRAVEN_POOL_MAX_PER_DEVICE"
    pool = ConnectionPool.from_settings(s)
    assert (pool.idle_seconds, pool.max_per_device) == (45.0, 5)


def test_bad_pool_settings_name_file_and_line(tmp_path: Path) -> None:
    _, sub = project(tmp_path, "forks = 5\npool_idle_seconds = 0\n")
    with pytest.raises(InputError) as err:
        load_settings(sub)
    assert err.value.line == 2 and "pool_idle_seconds" in str(err.value)
