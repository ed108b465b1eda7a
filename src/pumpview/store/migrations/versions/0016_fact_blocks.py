"""Blocks of the facts in ClickHouse (issue 21).

A year's report summed the daily rollup: 1.6M rows at 10M events, 200-300 ms. A month, or a
slice of one, whose days are all final is summed once more into ``usage_blocks`` under a block id
of its own; this table records each block and, once its rows are in, the fingerprint of the
(day, version) bookmarks it summed. A read uses a block only while its span's bookmarks still
give that fingerprint: a day re-synced since makes the span read from the daily rollup again,
until the block is rebuilt.
On the SQL store it stays empty: its own aligned blocks are kept in the database.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_blocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "integration_id",
            sa.Integer,
            sa.ForeignKey("integrations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("digest", sa.String(64)),
        sa.Index("ix_fact_blocks_integration", "integration_id", "first_day"),
        sqlite_autoincrement=True,  # a block id is never given twice
    )


def downgrade() -> None:
    op.drop_table("fact_blocks")
