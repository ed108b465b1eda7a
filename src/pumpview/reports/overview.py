"""The Overview: totals against the previous period, spend over time by model, the top people
and models, and the request classes' shares; one snapshot, from the read side's blocks."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from pumpview.reports import usage
from pumpview.reports.ranges import Range
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, Measures

TOP_MODELS = 8
"""Models drawn on their own in the chart; the rest are one series, "other"."""
WEEKLY_AFTER_DAYS = 90


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[Decimal, ...]
    """Spend in cents per bucket, in the order of ``Overview.buckets``."""


@dataclass(frozen=True, slots=True)
class Overview:
    range: Range
    total: Measures
    previous: Measures
    people: int
    """People (and the unattributed bucket) with events in the range."""
    previous_people: int
    buckets: tuple[date, ...]
    """The first day of each bar: days, or weeks (from Monday) beyond 90 days."""
    weekly: bool
    series: tuple[Series, ...]
    top_people: tuple[usage.UserRow, ...]
    models: tuple[usage.ModelRow, ...]


def change(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """The change in percent against the previous period, ``None`` when it had nothing."""
    if not before:
        return None
    with decimal.localcontext(EXACT) as context:
        context.traps[decimal.Inexact] = False  # a percentage for people, shown to 1 decimal
        return (Decimal(now) - Decimal(before)) * 100 / Decimal(before)


def build(engine: Engine, span: Range, integrations: list[str] | None = None) -> Overview | None:
    """The Overview over ``span``; ``None`` when no data is stored at all."""
    before = span.previous()
    with snapshot(engine) as conn:
        where = usage.scope(conn, span.since, span.until, integrations)
        if usage.scope(conn, None, None, integrations) is None:
            return None
        earlier = usage.scope(conn, before.since, before.until, integrations)
        total = usage.total(conn, where) if where else Measures()
        previous = usage.total(conn, earlier) if earlier else Measures()
        users = usage.users(conn, where) if where else []
        previous_people = len(usage.users(conn, earlier)) if earlier else 0
        models = usage.models(conn, where) if where else []
        days = usage.spend_by_model_day(conn, where) if where else []
    weekly = span.days > WEEKLY_AFTER_DAYS
    buckets, series = _series(span, days, models, weekly)
    return Overview(
        range=span, total=total, previous=previous, people=len(users),
        previous_people=previous_people, buckets=buckets, weekly=weekly, series=series,
        top_people=tuple(users[:10]), models=tuple(models),
    )  # fmt: skip


def _series(
    span: Range, days: list[usage.ModelDay], models: list[usage.ModelRow], weekly: bool
) -> tuple[tuple[date, ...], tuple[Series, ...]]:
    """Stack by model: the top models by spend, then "other"; every bucket of the range, empty
    ones at zero, so the time axis is true."""

    def bucket(day: date) -> date:
        return day - timedelta(days=day.weekday()) if weekly else day

    buckets = sorted({bucket(span.since + timedelta(days=i)) for i in range(span.days)})
    at = {b: i for i, b in enumerate(buckets)}
    shown = [m.model for m in models[:TOP_MODELS]]
    names = shown + (["other"] if len(models) > TOP_MODELS else [])
    sums = {name: [Decimal(0)] * len(buckets) for name in names}
    with decimal.localcontext(EXACT):
        for row in days:
            name = row.model if row.model in shown else "other"
            sums[name][at[bucket(row.date)]] += row.spend_cents
    return tuple(buckets), tuple(Series(name, tuple(sums[name])) for name in names)
