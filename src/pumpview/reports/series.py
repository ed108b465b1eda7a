"""Spend over time: one key's amount per UTC day (a model's spend, a provider's cost), and the
stacked series the charts draw from them, bucketed by day or by week."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.reports.ranges import Range
from pumpview.reports.scope import Scope
from pumpview.store import facts
from pumpview.store.measures import EXACT

TOP_KEYS = 8
"""Keys (models, providers) drawn on their own in a chart; the rest are one series, "other"."""
WEEKLY_AFTER_DAYS = 90


@dataclass(frozen=True, slots=True)
class DayAmount:
    """One key's amount on one UTC day, in cents: a model's spend, a provider's cost."""

    date: date
    key: str
    cents: Decimal


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[Decimal, ...]
    """Cents per bucket, in the order of the buckets ``stack`` returns with it."""


def model_days(conn: Connection, where: Scope, model: str | None = None) -> list[DayAmount]:
    """Spend per UTC day and model (only ``model`` when given), oldest first: the stacked spend
    charts."""
    rows = facts.of(conn).sums(
        *where.days(), by=("day", "model"), measures=("spend_cents",), model=model
    )
    return [DayAmount(day, name, spend) for day, name, spend in sorted(rows)]


def weekly(span: Range) -> bool:
    """Whether a chart of ``span`` draws weeks (from Monday) rather than days."""
    return span.days > WEEKLY_AFTER_DAYS


def stack(
    span: Range, days: Sequence[DayAmount], keys: Sequence[str]
) -> tuple[tuple[date, ...], tuple[Series, ...]]:
    """Amounts over time stacked by key (``keys`` biggest first, the top ones drawn on their own,
    then "other"); daily, weekly beyond ``WEEKLY_AFTER_DAYS``; every bucket of the range, empty
    ones at zero, so the time axis is true."""
    by_week = weekly(span)

    def bucket(day: date) -> date:
        return day - timedelta(days=day.weekday()) if by_week else day

    buckets = sorted({bucket(span.since + timedelta(days=i)) for i in range(span.days)})
    at = {b: i for i, b in enumerate(buckets)}
    shown = list(keys[:TOP_KEYS])
    names = shown + (["other"] if len(keys) > TOP_KEYS else [])
    sums = {name: [Decimal(0)] * len(buckets) for name in names}
    with decimal.localcontext(EXACT):
        for row in days:
            name = row.key if row.key in shown else "other"
            sums[name][at[bucket(row.date)]] += row.cents
    return tuple(buckets), tuple(Series(name, tuple(sums[name])) for name in names)


def by_total(days: Sequence[DayAmount]) -> list[str]:
    """The keys of ``days``, the biggest total first (exact sums)."""
    totals: dict[str, Decimal] = {}
    with decimal.localcontext(EXACT):
        for d in days:
            totals[d.key] = totals.get(d.key, Decimal(0)) + d.cents
    return sorted(totals, key=lambda n: -totals[n])
