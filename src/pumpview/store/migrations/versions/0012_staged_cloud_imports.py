"""A FOCUS file is staged, then swapped in: its rows are written in short transactions under an
import marked ``staging`` (which nothing reads), and one short transaction at the end replaces
its periods and marks it ``live``. A long import no longer holds SQLite's one write lock for
minutes (a sign-in or a sync meanwhile waited, then failed). ``heartbeat_ms`` tells an import
still running from one whose process died. Rows are indexed by their import, which a discarded
file's ``ON DELETE CASCADE`` and the listing of imports look them up by.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cloud_imports",
        sa.Column("state", sa.String(length=16), nullable=False, server_default="live"),
    )
    op.add_column("cloud_imports", sa.Column("heartbeat_ms", sa.BigInteger(), nullable=True))
    op.create_index("ix_cloud_costs_import", "cloud_costs", ["import_id"])
    op.create_index("ix_cloud_daily_import", "cloud_daily", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_cloud_daily_import", "cloud_daily")
    op.drop_index("ix_cloud_costs_import", "cloud_costs")
    with op.batch_alter_table("cloud_imports") as batch:
        batch.drop_column("heartbeat_ms")
        batch.drop_column("state")
