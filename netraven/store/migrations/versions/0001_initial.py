"""The schema of release 0.1.0, exactly as its ``SQLModel.metadata.create_all`` made it.

Stores written by 0.1.0 have these tables but no ``alembic_version``; they are stamped
at this revision rather than migrated (see ``netraven.store.schema``).

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "breaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_key", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        _when("opened_at"),
        sa.Column("reset_after", sa.Float(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_breaker_scope_key", "breaker", ["scope_key"], unique=True)
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook", sa.String(), nullable=False),
        sa.Column("playbook_sha256", sa.String(), nullable=False),
        sa.Column("git_commit", sa.String(), nullable=True),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("options", sa.Text(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("machine", sa.String(), nullable=True),
        _when("created_at", nullable=False),
        _when("started_at"),
        _when("finished_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_status", "job", ["status"])
    op.create_table(
        "config_backup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_config_backup_host", "config_backup", ["host"])
    op.create_index("ix_config_backup_job_id", "config_backup", ["job_id"])
    op.create_table(
        "host_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("play_index", sa.Integer(), nullable=False),
        sa.Column("play", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _when("started_at"),
        _when("finished_at"),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_host_result_host", "host_result", ["host"])
    op.create_index("ix_host_result_job_id", "host_result", ["job_id"])
    op.create_table(
        "log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(), nullable=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_log_entry_host", "log_entry", ["host"])
    op.create_index("ix_log_entry_job_id", "log_entry", ["job_id"])
    op.create_table(
        "task_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("play_index", sa.Integer(), nullable=False),
        sa.Column("play", sa.String(), nullable=False),
        sa.Column("task_index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("diff", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("started_at"),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_result_host", "task_result", ["host"])
    op.create_index("ix_task_result_job_id", "task_result", ["job_id"])


def downgrade() -> None:
    for table in ("task_result", "log_entry", "host_result", "config_backup", "job", "breaker"):
        op.drop_table(table)
