"""Which import each billing period is read from (issue 21: FOCUS costs on ClickHouse).

``cloud_periods`` names, per source and billing period, the live import and its row count. The
swap that makes an import live writes it in its transaction on every store; with ClickHouse it
is what makes cost rows visible, as ``sync_days.version`` is for usage. Filled here from the
daily sums: a period's rows all belong to the one import that last replaced it.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_periods",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("billing_period_start", sa.Date, nullable=False),
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey("cloud_imports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("source", "billing_period_start"),
        sa.Index("ix_cloud_periods_import", "import_id"),
    )
    op.execute(
        "INSERT INTO cloud_periods (source, billing_period_start, import_id, rows) "
        "SELECT source, billing_period_start, MAX(import_id), SUM(rows) FROM cloud_daily "
        "GROUP BY source, billing_period_start"
    )


def downgrade() -> None:
    op.drop_table("cloud_periods")
