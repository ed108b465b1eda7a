"""Costs per provider: the cloud's per provider (and service), with Cursor as a provider by
the FOCUS mapping the export writes (billed = on-demand + configured seats), and each provider's
billed cost per day for the Cloud page's chart. Amounts are in their currency's units, one row
per currency. Provider comparisons compare billed amounts (``reports.billing`` has the words)."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.reports import cloud, seats, usage
from pumpview.reports.scope import Scope
from pumpview.reports.seats import SeatPlan
from pumpview.reports.series import DayAmount
from pumpview.store.measures import EXACT

CURSOR = "Cursor"
CURSOR_CURRENCY = "USD"
USAGE_SERVICE = "Cursor AI Usage"
SEAT_SERVICE = "Cursor"
"""Cursor as a provider: its name, currency and the FOCUS ``ServiceName`` of its usage and of
its (configured) seats, here and in the FOCUS export (``exports.focus``), which reads them."""
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ProviderRow:
    provider: str
    service: str | None
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal
    currency: str


def providers(
    conn: Connection, where: Scope, *, by_service: bool = False, plan: SeatPlan | None = None
) -> list[ProviderRow]:
    """Cloud costs per provider (and service), the biggest billed first, with Cursor as a
    provider by the FOCUS mapping the export writes: billed = effective = on-demand, list =
    before discounts; configured seat fees (``plan``) added to all three, as the export's seat
    rows (service ``Cursor``)."""
    by = ("provider", "service", "currency") if by_service else ("provider", "currency")
    rows = [
        ProviderRow(key[0] or "(none)", (key[1] or "(none)") if by_service else None,
                    costs.billed_cost, costs.effective_cost, costs.list_cost, key[-1])
        for key, costs in cloud.sums(conn, where.range.since, where.range.until, by)
    ]  # fmt: skip
    rows += _cursor_rows(conn, where, by_service, plan)
    return sorted(rows, key=lambda r: (-r.billed_cost, r.provider, r.service or "", r.currency))


def provider_days(conn: Connection, where: Scope) -> list[DayAmount]:
    """Each provider's US-dollar billed cost per day in cents, Cursor's on-demand among them
    (its configured seats are per cycle, not per day). Other currencies are left out: they are
    never added to dollars."""
    days = [
        DayAmount(day, provider or "(none)", costs.billed_cost.scaleb(2, EXACT))
        for (day, provider, currency), costs in cloud.sums(
            conn, where.range.since, where.range.until, ("charge_day", "provider", "currency")
        )
        if currency == CURSOR_CURRENCY
    ]
    return days + [DayAmount(d.date, CURSOR, d.on_demand_cents) for d in usage.daily(conn, where)]


def _cursor_rows(
    conn: Connection, where: Scope, by_service: bool, plan: SeatPlan | None
) -> list[ProviderRow]:
    total = usage.total(conn, where)
    fees = seats.seat_fees(conn, where, plan) if plan is not None else []
    with decimal.localcontext(EXACT):
        seat = sum((f.fee for f in fees), ZERO)
        billed, listed = total.on_demand_cents.scaleb(-2), total.list_cents.scaleb(-2)
        parts = [(USAGE_SERVICE, billed, listed)] if total.events else []
        if fees:
            parts.append((SEAT_SERVICE, seat, seat))
        if by_service:
            return [ProviderRow(CURSOR, s, b, b, li, CURSOR_CURRENCY) for s, b, li in parts]
        if not parts:
            return []
        billed, listed = sum((p[1] for p in parts), ZERO), sum((p[2] for p in parts), ZERO)
    return [ProviderRow(CURSOR, None, billed, billed, listed, CURSOR_CURRENCY)]
