"""Versions of the facts, for a store whose facts live in ClickHouse (issue 21).

ClickHouse has no transaction spanning a window's inserts, so each write of a window gets a
version (a row of ``fact_writes``, committed before the write starts) that its rows carry, and a
day's rows are visible only once ``sync_days.version`` names that version, committed with the
day's bookmark. A write that never committed is found by its ``fact_writes`` row and collected.
On the SQL store both stay empty: a window is replaced in one transaction there.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_days") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger))
    op.create_table(
        "fact_writes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "integration_id",
            sa.Integer,
            sa.ForeignKey("integrations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("written_at_ms", sa.BigInteger, nullable=False),
        sa.Index("ix_fact_writes_integration", "integration_id"),
        sqlite_autoincrement=True,  # a version is never given twice, even after its row is deleted
    )


def downgrade() -> None:
    op.drop_table("fact_writes")
    with op.batch_alter_table("sync_days") as batch:
        batch.drop_column("version")
