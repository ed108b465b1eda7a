"""The bill, budgets and alerts. A billing cycle starts at an instant (``/teams/spend``'s
``subscriptionCycleStart``), which ``spend_snapshots`` kept only as a day: it gains
``cycle_start_ms`` (midnight of that day for snapshots taken before). A member's start is the
earliest of their first event, their billing group's ``joinedAt`` and the first roster that listed
them: ``group_members.joined_at_ms`` and ``cursor_members.first_listed_at_ms`` (the last listing
for members stored before). Settings an admin changes in the web app, budgets, alert channels,
alerts, their deliveries and every delivery attempt get tables of their own.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from pumpview.store.money_type import Money

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _midnight_ms(day: date | str) -> int:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000


def upgrade() -> None:
    op.add_column("spend_snapshots", sa.Column("cycle_start_ms", sa.BigInteger(), nullable=True))
    snapshots = sa.table(
        "spend_snapshots", sa.column("cycle_start", sa.Date), sa.column("cycle_start_ms")
    )
    conn = op.get_bind()
    for (day,) in conn.execute(sa.select(snapshots.c.cycle_start).distinct()).all():
        conn.execute(
            snapshots.update()
            .where(snapshots.c.cycle_start == day)
            .values(cycle_start_ms=_midnight_ms(day))
        )
    with op.batch_alter_table("spend_snapshots") as batch:
        batch.alter_column("cycle_start_ms", existing_type=sa.BigInteger(), nullable=False)
    op.create_index(
        "ix_spend_snapshots_cycle",
        "spend_snapshots",
        ["integration_id", "cycle_start_ms", "taken_at_ms"],
    )
    op.add_column("cursor_members", sa.Column("first_listed_at_ms", sa.BigInteger()))
    op.execute("UPDATE cursor_members SET first_listed_at_ms = listed_at_ms")
    op.add_column("group_members", sa.Column("joined_at_ms", sa.BigInteger()))

    op.create_table(
        "stored_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("scope_value", sa.String(320)),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("amount_cents", Money(), nullable=False),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(500), nullable=False, unique=True),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("budget_id", sa.Integer(), sa.ForeignKey("budgets.id", ondelete="SET NULL")),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("scope_value", sa.String(320)),
        sa.Column("period", sa.Date()),
        sa.Column("threshold", sa.Integer()),
        sa.Column("day", sa.Date()),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "alert_id",
            sa.Integer(),
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("claimed_until_ms", sa.BigInteger()),
        sa.Column("sent_at_ms", sa.BigInteger()),
        sa.Column("last_error", sa.Text()),
    )
    op.create_index(
        "ux_deliveries_alert_channel", "deliveries", ["alert_id", "channel_id"], unique=True
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "delivery_id",
            sa.Integer(),
            sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_delivery_attempts_delivery", "delivery_attempts", ["delivery_id"])


def downgrade() -> None:
    for name in ("delivery_attempts", "deliveries", "alerts", "channels", "budgets",
                 "stored_settings"):  # fmt: skip
        op.drop_table(name)
    with op.batch_alter_table("group_members") as batch:
        batch.drop_column("joined_at_ms")
    with op.batch_alter_table("cursor_members") as batch:
        batch.drop_column("first_listed_at_ms")
    op.drop_index("ix_spend_snapshots_cycle", "spend_snapshots")
    with op.batch_alter_table("spend_snapshots") as batch:
        batch.drop_column("cycle_start_ms")
