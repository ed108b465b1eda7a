"""GitHub Copilot's seat fees, as configured: the seats API (``copilot_seats``) says who holds a
seat and on which plan, but no price (the reference's §3), so each plan's price per seat and
month comes from the billing settings (``reports.billing``: Business $19, Enterprise $39 by
default). Configured price, measured seats.

A seat pays its plan's price once per calendar month (UTC) it is active in, charged on the
month's first day, in full: no proration by days (GitHub prorates a seat granted mid-month; we
do not know its proration rule, so a seat's first month counts whole, as Cursor's do). A range
of days carries the fees of every month whose first day it holds (``seats.billing_months``, as
Cursor's seats). A seat is active in a month when it was granted before the month's end, its
``pending_cancellation_date`` (if any) is not before the month's start, and it was still
listed then: a seat the last sync no longer listed counts only in months that started by the
day it was last seen. A seat whose plan is ``unknown`` (or not given) is priced as Business's,
and says so (``assumed``).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, select

from pumpview.reports import person_keys
from pumpview.reports.seats import billing_months
from pumpview.store import tables
from pumpview.store.measures import EXACT
from pumpview.timeutil import day_of, day_start_ms

BUSINESS, ENTERPRISE, UNKNOWN = "business", "enterprise", "unknown"
ASSUMED_NOTE = "plan not known: priced as Copilot Business"
"""What a seat of an unknown plan is labelled with."""


@dataclass(frozen=True, slots=True)
class CopilotPrices:
    """The configured price (USD per seat and month) of each Copilot plan."""

    business: Decimal
    enterprise: Decimal

    def price(self, plan: str | None) -> tuple[Decimal, bool]:
        """``plan``'s price, and whether it is assumed (an unknown plan: Business's)."""
        if plan == ENTERPRISE:
            return self.enterprise, False
        return self.business, plan != BUSINESS


@dataclass(frozen=True, slots=True)
class CopilotSeatFee:
    integration_id: int
    person: str
    """The Copilot person key, ``github:<login>``."""
    plan: str
    """``business``, ``enterprise`` or ``unknown`` (no plan given, too)."""
    month: date
    """The first day of the month it is charged for."""
    fee: Decimal
    """USD."""
    assumed: bool
    """Priced as Business because its plan is not known."""


@dataclass(frozen=True, slots=True)
class _Seat:
    integration_id: int
    login: str
    plan: str | None
    created_at_ms: int | None
    cancels_on: date | None
    last_seen: date | None
    """The day it was last listed, when the latest sync no longer listed it; else ``None``."""

    def active(self, month: date) -> bool:
        after = (month + timedelta(days=32)).replace(day=1)
        return (
            (self.created_at_ms is None or self.created_at_ms < day_start_ms(after))
            and (self.cancels_on is None or self.cancels_on >= month)
            and (self.last_seen is None or month <= self.last_seen)
        )


def _seats(conn: Connection, integration_ids: Iterable[int]) -> list[_Seat]:
    seats = tables.copilot_seats
    ids = list(integration_ids)
    latest = dict(
        conn.execute(
            select(seats.c.integration_id, func.max(seats.c.listed_at_ms))
            .where(seats.c.integration_id.in_(ids))
            .group_by(seats.c.integration_id)
        ).all()
    )
    rows = conn.execute(
        select(seats.c.integration_id, seats.c.login, seats.c.plan_type, seats.c.created_at_ms,
               seats.c.pending_cancellation_date, seats.c.listed_at_ms)
        .where(seats.c.integration_id.in_(ids))
    )  # fmt: skip
    return [
        _Seat(int(iid), str(login), plan, created, cancels,
              None if listed == latest[iid] else day_of(int(listed)))
        for iid, login, plan, created, cancels, listed in rows
    ]  # fmt: skip


def seat_fees(
    conn: Connection, integration_ids: Iterable[int], first: date, last: date, prices: CopilotPrices
) -> list[CopilotSeatFee]:
    """One fee per active seat and month whose first day ``[first, last]`` holds, by
    integration, then login, then month."""
    months = billing_months(first, last)
    out: list[CopilotSeatFee] = []
    for seat in sorted(_seats(conn, integration_ids), key=lambda s: (s.integration_id, s.login)):
        price, assumed = prices.price(seat.plan)
        plan = seat.plan if seat.plan in (BUSINESS, ENTERPRISE) else UNKNOWN
        person = person_keys.GITHUB + seat.login
        out.extend(
            CopilotSeatFee(seat.integration_id, person, plan, month, price, assumed)
            for month in months
            if seat.active(month)
        )
    return out


def total_cents(fees: Iterable[CopilotSeatFee]) -> Decimal:
    """The fees' sum in cents, exactly."""
    with decimal.localcontext(EXACT):
        return sum((f.fee for f in fees), Decimal(0)).scaleb(2)
