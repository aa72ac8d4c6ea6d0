"""Jobs record why a failure policy aborted them; task results record ignored failures.

``job.aborted``: the reason ``on_failure: abort`` / ``max_fail_percentage`` stopped the
job, so ``jobs show`` says what ``run`` said. ``task_result.ignored``: a failure under
``ignore_errors`` — without it the recap of a recorded job could not tell it from a real one.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("job", sa.Column("aborted", sa.Text(), nullable=True))
    op.add_column(
        "task_result",
        sa.Column("ignored", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("task_result") as batch:
        batch.drop_column("ignored")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("aborted")
