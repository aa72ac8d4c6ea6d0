"""Jobs record why they failed outside any host, and which inventory they ran on.

``error``: a store write failure or an internal bug ends a job ``failed`` with no
failed host; without this column the store could not say why.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("job", sa.Column("error", sa.Text(), nullable=True))
    op.add_column("job", sa.Column("inventory", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("inventory")
        batch.drop_column("error")
