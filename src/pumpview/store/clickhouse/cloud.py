"""FOCUS cloud costs on ClickHouse: a file's rows and daily sums, seen only once the metadata
names them (issue 21).

The design, and why. ClickHouse has no transaction around a file's batches, so a file is never
replaced in place: its rows and daily sums are inserted under its import's id (the metadata's
``cloud_imports.id``, committed as ``staging`` before the first row is sent), and the swap, one
metadata transaction, names the import as the one each of its billing periods is read from
(``cloud_periods``). Reads take the (source, period, import) cells from the same metadata
snapshot and count a row only when its cell is named (``VISIBLE``), as usage reads filter on
``sync_days.version``. So a kill anywhere before the swap's commit leaves the old figures, and
any after it the new ones: never a mix, never a file in part.

Rows nobody names are removed by lightweight ``DELETE``s, never read again in the meantime: a
discarded import's at once (without waiting: no snapshot ever named them), a replaced one's at
the start of the next import (``store.cloud.collect``), when readers have moved on, as usage's
``collect`` does; neither waits for the ``DELETE``. An import's metadata row is deleted only
once no row carries its id, so that id (SQLite gives the highest one again once it is deleted)
never names stale rows.

Amounts are checked to fit their columns exactly before anything is sent (clickhouse-connect
would drop digits silently); sums widen to ``Decimal256`` and come back as the SQL store's
limbs would give them, to the same ``Decimal`` digits.
"""

from __future__ import annotations

import decimal
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from pumpview.errors import UserInputError
from pumpview.store.clickhouse.schema import (
    CLOUD_COSTS,
    CLOUD_DAILY,
    COST_FRACTION_DIGITS,
    COST_INTEGER_DIGITS,
    COST_TYPE,
    on_cluster,
)
from pumpview.store.clickhouse.write import fitting
from pumpview.store.measures import LIMB_SUFFIXES, join, split

COSTS = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")
"""The four FOCUS costs, as both tables name them."""
ROW_COLUMNS = tuple(name for name, _kind in CLOUD_COSTS)
DAILY_COLUMNS = tuple(name for name, _kind in CLOUD_DAILY)
TABLES = ("cloud_costs", "cloud_daily")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2299, 12, 31)
"""What ``Date32`` holds: a day outside is refused, not wrapped."""

Cell = tuple[str, date, int]
"""(source, billing period, import): the rows one swap named."""
VISIBLE = (
    "(source, billing_period_start, import_id) IN {cells:Array(Tuple(String, Date32, UInt32))}"
)

_QUANTUM, _FITS = fitting(COST_INTEGER_DIGITS, COST_FRACTION_DIGITS)
"""Quantizing in it raises for what ``Decimal(39, 24)`` cannot hold (as ``write.exact``)."""


def _exact(value: Decimal) -> Decimal:
    try:
        value.quantize(_QUANTUM, context=_FITS)
    except (decimal.Inexact, decimal.InvalidOperation):
        msg = f"the amount {value} does not fit ClickHouse's {COST_TYPE} exactly"
        raise UserInputError(msg) from None
    return value


def _day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        msg = f"the day {value} is outside what ClickHouse keeps ({FIRST_DAY} to {LAST_DAY})"
        raise UserInputError(msg)
    return value


# -- writes -----------------------------------------------------------------------------------


