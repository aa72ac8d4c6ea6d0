"""Task results record failures that a block's ``rescue`` handled.

``task_result.rescued``: Ansible's recap counts these apart from failures and ignored
failures; a recorded job must be able to say the same after the fact.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "task_result",
        sa.Column("rescued", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("task_result") as batch:
        batch.drop_column("rescued")
