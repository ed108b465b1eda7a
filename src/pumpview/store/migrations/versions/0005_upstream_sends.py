"""One request budget per Cursor team across processes: the sends of the last minute.

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
    op.create_table(
        "upstream_sends",
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=100), nullable=False),
        sa.Column("sent_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_upstream_sends", "upstream_sends", ["team", "bucket", "sent_at_ms"])


def downgrade() -> None:
    op.drop_index("ix_upstream_sends", table_name="upstream_sends")
    op.drop_table("upstream_sends")
