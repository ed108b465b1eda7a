"""Cloud costs as the reports read them: ``cloud_daily`` summed exactly over a range of charge
days, per provider and service, per day, or per owner and team tag. Amounts are Decimal in their
currency's units (FOCUS's), kept apart per currency.

With the facts in ClickHouse the sums are its (``store.clickhouse.cloud``): of the imports the
connection's snapshot names, the same figures to the last digit, in the same order."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Connection, func, select

from pumpview.store import cloud as stored_cloud
from pumpview.store import tables
from pumpview.store.facts import clickhouse
from pumpview.store.measures import LIMB_SUFFIXES, join

_DAILY = tables.cloud_daily


@dataclass(frozen=True, slots=True)
class Costs:
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal
    contracted_cost: Decimal


def _sums() -> list[Any]:
    return [func.sum(_DAILY.c[name]) for name in tables.CLOUD_STORED]


def _costs(limbs: Sequence[Any]) -> Costs:
    step = len(LIMB_SUFFIXES)
    return Costs(*(join(*limbs[i : i + step]) for i in range(0, len(limbs), step)))


def days(conn: Connection) -> tuple[date, date] | None:
    """The first and last charge day stored, ``None`` when no cloud cost is."""
    client = clickhouse(conn)
    if client is not None:
        from pumpview.store.clickhouse import cloud as clickhouse_cloud  # noqa: PLC0415

        return clickhouse_cloud.days(client, stored_cloud.visible(conn))
    first, last = conn.execute(
        select(func.min(_DAILY.c.charge_day), func.max(_DAILY.c.charge_day))
    ).one()
    return None if first is None else (first, last)


def sums(
    conn: Connection,
    first: date,
    last: date,
    by: Sequence[str],
    owners: Collection[str] | None = None,
) -> list[tuple[tuple[Any, ...], Costs]]:
    """Exact costs over ``[first, last]`` per value of the ``cloud_daily`` columns ``by``; only
    the costs whose owner tag is one of ``owners``, when given."""
    client = clickhouse(conn)
    if client is not None:
        from pumpview.store.clickhouse import cloud as clickhouse_cloud  # noqa: PLC0415

        found = clickhouse_cloud.sums(client, stored_cloud.visible(conn), first, last, by, owners)
        return [(key, Costs(*costs)) for key, costs in found]
    keys: list[Column[Any]] = [_DAILY.c[name] for name in by]
    query = select(*keys, *_sums()).where(_DAILY.c.charge_day.between(first, last))
    if owners is not None:
        query = query.where(_DAILY.c.owner.in_(list(owners)))
    rows = conn.execute(query.group_by(*keys).order_by(*keys)).all()
    return [(tuple(row[: len(keys)]), _costs(row[len(keys) :])) for row in rows]
