"""A Cursor integration's bill for a billing cycle: seats + on-demand (``reports.billing`` has
the words).

Usage is summed from the events of exactly the cycle's window (``reports.window``), so a cycle
that starts at 17:23 splits that day's events at 17:23. Seats are the roster's paid seats now
(``seats.seat_members``) times the configured price: the Admin API has neither seat fees nor a
roster of past cycles, so a past cycle's seats are today's count, and pages say "configured".
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from pumpview.reports import cycles, window
from pumpview.reports.billing import Billing
from pumpview.reports.cycles import Cycle
from pumpview.reports.plain import plain
from pumpview.reports.scope import integration_ids
from pumpview.reports.seats import seat_members
from pumpview.store import tables
from pumpview.store.measures import EXACT, Measures, plus
from pumpview.timeutil import from_ms


@dataclass(frozen=True, slots=True)
class Bill:
    integration_id: int
    cycle: Cycle
    seats: int
    """Paid seats on the roster (configured price, measured count)."""
    seat_price: Decimal | None
    """USD per seat and cycle; ``None``: not set, so no seats and no bill."""
    usage: Measures
    """The cycle's events up to now: usage value (``spend_cents``), included, on-demand."""

    @property
    def seats_cents(self) -> Decimal | None:
        if self.seat_price is None:
            return None
        with decimal.localcontext(EXACT):
            return (self.seat_price * self.seats).scaleb(2)

    @property
    def bill_cents(self) -> Decimal | None:
        """Seats + on-demand; ``None`` without a seat price."""
        seats = self.seats_cents
        if seats is None:
            return None
        with decimal.localcontext(EXACT):
            return seats + self.usage.on_demand_cents


def of(conn: Connection, integration_id: int, cycle: Cycle, billing: Billing) -> Bill:
    """The integration's bill for ``cycle`` (its events up to the cycle's end)."""
    usage = window.total(conn, [integration_id], cycle.start_ms, cycle.end_ms)
    paid = len(seat_members(conn, [integration_id]))
    return Bill(integration_id, cycle, paid, billing.seat_price, usage)


def current(conn: Connection, integration_id: int, now_ms: int, billing: Billing) -> Bill:
    """The bill of the cycle open at ``now_ms``, so far."""
    return of(conn, integration_id, cycles.current(conn, integration_id, now_ms), billing)


@dataclass(frozen=True, slots=True)
class Named:
    """A bill with its integration's name and what a person calls it (the team name)."""

    name: str
    label: str
    bill: Bill


@dataclass(frozen=True, slots=True)
class Bills:
    """The open cycle's bill of each Cursor integration (each its own cycle) and their sum."""

    bills: tuple[Named, ...]
    seat_price: Decimal | None

    @property
    def seats(self) -> int:
        return sum(n.bill.seats for n in self.bills)

    @property
    def usage(self) -> Measures:
        total = Measures()
        for named in self.bills:
            total = plus(total, named.bill.usage)
        return total

    @property
    def seats_cents(self) -> Decimal | None:
        parts = [n.bill.seats_cents for n in self.bills]
        if self.seat_price is None:
            return None
        with decimal.localcontext(EXACT):
            return sum((p for p in parts if p is not None), Decimal(0))

    @property
    def bill_cents(self) -> Decimal | None:
        seats = self.seats_cents
        if seats is None:
            return None
        with decimal.localcontext(EXACT):
            return seats + self.usage.on_demand_cents


def currents(conn: Connection, names: Sequence[str] | None, now_ms: int, billing: Billing) -> Bills:
    """The open cycle's bill of the integrations ``names`` (an unknown one is a
    ``UserInputError``); when ``None``, of every one not disconnected: a team whose key was
    removed is no longer followed, and its seats would be counted from an old roster."""
    named = set(integration_ids(conn, names)) if names else None
    listed = tables.integrations
    rows = conn.execute(
        select(listed.c.id, listed.c.name, listed.c.team_name, listed.c.status)
        .where(
            listed.c.provider == "cursor"  # a Cursor team's bill: seats + on-demand
        )
        .order_by(listed.c.name)
    )
    chosen = [
        row
        for row in rows
        if (row.id in named if named is not None else row.status != "disconnected")
    ]
    bills = tuple(
        Named(row.name, row.team_name or row.name, current(conn, int(row.id), now_ms, billing))
        for row in chosen
    )
    return Bills(bills, billing.seat_price)


def as_json(bills: Bills) -> dict[str, Any]:
    """The bills as plain JSON: money as exact decimal strings in cents (the seat price in US
    dollars), cycles as UTC instants (``...Z``; the end exclusive) and their UTC days."""

    def amounts(seats: int, usage: Measures, seats_cents: Decimal | None,
                bill_cents: Decimal | None) -> dict[str, Any]:  # fmt: skip
        return {
            "seats": seats, "seat_price": plain(bills.seat_price),
            "seats_cents": plain(seats_cents), "on_demand_cents": plain(usage.on_demand_cents),
            "usage_cents": plain(usage.spend_cents), "included_cents": plain(usage.included_cents),
            "bill_cents": plain(bill_cents),
        }  # fmt: skip

    rows = []
    for named in bills.bills:
        b, cycle = named.bill, named.bill.cycle
        rows.append({
            "integration": named.name, "label": named.label,
            "cycle_start": instant(cycle.start_ms), "cycle_end": instant(cycle.end_ms),
            "cycle_first_day": plain(cycle.first_day), "cycle_last_day": plain(cycle.last_day),
            "cycle_known": cycle.known,
            **amounts(b.seats, b.usage, b.seats_cents, b.bill_cents),
        })  # fmt: skip
    total = amounts(bills.seats, bills.usage, bills.seats_cents, bills.bill_cents)
    return {"integrations": rows, "total": total}


def instant(ms: int) -> str:
    """An instant as ISO 8601 in UTC to the second (``2026-12-01T17:23:00Z``)."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")
