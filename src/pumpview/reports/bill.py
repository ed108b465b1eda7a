"""A Cursor integration's bill for a billing cycle: seats + on-demand (``reports.billing`` has
the words).

Usage is summed from the events of exactly the cycle's window (``reports.window``), so a cycle
that starts at 17:23 splits that day's events at 17:23. Seats are the roster's paid seats now
(``seats.seat_members``) times the configured price: the Admin API has neither seat fees nor a
roster of past cycles, so a past cycle's seats are today's count, and pages say "configured".
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.reports import cycles, window
from pumpview.reports.billing import Billing
from pumpview.reports.cycles import Cycle
from pumpview.reports.seats import seat_members
from pumpview.store.measures import EXACT, Measures


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
