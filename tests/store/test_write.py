"""``insert_many`` stores exactly what SQLAlchemy's own ``insert`` stores, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, Table, insert, select

from pumpview.store import integrations, rollup, tables
from pumpview.store.engine import open_store
from pumpview.store.measures import to_stored
from pumpview.store.write import insert_many

EVENTS = [
    # Every type a record holds, with the awkward values: float-noise cents, a tiny amount
    # (Decimal writes it with an exponent), exact zeros, NULLs, unicode, booleans both ways.
    (0, 1_795_000_000_123, date(2026, 11, 19), "zoë@acme.dev", "claude-4.5-sonnet",
     "Usage-based", True, True, True, None, 5155, 372, 0, 1755,
     Decimal("40.16699999999999"), Decimal(10), Decimal("0.0000001"), Decimal("36.15"),
     Decimal("36.1503"), Decimal("1.4"), "sa_1", "7e1b0468-c913-4578-8f1a-e1f0796f5c3c",
     '{"cloudAgentId": "bc-1"}'),
    (0, 1_794_999_999_000, date(2026, 11, 18), "", "auto", "Errored, Not Charged",
     False, False, False, False, 0, 0, 0, 0, Decimal(0), None, None, None, Decimal("0.00"),
     None, None, None, None),
]  # fmt: skip
ROLLUP = [
    (0, date(2026, 11, 19), "zoë@acme.dev", "auto", "Included in Business", 3,
     *to_stored((3, Decimal("1.5"), Decimal(0), Decimal("1.50"), Decimal("1E-7"),
                 Decimal("0.000025"), 10, 20, 30, 40, 1, 1, 1, 2, Decimal("2.5"),
                 Decimal("0.25")))[1:]),
]  # fmt: skip


def _integration(engine: Engine, name: str) -> int:
    with engine.begin() as conn:
        return integrations.save(
            conn,
            {"name": name, "base_url": "http://x", "status": "connected",
             "connected_at_ms": 0, "backfill_days": 1},
        )  # fmt: skip


def _stored(engine: Engine, table: Table, integration_id: int) -> list[tuple[Any, ...]]:
    """The rows as the database holds them (the driver's values, no type processing)."""
    columns = [c.name for c in table.columns if c.name not in ("id", "integration_id")]
    sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE integration_id = {integration_id}"  # noqa: S608 - our own names
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.exec_driver_sql(sql).all())


@pytest.mark.parametrize(
    ("table", "columns", "records"),
    [
        (tables.usage_events, rollup.EVENT_COLUMNS, EVENTS),
        (tables.usage_daily, rollup.COLUMNS, ROLLUP),
    ],
    ids=["usage_events", "usage_daily"],
)
def test_insert_many_stores_what_sqlalchemy_stores(engine, table, columns, records):
    ours, theirs = _integration(engine, "ours"), _integration(engine, "theirs")
    with engine.begin() as conn:
        insert_many(conn, table, columns, [(ours, *r[1:]) for r in records])
        as_dicts = [dict(zip(columns, (theirs, *r[1:]), strict=True)) for r in records]
        conn.execute(insert(table), as_dicts)
    assert _stored(engine, table, ours) == _stored(engine, table, theirs)
    with engine.connect() as conn:
        back = conn.execute(
            select(*(table.c[name] for name in columns[1:])).where(table.c.integration_id == ours)
        ).all()
    assert sorted(tuple(row) for row in back) == sorted(tuple(r[1:]) for r in records)


def test_insert_many_refuses_columns_out_of_table_order(tmp_path):
    """SQLite takes values by position: a record in another order would land in wrong columns."""
    engine = open_store(f"sqlite:///{tmp_path}/order.db")
    iid = _integration(engine, "ours")
    swapped = ("integration_id", "ts_ms", "email", "day", *rollup.EVENT_COLUMNS[4:])
    with engine.begin() as conn, pytest.raises(ValueError, match="order of table usage_events"):
        insert_many(conn, tables.usage_events, swapped, [(iid, *EVENTS[0][1:])])
    engine.dispose()
