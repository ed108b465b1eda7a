"""Blocks per person and model, so the Overview's "what changed" reads a few rows a pair.

The table is filled from the stored rollup: ``blocks.refresh`` as it is today, for this table
only (a later migration that changes it must freeze its own copy).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

from pumpview.store import blocks
from pumpview.store.measures import MEASURES, MONEY, TOKENS, stored_columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _sums() -> list[sa.Column[object]]:
    return [
        sa.Column(stored, sa.BigInteger() if name in MONEY or name in TOKENS else sa.Integer(),
                  nullable=False)
        for name in MEASURES
        for stored in stored_columns([name])
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "person_model_blocks",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        *_sums(),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "level", "first_day", "email", "model"),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    spans = bind.execute(
        sa.text(
            "SELECT integration_id, MIN(day), MAX(day) FROM usage_daily GROUP BY integration_id"
        )
    ).all()
    for integration_id, first, last in spans:
        blocks.refresh(
            bind, integration_id, _as_date(first), _as_date(last), only=["person_model_blocks"]
        )


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]
