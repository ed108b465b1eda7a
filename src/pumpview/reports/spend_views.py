"""The Cloud and Teams pages and the spend twins (``/api/spend/providers|people|teams``): what
each page and its JSON twin serve, built in one snapshot, the tiles' sums exact."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from pumpview.reports import providers, spend
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.providers import DEFAULT_COPILOT, ProviderRow
from pumpview.reports.ranges import Range
from pumpview.reports.seats import SeatPlan
from pumpview.reports.series import Series, by_total, stack
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT


@dataclass(frozen=True, slots=True)
class Tile:
    """One provider's costs in one currency, summed exactly over its rows: billed (what the
    tiles compare; Cursor's: on-demand + configured seats) and effective."""

    provider: str
    currency: str
    effective_cost: Decimal
    billed_cost: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class SpendView:
    """One spend report over a range, with what its page shows beside it."""

    kind: str
    """``providers``, ``people`` or ``teams``: a key of ``spend.COLUMNS``."""
    range: Range
    stored: bool
    """Whether any Cursor usage or cloud cost is stored for the range; without it, no chart."""
    rows: tuple[Any, ...]
    """The report's rows, in its order (``spend.run``'s)."""
    totals: tuple[Tile, ...] = ()
    """Providers: billed cost per provider and currency, the biggest first (the tiles)."""
    currencies: tuple[str, ...] = ()
    """Providers: the currencies of the rows, sorted."""
    buckets: tuple[date, ...] = ()
    series: tuple[Series, ...] = ()
    """Providers: each provider's US-dollar billed cost per day or week in cents, the biggest
    first (Cursor's on-demand among them); empty when nothing is stored."""


def build(
    engine: Engine,
    kind: str,
    span: Range,
    integrations: list[str] | None = None,
    *,
    by_service: bool = False,
    plan: SeatPlan | None = None,
    copilot: CopilotPrices = DEFAULT_COPILOT,
) -> SpendView:
    """The ``kind`` report over ``span`` (every integration, or the ones named); providers per
    service too when ``by_service``, with the configured seat fees of ``plan``."""
    with snapshot(engine) as conn:
        where = spend.scope(conn, span.since, span.until, integrations)
        if where is None:
            return SpendView(kind, span, stored=False, rows=())
        if kind in ("people", "teams"):
            report = spend.people if kind == "people" else spend.teams
            return SpendView(
                kind, span, stored=True, rows=tuple(report(conn, where, plan, copilot))
            )
        rows = providers.providers(conn, where, by_service=by_service, plan=plan,
                                   copilot=copilot)  # fmt: skip
        days = providers.provider_days(conn, where)
    buckets, series = stack(span, days, by_total(days))
    return SpendView(
        kind, span, stored=True, rows=tuple(rows), totals=totals(rows),
        currencies=tuple(sorted({r.currency for r in rows})), buckets=buckets, series=series,
    )  # fmt: skip


def totals(rows: list[ProviderRow]) -> tuple[Tile, ...]:
    """Billed (and effective) cost per provider and currency, the biggest billed first: the
    tiles above the table."""
    sums: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    with decimal.localcontext(EXACT):
        for row in rows:
            key = (row.provider, row.currency)
            effective, billed = sums.get(key, (Decimal(0), Decimal(0)))
            sums[key] = (effective + row.effective_cost, billed + row.billed_cost)
    ordered = sorted(sums.items(), key=lambda kv: -kv[1][1])
    return tuple(Tile(p, c, effective, billed) for (p, c), (effective, billed) in ordered)
