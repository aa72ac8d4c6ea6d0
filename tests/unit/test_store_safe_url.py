"""A database URL is shown without any password, wherever the password sits."""

from __future__ import annotations

import pytest

from netraven.store.engine import safe_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://ops:s3cr%40t@db.example:5432/netraven",
            "postgresql+psycopg://ops:***@db.example:5432/netraven",
        ),
        (
            "postgresql://ops@db/netraven?sslpassword=keypass&sslmode=require",
            "postgresql://ops@db/netraven?sslmode=require&sslpassword=***",
        ),
        (
            "postgresql://db/netraven?user=ops&password=pw1&options=-csearch_path%3Dx",
            "postgresql://db/netraven?options=-csearch_path%3Dx&password=***&user=ops",
        ),
        (
            "mysql://u:p@h/db?auth_token=abc&token=t1&token=t2",
            "mysql://u:***@h/db?auth_token=***&token=***",
        ),
        (
            "postgresql://u:p@h/db?client_secret=zz&api_key=k",
            "postgresql://u:***@h/db?api_key=***&client_secret=***",
        ),
        ("sqlite:///.netraven/netraven.db", "sqlite:///.netraven/netraven.db"),
        ("sqlite:////abs/path/store.db", "sqlite:////abs/path/store.db"),
        ("postgresql://ops@db/netraven", "postgresql://ops@db/netraven"),
    ],
)
def test_passwords_are_masked(url: str, shown: str) -> None:
    assert safe_url(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "not a url://user:hunter2@host/x",
        "://user:hunter2@host",
        "weird:// user:hunter2@host?password=hunter2",
    ],
)
def test_unparseable_urls_still_hide_the_password(url: str) -> None:
    shown = safe_url(url)
    assert "hunter2" not in shown and "***" in shown


def test_a_password_that_looks_like_the_host_is_not_confused() -> None:
    shown = safe_url("postgresql://admin:admin@admin/admin")
    assert shown == "postgresql://admin:***@admin/admin"
