"""Host results name the credential set that logged in.

``host_result.credential``: with credential sets and fallback (a break-glass account
after the AAA one), an operator needs to see afterwards which set a host accepted — its
name only, never the secret. NULL for hosts that never logged in and for older jobs.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("host_result", sa.Column("credential", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("host_result") as batch:
        batch.drop_column("credential")
