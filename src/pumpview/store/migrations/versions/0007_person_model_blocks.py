"""Blocks per person and model, so the Overview's "what changed" reads a few rows a pair.

The table is filled from the stored rollup: ``blocks.refresh`` as it is today, for this table
only, over the measures frozen here (a later migration that changes it must freeze its own copy).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

from pumpview.store import blocks
from pumpview.store.measures import MONEY, TOKENS, stored_columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The measures as they were at this revision: ``Measures`` grows, this migration's tables don't.
_MEASURES = (
    "events", "spend_cents", "on_demand_cents", "included_cents", "model_cost_cents",
    "token_fee_cents", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
    "fast_requests", "slow_requests", "not_charged_requests",
)  # fmt: skip


def _sums() -> list[sa.Column[object]]:
    return [
        sa.Column(stored, sa.BigInteger() if name in MONEY or name in TOKENS else sa.Integer(),
                  nullable=False)
        for name in _MEASURES
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
            bind,
            integration_id,
            _as_date(first),
            _as_date(last),
            only=["person_model_blocks"],
            measures=_MEASURES,
        )


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]
