"""Cloud costs from FOCUS files: the imports and their rows.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pumpview.store.money_type import Money

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("focus_version", sa.String(length=8), nullable=False),
        sa.Column("imported_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cloud_costs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("billing_period_start", sa.Date(), nullable=False),
        sa.Column("charge_day", sa.Date(), nullable=False),
        sa.Column("billing_currency", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("service_name", sa.String(length=500), nullable=True),
        sa.Column("service_category", sa.String(length=100), nullable=True),
        sa.Column("sub_account_id", sa.String(length=500), nullable=True),
        sa.Column("sub_account_name", sa.String(length=500), nullable=True),
        sa.Column("charge_category", sa.String(length=32), nullable=True),
        sa.Column("billed_cost", Money(), nullable=False),
        sa.Column("effective_cost", Money(), nullable=False),
        sa.Column("list_cost", Money(), nullable=True),
        sa.Column("contracted_cost", Money(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["cloud_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_index("ix_cloud_costs_period", "cloud_costs", ["source", "billing_period_start"])
    op.create_index("ix_cloud_costs_day", "cloud_costs", ["charge_day"])


def downgrade() -> None:
    op.drop_table("cloud_costs")
    op.drop_table("cloud_imports")
