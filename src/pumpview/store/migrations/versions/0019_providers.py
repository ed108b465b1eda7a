"""Every AI coding tool beside Cursor (issue 22): an integration says its provider, usage keeps
the estimated part of its value, and two tables hold what some providers report besides usage.

- ``integrations.provider``: ``cursor`` (every integration so far), ``claude-code`` or
  ``copilot``; ``integrations.account``: the upstream account a key reads (an Anthropic
  organisation's id, a GitHub organisation's login), so that two are never mixed.
- ``estimated_cents``, a new money measure, in the rollup and every block table: the part of the
  usage value that is the provider's estimate (Claude Code's ``estimated_cost``). Cursor's
  amounts are measured, so it is 0 for every row stored so far: nothing to recompute.
- ``activity_daily``: what a person did with a tool per day, as the provider counts it (Claude
  Code's sessions, lines, commits and pull requests; Copilot's accepted lines and active days).
- ``provider_costs``: what a provider bills the organisation per day, line by line (Anthropic's
  cost report, GitHub's billing usage), beside which the per-person amounts are reconciled.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pumpview.store.measures import LIMB_SUFFIXES
from pumpview.store.money_type import Money

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TABLES = ("usage_daily", "person_blocks", "model_blocks", "integration_blocks",
           "person_model_blocks")  # fmt: skip
_LIMBS = tuple(f"estimated_cents{suffix}" for suffix in LIMB_SUFFIXES)


def upgrade() -> None:
    op.add_column(
        "integrations",
        sa.Column("provider", sa.String(32), nullable=False, server_default="cursor"),
    )
    op.add_column("integrations", sa.Column("account", sa.String(200)))
    for name in _TABLES:
        for limb in _LIMBS:
            op.add_column(
                name, sa.Column(limb, sa.BigInteger(), nullable=False, server_default="0")
            )
    op.create_table(
        "activity_daily",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("measure", sa.String(40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "day", "email", "measure"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "provider_costs",
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line", sa.String(300), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("amount_cents", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("integration_id", "day", "line"),
    )


def downgrade() -> None:
    op.drop_table("provider_costs")
    op.drop_table("activity_daily")
    for name in _TABLES:
        with op.batch_alter_table(name, table_kwargs={"sqlite_with_rowid": False}) as batch:
            for limb in _LIMBS:
                batch.drop_column(limb)
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("account")
        batch.drop_column("provider")
