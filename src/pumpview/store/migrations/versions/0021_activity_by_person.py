"""A person's activity by person (issue 22): ``activity_daily`` is keyed by day first, so a
person's page read every row of the range to find theirs; this index reads only theirs, as
``ix_usage_daily_person`` does for their usage.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_activity_daily_person", "activity_daily", ["integration_id", "email", "day"]
    )


def downgrade() -> None:
    op.drop_index("ix_activity_daily_person", table_name="activity_daily")
