"""Schedules and the template repository.

``schedule``: store-backed schedules the service's scheduler runs (``netraven schedules``).
``repo_template`` / ``repo_template_version``: versioned Jinja2 templates playbooks name as
``repo:NAME`` or ``repo:NAME@VERSION``; ``job_template``: which versions each job rendered.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("handler", sa.String(), nullable=False),
        sa.Column("playbook", sa.Text(), nullable=True),
        sa.Column("inventory", sa.Text(), nullable=False),
        sa.Column("limit", sa.Text(), nullable=True),
        sa.Column("extra_vars", sa.Text(), nullable=False),
        sa.Column("timing", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("missed", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        _when("created_at", nullable=False),
        _when("next_run_at"),
        _when("last_run_at"),
        sa.Column("last_job_id", sa.Integer(), nullable=True),
        sa.Column("last_status", sa.String(), nullable=True),
        sa.Column("last_note", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(), nullable=True),
        _when("claimed_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_schedule_name", "schedule", ["name"], unique=True)
    op.create_table(
        "repo_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        _when("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_repo_template_name", "repo_template", ["name"], unique=True)
    op.create_table(
        "repo_template_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["repo_template.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("template_id", "version", name="uq_template_version"),
    )
    op.create_index(
        "ix_repo_template_version_template_id", "repo_template_version", ["template_id"]
    )
    op.create_table(
        "job_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_template_job_id", "job_template", ["job_id"])


def downgrade() -> None:
    op.drop_table("job_template")
    op.drop_table("repo_template_version")
    op.drop_table("repo_template")
    op.drop_table("schedule")
