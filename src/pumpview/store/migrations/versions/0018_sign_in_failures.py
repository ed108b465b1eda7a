"""Failed sign-ins and the schedule's lease in the store, so several servers behave as one
(``pumpview serve --workers N``, or two servers on one PostgreSQL).

``sign_in_failures`` holds the sign-in throttle's failures that each process kept in memory, so a
guess sent to one worker counts on all of them. ``schedule_leases`` names the one server that runs
the schedule (scheduled syncs, spend snapshots, alert checks) until its lease expires.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("failed_at_ms", sa.BigInteger, nullable=False),
        sa.Index("ix_sign_in_failures", "key_hash", "failed_at_ms"),
    )
    op.create_table(
        "schedule_leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("schedule_leases")
    op.drop_table("sign_in_failures")
