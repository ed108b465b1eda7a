"""A new measure, ``max_mode_events``: the events made in Cursor's Max mode, for each model's
Max-mode share.

The column is added (0 by default) to the rollup and to every block table. The rollup's counts
come from the stored events: an event's rollup key is its own stored ``day`` (the UTC day of its
timestamp), ``email`` (lower-case, "" when unattributed), ``model`` and ``kind``, exactly as
``rollup.fold`` keys it. The blocks are then rebuilt over each integration's whole span with
``blocks.refresh`` as it is today, over the measures frozen here (a later migration that changes
these tables must freeze its own copy).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

from pumpview.store import blocks

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_NAMES = {"integration_blocks": "team_blocks"}
"""The block tables' names at this revision where they differ from today's (0013 renamed)."""

# The measures as they are at this revision: ``Measures`` may grow, this migration's tables don't.
_MEASURES = (
    "events", "spend_cents", "on_demand_cents", "included_cents", "model_cost_cents",
    "token_fee_cents", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens",
    "fast_requests", "slow_requests", "not_charged_requests", "max_mode_events",
)  # fmt: skip
_TABLES = ("usage_daily", "person_blocks", "model_blocks", "team_blocks", "person_model_blocks")
_KEY = ("integration_id", "day", "email", "model", "kind")


def upgrade() -> None:
    for name in _TABLES:
        op.add_column(
            name,
            sa.Column("max_mode_events", sa.Integer(), nullable=False, server_default="0"),
        )
    bind = op.get_bind()
    _count_rollup(bind)
    spans = bind.execute(
        sa.text(
            "SELECT integration_id, MIN(day), MAX(day) FROM usage_daily GROUP BY integration_id"
        )
    ).all()
    for integration_id, first, last in spans:
        blocks.refresh(
            bind, integration_id, _as_date(first), _as_date(last), measures=_MEASURES, named=_NAMES
        )


def _count_rollup(bind: sa.Connection) -> None:
    """Each rollup row's Max-mode events, counted per key into a keyed temporary table and then
    copied over in one statement: no rows through Python, and one index seek per rollup row (the
    events have no index on the rollup key, so a per-row count would scan them all)."""
    key = ", ".join(_KEY)
    match = " AND ".join(f"m.{c} = usage_daily.{c}" for c in _KEY)
    statements = (
        "CREATE TEMPORARY TABLE max_mode_0008 (integration_id INTEGER NOT NULL,"
        " day DATE NOT NULL, email VARCHAR(320) NOT NULL, model VARCHAR(200) NOT NULL,"
        f" kind VARCHAR(100) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY ({key}))",
        f"INSERT INTO max_mode_0008 ({key}, n) SELECT {key}, COUNT(*) FROM usage_events"  # noqa: S608 - fixed names
        f" WHERE max_mode GROUP BY {key}",
        "UPDATE usage_daily SET max_mode_events ="  # noqa: S608 - fixed names
        f" (SELECT m.n FROM max_mode_0008 m WHERE {match})"
        f" WHERE EXISTS (SELECT 1 FROM max_mode_0008 m WHERE {match})",
        "DROP TABLE max_mode_0008",
    )
    for statement in statements:
        bind.execute(sa.text(statement))


def _as_date(value: object) -> date:
    """A day as the driver returns it from raw SQL: text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def downgrade() -> None:
    """The other measures are untouched by the upgrade: dropping the column is the way back."""
    for name in _TABLES:
        # SQLite rebuilds the table to drop a column: keep it WITHOUT ROWID.
        with op.batch_alter_table(name, table_kwargs={"sqlite_with_rowid": False}) as batch:
            batch.drop_column("max_mode_events")
