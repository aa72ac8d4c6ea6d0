"""The job service's tables: API tokens, the audit log, and queued job requests.

``api_token``: a token is shown once and only its SHA-256 is kept (the token carries
256 random bits, so a fast hash is enough: nobody can search that space, and a slow
password hash would cost every API request tens of milliseconds). ``revoked_at`` keeps
a revoked token's row so the audit log still names who it was.

``audit_entry``: every write through the service (and token management from the CLI):
who (token name), their role, what, on which target, from where, when, and the HTTP
status it ended with.

``job_request``: what a queued job was asked to do (playbook, inventory, limit, tags,
non-secret extra vars...), so a service restart starts it instead of losing it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("token_sha256", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_token_name", "api_token", ["name"], unique=True)
    op.create_index("ix_api_token_token_sha256", "api_token", ["token_sha256"], unique=True)
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=True),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_table(
        "job_request",
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("job.id"), primary_key=True),
        sa.Column("request", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_request")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_index("ix_api_token_token_sha256", table_name="api_token")
    op.drop_index("ix_api_token_name", table_name="api_token")
    op.drop_table("api_token")
