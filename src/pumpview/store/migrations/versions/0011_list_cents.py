"""A new money measure, ``list_cents``: the list price before discounts (FOCUS ``ListCost``), so
the providers report's Cursor row is the FOCUS export's, read from blocks.

Its three limb columns are added (0 by default) to the rollup and to every block table. The
rollup's sums are worked out from the stored events in Python (exact Decimal; SQL would sum the
money text through floats), keyed as ``rollup.fold`` keys them, then the blocks are rebuilt over
each integration's span with ``blocks.refresh`` over the measures frozen here.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from pumpview.store import blocks
from pumpview.store.measures import EXACT, LIMB_SUFFIXES, split
from pumpview.store.rollup import list_cents

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_NAMES = {"integration_blocks": "team_blocks"}
"""The block tables' names at this revision where they differ from today's (0013 renamed)."""

# The measures as they are at this revision: ``Measures`` may grow, this migration's tables don't.
_MEASURES = (
    "events", "spend_cents", "on_demand_cents", "included_cents", "model_cost_cents",
    "token_fee_cents", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
    "fast_requests", "slow_requests", "not_charged_requests", "max_mode_events", "list_cents",
)  # fmt: skip
_TABLES = ("usage_daily", "person_blocks", "model_blocks", "team_blocks", "person_model_blocks")
_LIMBS = tuple(f"list_cents{suffix}" for suffix in LIMB_SUFFIXES)


def upgrade() -> None:
    for name in _TABLES:
        for limb in _LIMBS:
            op.add_column(
                name, sa.Column(limb, sa.BigInteger(), nullable=False, server_default="0")
            )
    bind = op.get_bind()
    _sum_rollup(bind)
    spans = bind.execute(
        sa.text(
            "SELECT integration_id, MIN(day), MAX(day) FROM usage_daily GROUP BY integration_id"
        )
    ).all()
    for integration_id, first, last in spans:
        blocks.refresh(
            bind, integration_id, _as_date(first), _as_date(last), measures=_MEASURES, named=_NAMES
        )


def _sum_rollup(bind: sa.Connection) -> None:
    """Each rollup row's list price, summed event by event, written back as limbs."""
    sums: dict[tuple[object, ...], Decimal] = {}
    events = bind.execute(
        sa.text(
            "SELECT integration_id, day, email, model, kind, token_based, model_cost_cents,"
            " token_fee_cents, charged_cents, requests_costs FROM usage_events"
        ).execution_options(yield_per=10_000)
    )
    with decimal.localcontext(EXACT):
        for iid, day, email, model, kind, token_based, cost, fee, charged, units in events:
            key = (iid, _as_date(day), email, model, kind)
            price = list_cents(kind, bool(token_based), _money(cost), _maybe(fee),
                               _maybe(charged), _maybe(units))  # fmt: skip
            sums[key] = sums.get(key, Decimal(0)) + price
    update = sa.text(
        "UPDATE usage_daily SET list_cents = :w, list_cents_e12 = :h, list_cents_e24 = :l"
        " WHERE integration_id = :i AND day = :d AND email = :e AND model = :m AND kind = :k"
    )
    rows = []
    for (iid, day, email, model, kind), total in sums.items():
        whole, high, low = split(total)
        rows.append({"w": whole, "h": high, "l": low, "i": iid, "d": day, "e": email,
                     "m": model, "k": kind})  # fmt: skip
    if rows:
        bind.execute(update, rows)


def _money(value: object) -> Decimal:
    """A money cell as the driver returns it: exact text on SQLite, Decimal on PostgreSQL."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _maybe(value: object) -> Decimal | None:
    return None if value is None else _money(value)


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def downgrade() -> None:
    """The other measures are untouched by the upgrade: dropping the columns is the way back."""
    for name in _TABLES:
        # SQLite rebuilds the table to drop a column: keep it WITHOUT ROWID.
        with op.batch_alter_table(name, table_kwargs={"sqlite_with_rowid": False}) as batch:
            for limb in _LIMBS:
                batch.drop_column(limb)