def add_rows(client: Client, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``cloud_costs`` rows (the SQL table's dicts, without ``id``) as one insert; a
    ``UserInputError`` before anything is sent for an amount or a day the columns cannot hold
    exactly."""
    if not rows:
        return
    records = []
    for row in rows:
        for name in COSTS:
            if row.get(name) is not None:
                _exact(row[name])
        _day(row["billing_period_start"])
        _day(row["charge_day"])
        records.append([row.get(name) for name in ROW_COLUMNS])
    client.insert("cloud_costs", records, column_names=ROW_COLUMNS)


def add_daily(client: Client, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``cloud_daily`` rows, given as the SQL store's (each cost as limbs), with each
    cost as the exact decimal its limbs stand for."""
    if not rows:
        return
    records = []
    for row in rows:
        costs = [join(*(row[f"{name}{suffix}"] for suffix in LIMB_SUFFIXES)) for name in COSTS]
        records.append([*(row[name] for name in DAILY_COLUMNS[: -len(COSTS)]), *costs])
    client.insert("cloud_daily", records, column_names=DAILY_COLUMNS)


def held(client: Client) -> set[Cell]:
    """Every (source, period, import) either table holds rows of: what a collection weighs."""
    cells: set[Cell] = set()
    for table in TABLES:
        sql = f"SELECT DISTINCT source, billing_period_start, import_id FROM {table}"
        cells.update((s, p, int(i)) for s, p, i in client.query(sql).result_rows)
    return cells


def delete(
    client: Client, cells: Collection[Cell], *, cluster: str | None = None, wait: bool = True
) -> None:
    """Delete the rows of ``cells`` from both tables: a lightweight ``DELETE`` (``wait=False``:
    queued, the call returns at once; for rows no snapshot names, harmless)."""
    if not cells:
        return
    settings = None if wait else {"lightweight_deletes_sync": 0}
    for table in TABLES:
        target = table if cluster is None else f"{table}_local{on_cluster(cluster)}"
        client.command(
            f"DELETE FROM {target} WHERE {VISIBLE}", {"cells": sorted(cells)}, settings=settings
        )


def delete_import(
    client: Client, import_id: int, *, cluster: str | None = None, wait: bool = False
) -> None:
    """Queue the deletion of every row of an import no snapshot names (discarded); with
    ``wait``, return once they are gone (a copy counts them again right after)."""
    settings = None if wait else {"lightweight_deletes_sync": 0}
    for table in TABLES:
        target = table if cluster is None else f"{table}_local{on_cluster(cluster)}"
        client.command(
            f"DELETE FROM {target} WHERE import_id = {{import_id:UInt32}}",
            {"import_id": import_id},
            settings=settings,
        )


# -- reads ------------------------------------------------------------------------------------


def rows_per_import(client: Client) -> dict[int, tuple[int, int]]:
    """Each import holding rows here -> (its ``cloud_costs`` rows, its ``cloud_daily`` rows),
    named or not: what ``store copy-facts`` compares with the SQL store."""
    counted: dict[int, list[int]] = {}
    for i, table in enumerate(TABLES):
        sql = f"SELECT import_id, count() FROM {table} GROUP BY import_id"
        for import_id, count in client.query(sql).result_rows:
            counted.setdefault(int(import_id), [0, 0])[i] = int(count)
    return {import_id: (costs, daily) for import_id, (costs, daily) in counted.items()}


def days(client: Client, cells: Collection[Cell]) -> tuple[date, date] | None:
    """The first and last charge day of the named rows, ``None`` when there are none."""
    if not cells:
        return None
    sql = f"SELECT count(), min(charge_day), max(charge_day) FROM cloud_daily WHERE {VISIBLE}"
    count, first, last = client.query(sql, {"cells": sorted(cells)}).result_rows[0]
    return (first, last) if count else None


def sums(
    client: Client,
    cells: Collection[Cell],
    first: date,
    last: date,
    by: Sequence[str],
    owners: Collection[str] | None = None,
) -> list[tuple[tuple[Any, ...], tuple[Decimal, ...]]]:
    """The four costs over charge days ``[first, last]`` per value of the ``cloud_daily``
    columns ``by`` (of the owners ``owners`` when given), exact, ordered as the SQL store
    orders them (SQLite's: ``NULL`` first, then text by its bytes)."""
    none: list[tuple[tuple[Any, ...], tuple[Decimal, ...]]] = [] if by else [((), _ZEROS)]
    if not cells or (owners is not None and not owners):
        return none  # as SQL's: no group, or one of zeros when grouped by nothing
    keys = [name for name in by if name in DAILY_COLUMNS]
    if len(keys) != len(by):
        msg = f"cloud_daily has no column among {list(by)}"
        raise ValueError(msg)
    where = [VISIBLE, "charge_day BETWEEN {first:Date32} AND {last:Date32}"]
    parameters: dict[str, Any] = {"cells": sorted(cells), "first": first, "last": last}
    if owners is not None:
        where.append("owner IN {owners:Array(String)}")
        parameters["owners"] = sorted(owners)
    group = ", ".join(keys)
    widened = ", ".join(f"sum(toDecimal256({name}, {COST_FRACTION_DIGITS}))" for name in COSTS)
    sql = (
        f"SELECT {group + ', ' if group else ''}{widened} FROM cloud_daily"
        f" WHERE {' AND '.join(where)}{' GROUP BY ' + group if group else ''}"
    )
    rows = client.query(sql, parameters).result_rows
    out = [
        (tuple(row[: len(keys)]), tuple(_as_limbs(value) for value in row[len(keys) :]))
        for row in rows
    ]
    return sorted(out, key=lambda item: tuple(_order(value) for value in item[0]))


_ZEROS = (join(0, 0, 0),) * len(COSTS)


def _as_limbs(value: Decimal) -> Decimal:
    """``value`` with the digits the SQL store's limbs give it (24 decimals)."""
    return join(*split(value))


def _order(value: Any) -> tuple[bool, Any]:
    """SQLite's order of a column's values: ``NULL`` first; text by its UTF-8 bytes, which is
    Python's order of code points."""
    return (value is not None, value)
