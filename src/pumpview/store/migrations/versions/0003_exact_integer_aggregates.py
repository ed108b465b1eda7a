"""Exact integer measures in the rollup, and block aggregates for millisecond reports.

``usage_daily`` keeps each money measure as three integers (whole cents and two 12-decimal limbs,
``store.measures``) that SQL sums exactly, its ``cost_cents`` is named ``spend_cents`` as the
reports name it, and it gains a per-person index. The ``*_blocks`` tables aggregate
it over aligned blocks of days (``store.blocks``), ``model_blocks`` with who used each model.

Existing rollup rows are converted exactly and the blocks built from them. This data step calls
``measures.split`` and ``blocks.refresh`` as they are today, over the measures frozen here; a
later migration that changes these tables must freeze its own copy of them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from pumpview.store import blocks
from pumpview.store.measures import MONEY, TOKENS, split, stored_columns

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NAMES = {"integration_blocks": "team_blocks"}
"""The block tables' names at this revision where they differ from today's (0013 renamed)."""

# The measures as they were at this revision: ``Measures`` grows, this migration's tables don't.
_MEASURES = (
    "events", "spend_cents", "on_demand_cents", "included_cents", "model_cost_cents",
    "token_fee_cents", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
    "fast_requests", "slow_requests", "not_charged_requests",
)  # fmt: skip
_OLD_NAME = {"spend_cents": "cost_cents"}
_BLOCK_TABLES = (("person_blocks", "email"), ("model_blocks", "model"), ("team_blocks", None))


def _sums() -> list[sa.Column[object]]:
    return [
        sa.Column(stored, sa.BigInteger() if name in MONEY or name in TOKENS else sa.Integer(),
                  nullable=False)
        for name in _MEASURES
        for stored in stored_columns([name])
    ]  # fmt: skip


def _integration_id() -> sa.Column[int]:
    return sa.Column("integration_id", sa.Integer(), nullable=False)


def _fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE")


def _no_rowid() -> dict[str, bool]:
    return {"sqlite_with_rowid": False}


def upgrade() -> None:
    bind = op.get_bind()
    op.rename_table("usage_daily", "usage_daily_0002")
    if bind.dialect.name == "postgresql":  # the old primary key's name would clash
        op.execute("ALTER TABLE usage_daily_0002 RENAME CONSTRAINT usage_daily_pkey TO old_pkey")
    op.create_table(
        "usage_daily",
        _integration_id(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        *_sums(),
        _fk(),
        sa.PrimaryKeyConstraint("integration_id", "day", "email", "model", "kind"),
        **_no_rowid(),
    )
    op.create_index("ix_usage_daily_person", "usage_daily", ["integration_id", "email", "day"])
    for name, dimension in _BLOCK_TABLES:
        dims = [sa.Column(dimension, sa.String(length=320 if dimension == "email" else 200),
                          nullable=False)] if dimension else []  # fmt: skip
        people = [sa.Column("people", sa.Text(), nullable=False)] if name == "model_blocks" else []
        op.create_table(
            name,
            _integration_id(),
            sa.Column("level", sa.Integer(), nullable=False),
            sa.Column("first_day", sa.Date(), nullable=False),
            *dims,
            *_sums(),
            *people,
            _fk(),
            sa.PrimaryKeyConstraint(
                "integration_id", "level", "first_day", *([dimension] if dimension else [])
            ),
            **_no_rowid(),
        )
    _convert(bind)
    op.drop_table("usage_daily_0002")


def _convert(bind: sa.Connection) -> None:
    """Each old rollup row, its text money split into exact limbs; then the blocks."""
    key = ("integration_id", "day", "email", "model", "kind")
    old = [*key, *(_OLD_NAME.get(name, name) for name in _MEASURES)]
    new = sa.table("usage_daily", *(sa.column(c) for c in (*key, *stored_columns(_MEASURES))))
    rows = bind.execute(sa.text(f"SELECT {', '.join(old)} FROM usage_daily_0002"))  # noqa: S608 - fixed names
    spans: dict[int, tuple[date, date]] = {}
    batch: list[dict[str, object]] = []
    for row in rows:
        values: dict[str, object] = dict(zip(key, row[:5], strict=True))
        for name, value in zip(_MEASURES, row[5:], strict=True):
            if name in MONEY:
                limbs = split(Decimal(value))
                values.update(zip(stored_columns([name]), limbs, strict=True))
            else:
                values[name] = value
        batch.append(values)
        day = _as_date(row[1])
        first, last = spans.get(row[0], (day, day))
        spans[row[0]] = (min(first, day), max(last, day))
        if len(batch) == 10_000:
            bind.execute(new.insert(), batch)
            batch = []
    if batch:
        bind.execute(new.insert(), batch)
    for integration_id, (first, last) in spans.items():
        blocks.refresh(
            bind,
            integration_id,
            first,
            last,
            only=[n for n, _ in _BLOCK_TABLES],
            measures=_MEASURES,
            named=_NAMES,
        )


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def downgrade() -> None:
    msg = "0003 converted the rollup to exact integers; restore a backup to go back"
    raise NotImplementedError(msg)
