"""FOCUS cloud costs moved from the SQL store into ClickHouse: the second half of ``pumpview
store copy-facts`` (``store.copy_facts`` runs it after the usage facts).

Every live import (one ``cloud_periods`` names) is copied under its own id: its ``cloud_costs``
rows streamed from the database in id order, ``BATCH`` at a time, each batch one insert
(``store.clickhouse.cloud.add_rows``, which refuses an amount its column cannot hold exactly),
then its ``cloud_daily`` rows the same way. The metadata does not change: ``cloud_periods``, in
the same database, already names each import, so once ``PUMPVIEW_CLICKHOUSE_URL`` is set the
copied rows are the ones a reader counts (``store.clickhouse.cloud``).

Resumable without duplicates: an import is copied when the rows ClickHouse holds under its id
(cost rows and daily rows, counted) are not the database's. What a killed copy left of it is
deleted first, waiting, and the import copied again whole; one held whole is skipped. This is
safe because nothing reads ClickHouse's cloud rows before the URL is set: until then an import
held in part is seen by no one. An import with no row in the database is left alone: it was
imported while the URL was set, and its rows are only in ClickHouse.

Imports on the SQL store meanwhile: one swapped in after a pass listed the imports is copied by
the next pass (``copy_facts.PASSES``) or, past them, the next run; the rows of one replaced
meanwhile stay in ClickHouse named by nothing until ``store.cloud.collect``, run at each pass's
start, deletes them. The copy is verified only once a metadata snapshot finds every import held
whole (``pending``).

``difference`` compares the cloud report's figures on the two stores: the first and last charge
day, and the four costs per charge day, source, currency, provider, service, owner and team, as
the database sums ``cloud_daily`` (as ``reports.cloud`` does) and as ClickHouse sums the rows
the snapshot names, to the last digit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from pumpview.store import cloud as stored_cloud
from pumpview.store import tables
from pumpview.store.clickhouse import cloud as clickhouse_cloud
from pumpview.store.engine import snapshot
from pumpview.store.facts import CLICKHOUSE
from pumpview.store.measures import LIMB_SUFFIXES, join
from pumpview.store.sql_facts import READ_BATCH

BATCH = READ_BATCH
"""Cost rows (and daily rows) read from the database, and sent to ClickHouse, at a time."""
BY = ("charge_day", "source", "currency", "provider", "service", "owner", "team")
"""The ``cloud_daily`` columns the verification compares the costs per: every one the reports
group by."""

OnBatch = Callable[[int, int], None]
"""Told after each batch: (imports finished by it, 0 or 1; cost rows it sent)."""


def pending(conn: Connection, client: Any) -> list[int]:
    """The imports ``conn``'s snapshot names whose rows ClickHouse does not hold exactly as the
    database does, by id."""
    held = clickhouse_cloud.rows_per_import(client)
    return sorted(i for i, rows in _rows_per_import(conn).items() if held.get(i) != rows)


def copy(engine: Engine, client: Any, on_batch: OnBatch) -> None:
    """One pass: collect what nothing names, then copy every import ``pending`` as of one
    snapshot, each whole, what a killed copy left of it deleted first."""
    stored_cloud.collect(engine.execution_options(**{CLICKHOUSE: client}))
    with snapshot(engine) as conn:
        todo = pending(conn, client)
    held = clickhouse_cloud.rows_per_import(client)
    for import_id in todo:
        if import_id in held:  # a killed copy's part (or a replaced import's rows): not named
            clickhouse_cloud.delete_import(client, import_id, wait=True)
        _copy_import(engine, client, import_id, on_batch)


def _rows_per_import(conn: Connection) -> dict[int, tuple[int, int]]:
    """Each named import with rows in the database -> (its cost rows, its daily rows), in
    ``clickhouse_cloud.rows_per_import``'s order."""
    named = select(tables.cloud_periods.c.import_id)
    counted: dict[int, list[int]] = {}
    for i, table in enumerate((tables.cloud_costs, tables.cloud_daily)):
        rows = conn.execute(
            select(table.c.import_id, func.count())
            .where(table.c.import_id.in_(named))
            .group_by(table.c.import_id)
        )
        for import_id, count in rows:
            counted.setdefault(int(import_id), [0, 0])[i] = int(count)
    return {import_id: (costs, daily) for import_id, (costs, daily) in counted.items()}


def _copy_import(engine: Engine, client: Any, import_id: int, on_batch: OnBatch) -> None:
    """Send one import's cost rows, then its daily rows, as of one snapshot, batch by batch:
    never more than ``BATCH`` rows in memory, however large the import."""
    costs, daily = tables.cloud_costs, tables.cloud_daily
    sent = 0
    with snapshot(engine) as conn:
        # Closed however the loop ends: PostgreSQL's server-side cursor goes with it.
        with conn.execute(
            select(*(costs.c[name] for name in clickhouse_cloud.ROW_COLUMNS))
            .where(costs.c.import_id == import_id)
            .order_by(costs.c.id)
            .execution_options(yield_per=BATCH)
        ) as rows:
            for part in rows.partitions():
                clickhouse_cloud.add_rows(client, [row._asdict() for row in part])
                sent += len(part)
                on_batch(0, len(part))
        with conn.execute(
            select(daily).where(daily.c.import_id == import_id).execution_options(yield_per=BATCH)
        ) as sums:
            for part in sums.partitions():
                clickhouse_cloud.add_daily(client, [row._asdict() for row in part])
    if sent:  # none when it was replaced since it was listed
        on_batch(1, 0)


def difference(conn: Connection, client: Any) -> str | None:
    """The first cloud figure that differs between the database and ClickHouse as of ``conn``'s
    snapshot, said in words, or ``None`` when every one is equal to the last digit."""
    cells, daily = stored_cloud.visible(conn), tables.cloud_daily
    first, last = conn.execute(
        select(func.min(daily.c.charge_day), func.max(daily.c.charge_day))
    ).one()
    want = None if first is None else (first, last)
    got = clickhouse_cloud.days(client, cells)
    if want != got:
        return (
            f"the cloud costs' charge days are {_span(want)} in the SQL store and {_span(got)} "
            "in ClickHouse"
        )
    if want is None:
        return None
    keys = [daily.c[name] for name in BY]
    limbs = [func.sum(daily.c[name]) for name in tables.CLOUD_STORED]
    step = len(LIMB_SUFFIXES)
    theirs = {
        tuple(row[: len(BY)]): tuple(
            join(*row[i : i + step]) for i in range(len(BY), len(row), step)
        )
        for row in conn.execute(select(*keys, *limbs).group_by(*keys))
    }
    ours = dict(clickhouse_cloud.sums(client, cells, first, last, BY))
    zeros = (Decimal(0),) * len(clickhouse_cloud.COSTS)
    for key in sorted(theirs.keys() | ours.keys(), key=_order):
        a, b = theirs.get(key, zeros), ours.get(key, zeros)
        for name, x, y in zip(clickhouse_cloud.COSTS, a, b, strict=True):
            if x != y:
                shown = ", ".join(f"{c} {v}" for c, v in zip(BY, key, strict=True))
                return f"cloud costs of {shown}: {name} is {x} in the SQL store, {y} in ClickHouse"
    return None


def _span(span: tuple[date, date] | None) -> str:
    return "none" if span is None else f"{span[0]} to {span[1]}"


def _order(key: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """Keys in the SQL store's order: ``NULL`` first in each column."""
    return tuple((value is not None, value) for value in key)
