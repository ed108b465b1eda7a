"""Initial schema: integrations, sync bookmarks, events, daily rollup, people, spend, groups.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pumpview.store.money_type

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("key_ciphertext", sa.Text(), nullable=True),
        sa.Column("key_hint", sa.String(length=32), nullable=True),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("connected_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_attempt_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_success_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("backfill_days", sa.Integer(), nullable=False),
        sa.Column("earliest_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "billing_groups",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "group_id"),
    )
    op.create_table(
        "group_members",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "email"),
    )
    op.create_table(
        "people",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=100), nullable=True),
        sa.Column("is_removed", sa.Boolean(), nullable=False),
        sa.Column("service_account_id", sa.String(length=100), nullable=True),
        sa.Column("listed_at_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "email"),
    )
    op.create_table(
        "spend_snapshots",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("taken_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=True),
        sa.Column("spend_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("overall_spend_cents", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("fast_premium_requests", sa.Integer(), nullable=False),
        sa.Column("hard_limit_dollars", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("monthly_limit_dollars", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("effective_limit_dollars", pumpview.store.money_type.Money(), nullable=True),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "taken_at_ms", "email"),
    )
    op.create_table(
        "sync_days",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("fetched_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "day"),
    )
    op.create_table(
        "usage_daily",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("cost_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("on_demand_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("included_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("model_cost_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("token_fee_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=False),
        sa.Column("fast_requests", sa.Integer(), nullable=False),
        sa.Column("slow_requests", sa.Integer(), nullable=False),
        sa.Column("not_charged_requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "day", "email", "model", "kind"),
    )
    op.create_table(
        "usage_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("max_mode", sa.Boolean(), nullable=False),
        sa.Column("token_based", sa.Boolean(), nullable=False),
        sa.Column("chargeable", sa.Boolean(), nullable=False),
        sa.Column("headless", sa.Boolean(), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=False),
        sa.Column("model_cost_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("discount_percent", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("token_fee_cents", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("charged_cents", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("cost_cents", pumpview.store.money_type.Money(), nullable=False),
        sa.Column("requests_costs", pumpview.store.money_type.Money(), nullable=True),
        sa.Column("service_account_id", sa.String(length=100), nullable=True),
        sa.Column("conversation_id", sa.String(length=100), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index("ix_usage_events_window", ["integration_id", "ts_ms"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_events_window")

    op.drop_table("usage_events")
    op.drop_table("usage_daily")
    op.drop_table("sync_days")
    op.drop_table("spend_snapshots")
    op.drop_table("people")
    op.drop_table("group_members")
    op.drop_table("billing_groups")
    op.drop_table("integrations")
