"""People across sources (with aliases and team memberships over time) and cloud costs summed
at import to the grain the reports read.

``cloud_daily`` is filled here from the rows already imported, attributed by the default tag
keys, as an import sums them.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import decimal
import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from pumpview.store.measures import EXACT, LIMB_SUFFIXES

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COSTS = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")
_STORED = tuple(f"{name}{suffix}" for name in _COSTS for suffix in LIMB_SUFFIXES)
_DAILY_KEY = ("import_id", "source", "billing_period_start", "charge_day", "currency",
              "provider", "service", "owner", "team", "rows")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "person_aliases",
        sa.Column("alias", sa.String(length=500), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias"),
    )
    op.create_index("ix_person_aliases_person", "person_aliases", ["person_id"])
    op.create_table(
        "team_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_memberships_person", "team_memberships", ["person_id"])
    op.create_table(
        "cloud_daily",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("billing_period_start", sa.Date(), nullable=False),
        sa.Column("charge_day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=500), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _STORED),
        sa.ForeignKeyConstraint(["import_id"], ["cloud_imports.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_cloud_daily_day", "cloud_daily", ["charge_day"])
    op.create_index("ix_cloud_daily_period", "cloud_daily", ["source", "billing_period_start"])
    op.add_column("cloud_imports", sa.Column("tag_keys", sa.Text(), nullable=True))
    _fill_cloud_daily()


def _fill_cloud_daily() -> None:
    """Each import's rows summed as an import sums them (``DailySums``), by the default keys;
    read with this revision's columns, so a later change to the tables cannot break it."""
    from pumpview.integrations.focus.daily import DailySums  # noqa: PLC0415
    from pumpview.integrations.focus.tagging import DEFAULT_KEYS  # noqa: PLC0415

    bind = op.get_bind()
    daily = sa.table("cloud_daily", *(sa.column(c) for c in (*_DAILY_KEY, *_STORED)))
    for import_id, source in bind.execute(sa.text("SELECT id, source FROM cloud_imports")).all():
        sums = DailySums(DEFAULT_KEYS)
        costs = bind.execute(
            sa.text(
                "SELECT billing_period_start, charge_day, billing_currency, provider,"
                " service_name, tags, billed_cost, effective_cost, list_cost, contracted_cost"
                " FROM cloud_costs WHERE import_id = :i"
            ),
            {"i": import_id},
        )
        with decimal.localcontext(EXACT):
            for period, day, currency, provider, service, tags, *amounts in costs:
                sums.add(
                    billing_period=_as_date(period), charge_day=_as_date(day), currency=currency,
                    provider=provider, service=service, tags=json.loads(tags),
                    costs=tuple(None if a is None else Decimal(str(a)) for a in amounts),
                )  # fmt: skip
        rows = list(sums.records(import_id, source))
        if rows:
            bind.execute(daily.insert(), rows)
        bind.execute(
            sa.text("UPDATE cloud_imports SET tag_keys = :k WHERE id = :i"),
            {"k": DEFAULT_KEYS.to_json(), "i": import_id},
        )


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def downgrade() -> None:
    op.drop_column("cloud_imports", "tag_keys")
    op.drop_table("cloud_daily")
    op.drop_table("team_memberships")
    op.drop_table("person_aliases")
    op.drop_table("persons")
