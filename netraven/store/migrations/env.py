"""Alembic environment: migrate the connection the caller passed, inside its transaction."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import netraven.store.models  # noqa: F401 - registers the tables for autogenerate

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "netraven migrations run through netraven.store.schema (or `netraven db upgrade`)"
    )
context.configure(connection=connection, target_metadata=SQLModel.metadata)
with context.begin_transaction():
    context.run_migrations()
