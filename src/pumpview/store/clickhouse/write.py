"""Writing a sync window's facts under a version, and collecting the versions nobody reads.

ClickHouse has no multi-statement transaction, so a window is never replaced in place. Its
events and rollup are inserted as new rows tagged with the write's ``version``; the metadata store
then commits, per (integration, day), the version that is visible, and reads filter on it. A crash
before that commit leaves rows of a version no read sees, and ``collect_garbage`` removes them as it
removes the versions a commit superseded. Two identical events are two rows: nothing deduplicates.

Money reaches ClickHouse exactly or not at all: clickhouse-connect scales a ``Decimal`` into the
column's integer and would silently drop digits past the 24th decimal, so every amount is checked
to fit ``Decimal(38, 24)`` first (``ValueError`` otherwise, as ``measures.split`` does).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from pumpview.store import rollup
from pumpview.store.clickhouse.schema import (
    MONEY_FRACTION_DIGITS,
    MONEY_INTEGER_DIGITS,
    MONEY_TYPE,
    USAGE_EVENTS,
    on_cluster,
)
from pumpview.store.measures import MEASURES, MONEY

BATCH_ROWS = 50_000
"""Rows per insert: each insert makes a part per partition it touches, and ClickHouse wants few,
large inserts (thousands of rows or more), not one per page of 500 events."""

EVENT_COLUMNS = (*rollup.EVENT_COLUMNS, "version", "seq")
"""The ``usage_events`` columns ``write_events`` fills, in its rows' order."""
DAILY_COLUMNS = ("integration_id", "version", *rollup.KEY, *MEASURES)
"""The ``usage_daily`` columns ``write_daily`` fills, in its rows' order."""
TABLES = ("usage_events", "usage_daily")
"""The tables a window's write fills."""
BLOCK_TABLES = ("usage_blocks", "usage_block_days")
"""The tables a block fills."""

EVENT_MONEY = tuple(rollup.AT[name] for name, kind in USAGE_EVENTS if MONEY_TYPE in kind)
"""Where an event record holds money."""
DAILY_MONEY = tuple(DAILY_COLUMNS.index(name) for name in MONEY)
"""Where a ``usage_daily`` row holds money."""


def fitting(integer_digits: int, fraction_digits: int) -> tuple[Decimal, decimal.Context]:
    """The quantum and the context in which quantizing a ``Decimal`` raises exactly when
    ClickHouse's ``Decimal(integer_digits + fraction_digits, fraction_digits)`` cannot hold it:
    a digit past the last decimal (``Inexact``), too many digits, NaN or infinity
    (``InvalidOperation``)."""
    context = decimal.Context(
        prec=integer_digits + fraction_digits, traps=[decimal.Inexact, decimal.InvalidOperation]
    )
    return Decimal(1).scaleb(-fraction_digits), context


_QUANTUM, _DECIMAL_38_24 = fitting(MONEY_INTEGER_DIGITS, MONEY_FRACTION_DIGITS)
"""Quantizing to 24 decimals in it raises for a digit lost past the 24th decimal (``Inexact``),
more than 38 digits in all, NaN or infinity (``InvalidOperation``): exactly what
``Decimal(38, 24)`` cannot hold. One call, four times as fast as inspecting the exponent."""


def exact(value: Decimal) -> Decimal:
    """``value`` if ``Decimal(38, 24)`` holds it exactly; else ``ValueError`` (``TypeError`` for
    a float or anything not a ``Decimal``)."""
    if not isinstance(value, Decimal):
        msg = f"money must be Decimal, got {type(value).__name__}"
        raise TypeError(msg)
    try:
        value.quantize(_QUANTUM, context=_DECIMAL_38_24)
    except (decimal.Inexact, decimal.InvalidOperation):
        msg = f"amount {value} does not fit ClickHouse's {MONEY_TYPE} exactly"
        raise ValueError(msg) from None
    return value


def check_money(rows: Iterable[Sequence[Any]], money_at: Sequence[int]) -> None:
    """``exact`` on every amount at ``money_at`` (``None`` passes) of every row.

    This runs for every amount of a backfill, so the common case makes no call of ours: a
    float or int has no ``quantize`` (``AttributeError``), and any failure goes to ``exact``
    for its precise error."""
    quantum, context = _QUANTUM, _DECIMAL_38_24
    for row in rows:
        for at in money_at:
            value = row[at]
            if value is not None:
                try:
                    value.quantize(quantum, context=context)
                except (AttributeError, decimal.Inexact, decimal.InvalidOperation):
                    exact(value)


def write_events(
    client: Client, integration_id: int, version: int, pages: Iterable[list[rollup.Record]]
) -> int:
    """Insert a window's event records (``rollup.EVENT_COLUMNS`` order, ``integration_id``
    first) under ``version``, numbered by ``seq`` from 0 across the window; return how many.

    Inserts go in batches of about ``BATCH_ROWS``. A record of another integration is a
    ``ValueError``, an amount ``exact`` refuses too; the batches inserted before it stay, rows
    of a version nobody commits, for ``collect_garbage``.
    """
    batch: list[rollup.Record] = []
    seq = 0
    for page in pages:
        check_money(page, EVENT_MONEY)
        for record in page:
            if record[0] != integration_id:
                msg = f"an event of integration {record[0]} in a write of {integration_id}"
                raise ValueError(msg)
            batch.append((*record, version, seq))
            seq += 1
        if len(batch) >= BATCH_ROWS:
            client.insert("usage_events", batch, column_names=EVENT_COLUMNS)
            batch = []
    if batch:
        client.insert("usage_events", batch, column_names=EVENT_COLUMNS)
    return seq


