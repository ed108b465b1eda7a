"""Cursor usage reports: per user, per model, per person's request classes, per day.

Every figure is an exact sum of the ``usage_daily`` rollup (Decimal cents), over an inclusive
range of UTC days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from pumpview.store import tables
from pumpview.store.rollup import COUNTS, MONEY

MEASURES = (*COUNTS, *MONEY)
_TARGETS = tuple(("spend_cents" if name == "cost_cents" else name, name) for name in MEASURES)
"""(Measures field, rollup column): the rollup's ``cost_cents`` is reported as ``spend_cents``."""


@dataclass
class Measures:
    """Additive totals; money in exact cents."""

    events: int = 0
    spend_cents: Decimal = Decimal(0)
    on_demand_cents: Decimal = Decimal(0)
    included_cents: Decimal = Decimal(0)
    model_cost_cents: Decimal = Decimal(0)
    token_fee_cents: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    fast_requests: int = 0
    slow_requests: int = 0
    not_charged_requests: int = 0

    def add(self, row: Any) -> None:
        for target, name in _TARGETS:
            setattr(self, target, getattr(self, target) + getattr(row, name))


@dataclass
class UserRow(Measures):
    email: str | None = None
    name: str | None = None


@dataclass
class ModelRow(Measures):
    model: str = ""
    users: int = 0
    _emails: set[str] = field(default_factory=set, repr=False)


@dataclass
class RequestsRow:
    email: str | None
    name: str | None
    fast_requests: int
    slow_requests: int
    not_charged_requests: int
    cursor_fast_premium_requests: int | None


@dataclass
class DailyRow:
    date: date
    events: int
    spend_cents: Decimal


def _rollup(engine: Engine, since: date | None, until: date | None) -> Iterator[Any]:
    daily = tables.usage_daily
    query = select(daily)
    if since is not None:
        query = query.where(daily.c.day >= since)
    if until is not None:
        query = query.where(daily.c.day <= until)
    with engine.connect() as conn:
        yield from conn.execute(query)


def _names(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(tables.people.c.email, tables.people.c.name)).all())


def users(engine: Engine, since: date | None = None, until: date | None = None) -> list[UserRow]:
    """One row per person (lower-case email; ``None`` = events without an email), by spend."""
    names = _names(engine)
    out: dict[str, UserRow] = {}
    for row in _rollup(engine, since, until):
        user = out.get(row.email)
        if user is None:
            email = row.email or None
            name = names.get(row.email) if email else "Unattributed (no email on the event)"
            user = out[row.email] = UserRow(email=email, name=name)
        user.add(row)
    return sorted(out.values(), key=lambda u: (-u.spend_cents, u.email or ""))


def models(engine: Engine, since: date | None = None, until: date | None = None) -> list[ModelRow]:
    """One row per model as Cursor names it, by spend; ``users`` counts distinct people."""
    out: dict[str, ModelRow] = {}
    for row in _rollup(engine, since, until):
        model = out.get(row.model)
        if model is None:
            model = out[row.model] = ModelRow(model=row.model)
        model.add(row)
        model._emails.add(row.email)
    for model in out.values():
        model.users = len(model._emails)
    return sorted(out.values(), key=lambda m: (-m.spend_cents, m.model))


def requests(
    engine: Engine, since: date | None = None, until: date | None = None
) -> list[RequestsRow]:
    """Fast (premium) vs slow (standard) vs not-charged requests per person, beside Cursor's own
    ``fastPremiumRequests`` for the current cycle from the latest spend snapshot."""
    premium = _latest_fast_premium(engine)
    return [
        RequestsRow(
            email=u.email,
            name=u.name,
            fast_requests=u.fast_requests,
            slow_requests=u.slow_requests,
            not_charged_requests=u.not_charged_requests,
            cursor_fast_premium_requests=premium.get(u.email) if u.email else None,
        )
        for u in sorted(
            users(engine, since, until), key=lambda u: (-u.fast_requests, u.email or "")
        )
    ]


def _latest_fast_premium(engine: Engine) -> dict[str, int]:
    snaps = tables.spend_snapshots
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(snaps.c.taken_at_ms))).scalar()
        if latest is None:
            return {}
        rows = conn.execute(
            select(snaps.c.email, snaps.c.fast_premium_requests).where(
                snaps.c.taken_at_ms == latest
            )
        )
        return dict(rows.tuples().all())


def daily(engine: Engine, since: date | None = None, until: date | None = None) -> list[DailyRow]:
    """Events and spend per UTC day, oldest first; days without events are left out."""
    out: defaultdict[date, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for row in _rollup(engine, since, until):
        out[row.day][0] += row.events
        out[row.day][1] += row.cost_cents
    return [DailyRow(day, n, cents) for day, (n, cents) in sorted(out.items())]
