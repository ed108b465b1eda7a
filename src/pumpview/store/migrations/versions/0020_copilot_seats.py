"""GitHub Copilot's seats (issue 22): who holds a seat in a GitHub organisation, one row per
login, as ``/orgs/{org}/copilot/billing/seats`` lists them (the seat with the latest activity when
a login holds two through two teams); ``listed_at_ms`` is the last sync that listed it.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "copilot_seats",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(100), nullable=False),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("plan_type", sa.String(32)),
        sa.Column("created_at_ms", sa.BigInteger()),
        sa.Column("pending_cancellation_date", sa.Date()),
        sa.Column("last_activity_at_ms", sa.BigInteger()),
        sa.Column("listed_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "login"),
    )


def downgrade() -> None:
    op.drop_table("copilot_seats")