def write_daily(client: Client, integration_id: int, version: int, acc: rollup.Rollup) -> int:
    """Insert a window's rollup (``rollup.fold``: key -> measures in ``MEASURES`` order, exact)
    as ``usage_daily`` rows under ``version``; return how many."""
    rows = [(integration_id, version, *key, *sums) for key, sums in acc.items()]
    check_money(rows, DAILY_MONEY)
    for start in range(0, len(rows), BATCH_ROWS):
        client.insert("usage_daily", rows[start : start + BATCH_ROWS], column_names=DAILY_COLUMNS)
    return len(rows)


_STALE = (
    "integration_id = {integration_id:UInt32} AND day BETWEEN {first:Date} AND {last:Date}"
    " AND NOT has({keep:Array(Tuple(Date, UInt64))}, (day, version))"
)


def collect_garbage(
    client: Client,
    integration_id: int,
    first: date,
    last: date,
    keep: Mapping[date, int],
    *,
    cluster: str | None = None,
    wait: bool = True,
) -> int:
    """Delete the integration's rows of days ``first``..``last`` whose version is not the day's
    in ``keep`` (a day absent from ``keep``: all its rows), from both tables; return how many.

    Call it after the metadata store committed ``keep``. A lightweight ``DELETE`` (a mask, the
    parts are rewritten by later merges), only where a count finds rows to delete: a ``DELETE``
    is a mutation, queued and run over every part it covers even if it matches nothing. Waiting
    for one grows with the parts, not the rows: on chDB here, 10 rows took 15 ms to delete from
    2 parts and 2 s from 14. No read sees the rows it deletes (they are not a committed
    version), so a sync can pass ``wait=False``: the ``DELETE`` is queued and the call returns
    at once; a later call may count those rows again and queue a second, harmless ``DELETE``.
    """
    parameters = {
        "integration_id": integration_id,
        "first": first,
        "last": last,
        "keep": sorted(keep.items()),
    }
    return _delete(client, TABLES, _STALE, parameters, cluster, wait=wait)


def write_block(
    client: Client, integration_id: int, block: int, span: date, cells: Sequence[tuple[date, int]]
) -> None:
    """Sum the ``usage_daily`` rows of ``cells`` ((day, version) of the block starting on
    ``span``) under ``block``: per person and model into ``usage_blocks``, per day and model
    into ``usage_block_days``. In ClickHouse, an ``INSERT ... SELECT`` each, the amounts summed
    as ``Decimal(76, 24)``, which no block overflows."""
    measures = ", ".join(
        f"sum(toDecimal256({name}, {MONEY_FRACTION_DIGITS}))" if name in MONEY else f"sum({name})"
        for name in MEASURES
    )
    parameters = {
        "integration_id": integration_id, "block": block, "span": span,
        "first": min(day for day, _version in cells) if cells else span,
        "last": max(day for day, _version in cells) if cells else span,
        "cells": list(cells),
    }  # fmt: skip
    rows = (
        " FROM usage_daily WHERE integration_id = {integration_id:UInt32}"
        " AND day BETWEEN {first:Date} AND {last:Date}"
        " AND (day, version) IN {cells:Array(Tuple(Date, UInt64))}"
    )
    for table, grain in (("usage_blocks", "email, model"), ("usage_block_days", "day, model")):
        keys, values = grain, grain
        if table == "usage_blocks":  # each person's first and last day with the model
            keys, values = f"{grain}, first_used, last_used", f"{grain}, min(day), max(day)"
        client.command(
            f"INSERT INTO {table} (integration_id, block, span, {keys}, {', '.join(MEASURES)})"
            f" SELECT integration_id, {{block:UInt64}}, {{span:Date}}, {values}, {measures}"
            f"{rows} GROUP BY integration_id, {grain}",
            parameters=parameters,
        )


def drop_blocks(
    client: Client, integration_id: int, keep: Sequence[int], *, cluster: str | None = None
) -> int:
    """Delete the integration's rows of every block but ``keep``, without waiting (no read
    names them); return how many."""
    where = "integration_id = {integration_id:UInt32} AND block NOT IN {keep:Array(UInt64)}"
    parameters = {"integration_id": integration_id, "keep": sorted(keep)}
    return _delete(client, BLOCK_TABLES, where, parameters, cluster, wait=False)


def drop_integration(client: Client, integration_id: int, *, cluster: str | None = None) -> int:
    """Delete every fact of an integration (its purge), from every table, and wait until they
    are gone; return how many."""
    where = "integration_id = {integration_id:UInt32}"
    return _delete(
        client, (*TABLES, *BLOCK_TABLES), where, {"integration_id": integration_id}, cluster,
        wait=True,
    )  # fmt: skip


def _delete(
    client: Client,
    tables: Sequence[str],
    where: str,
    parameters: dict[str, Any],
    cluster: str | None,
    *,
    wait: bool,
) -> int:
    # ClickHouse 24.4+ waits for a lightweight DELETE by default (lightweight_deletes_sync=2).
    settings = None if wait else {"lightweight_deletes_sync": 0}
    deleted = 0
    for table in tables:
        sql = f"SELECT count() FROM {table} WHERE {where}"
        count = int(client.query(sql, parameters).result_rows[0][0])
        if count:
            # On a cluster the rows live in the shards' local tables: DELETE does not go through
            # a Distributed table.
            target = table if cluster is None else f"{table}_local{on_cluster(cluster)}"
            client.command(f"DELETE FROM {target} WHERE {where}", parameters, settings=settings)
            deleted += count
    return deleted
