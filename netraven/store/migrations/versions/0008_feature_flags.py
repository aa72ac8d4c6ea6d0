"""Feature flag overrides, and the flags each job saw.

``feature_flag``: what ``netraven flags enable|disable|rollout`` set (no row: the default
declared in ``netraven.toml``). ``job.flags``: a JSON snapshot taken when the job
started — each flag's state and the hosts of the job it was on for — so "why did this
host get the new NTP servers last Tuesday" has an answer after the flag has moved on.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feature_flag",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("job", sa.Column("flags", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("flags")
    op.drop_table("feature_flag")
