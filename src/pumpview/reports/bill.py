"""A Cursor integration's bill for a billing cycle: seats + on-demand (``reports.billing`` has
the words).

Usage is summed from the events of exactly the cycle's window (``reports.window``), so a cycle
that starts at 17:23 splits that day's events at 17:23. Seats are the roster's paid seats now
(``seats.seat_members``) times the configured price: the Admin API has neither seat fees nor a
roster of past cycles, so a past cycle's seats are today's count, and pages say "configured".

Beside Cursor's teams, the other AI tools' lines (``ToolBill``), each for the calendar month
(UTC) open now, so far: a GitHub Copilot organisation's seats at the configured plan prices
(``reports.copilot_seats``) + its net usage; a Claude Code organisation's usage (Anthropic's
per-person estimate, ``estimated``), with what Anthropic bills (its cost report,
``provider_costs``) beside it. ``Bills.all_cents`` is every tool's bill, in US dollars.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from pumpview.reports import copilot_seats, cycles, window
from pumpview.reports.billing import Billing
from pumpview.reports.cycles import Cycle
from pumpview.reports.plain import plain
from pumpview.reports.scope import integration_ids
from pumpview.reports.seats import seat_members
from pumpview.store import facts, tables
from pumpview.store.measures import EXACT, Measures, plus
from pumpview.timeutil import day_of, from_ms

USD = "USD"
TOOL_MEASURES = ("spend_cents", "on_demand_cents", "estimated_cents")


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
class ToolBill:
    """Another AI tool's integration's bill for the calendar month open now, so far (US
    dollars, cents): seats (Copilot's, configured) + billed usage."""

    provider: str
    """``claude-code`` or ``copilot``."""
    name: str
    label: str
    first_day: date
    last_day: date
    seats: int
    """Copilot's seats active this month (none for Claude Code)."""
    assumed_seats: int
    """Of them, those whose plan is not known: priced as Business."""
    seats_cents: Decimal
    usage_cents: Decimal
    """Usage value: Copilot's gross amount, Claude Code's estimate."""
    billed_cents: Decimal
    """Billed beyond the seats: Copilot's net amount, Claude Code's estimate."""
    estimated: bool
    provider_cents: Decimal | None
    """What the provider's own bill lines (``provider_costs``) say for the month so far, in US
    dollars; ``None`` when none is stored."""

    @property
    def bill_cents(self) -> Decimal:
        with decimal.localcontext(EXACT):
            return self.seats_cents + self.billed_cents


@dataclass(frozen=True, slots=True)
class Bills:
    """The open cycle's bill of each Cursor integration (each its own cycle) and their sum, and
    the other AI tools' bills of the month (``tools``)."""

    bills: tuple[Named, ...]
    seat_price: Decimal | None
    tools: tuple[ToolBill, ...] = ()

    @property
    def all_cents(self) -> Decimal:
        """Every AI tool's bill: Cursor's (its on-demand alone while no seat price is set) and
        each other tool's."""
        with decimal.localcontext(EXACT):
            cursor = self.bill_cents if self.seat_price is not None else self.usage.on_demand_cents
            return sum((t.bill_cents for t in self.tools), cursor or Decimal(0))

    @property
    def estimated(self) -> bool:
        """Whether ``all_cents`` holds an estimate (Claude Code's)."""
        return any(t.estimated for t in self.tools)

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
    return Bills(bills, billing.seat_price, tools(conn, named, now_ms, billing))


def tools(
    conn: Connection, named: set[int] | None, now_ms: int, billing: Billing
) -> tuple[ToolBill, ...]:
    """The month's bill of each Claude Code and Copilot integration of ``named`` (every one
    not disconnected when ``None``), by name."""
    listed = tables.integrations
    rows = conn.execute(
        select(listed.c.id, listed.c.name, listed.c.team_name, listed.c.account,
               listed.c.status, listed.c.provider)
        .where(listed.c.provider.in_(("claude-code", "copilot")))
        .order_by(listed.c.name)
    ).all()  # fmt: skip
    today = day_of(now_ms)
    first = today.replace(day=1)
    out = []
    for row in rows:
        if (row.id not in named) if named is not None else row.status == "disconnected":
            continue
        iid = int(row.id)
        ((usage_value, billed, estimated),) = facts.of(conn).sums(
            [iid], first, today, measures=TOOL_MEASURES
        )
        fees = (
            copilot_seats.seat_fees(conn, [iid], first, today, billing.copilot)
            if row.provider == "copilot"
            else []
        )
        out.append(
            ToolBill(str(row.provider), str(row.name), row.team_name or row.account or row.name,
                     first, today, len(fees), sum(1 for f in fees if f.assumed),
                     copilot_seats.total_cents(fees), usage_value, billed, estimated != 0,
                     _provider_cents(conn, iid, first, today))
        )  # fmt: skip
    return tuple(out)


def _provider_cents(conn: Connection, integration_id: int, first: date, last: date
                    ) -> Decimal | None:  # fmt: skip
    """The provider's own bill lines over ``[first, last]`` in US dollars (summed in Python,
    exactly); ``None`` when none is stored."""
    costs = tables.provider_costs
    amounts = conn.execute(
        select(costs.c.amount_cents).where(
            costs.c.integration_id == integration_id, costs.c.day >= first, costs.c.day <= last,
            costs.c.currency == USD,
        )
    ).scalars().all()  # fmt: skip
    if not amounts:
        return None
    with decimal.localcontext(EXACT):
        return sum((Decimal(a) for a in amounts), Decimal(0))


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
    tools = [
        {"provider": t.provider, "integration": t.name, "label": t.label,
         "first_day": plain(t.first_day), "last_day": plain(t.last_day), "seats": t.seats,
         "assumed_seats": t.assumed_seats, "seats_cents": plain(t.seats_cents),
         "usage_cents": plain(t.usage_cents), "billed_cents": plain(t.billed_cents),
         "bill_cents": plain(t.bill_cents), "estimated": t.estimated,
         "provider_cents": plain(t.provider_cents)}
        for t in bills.tools
    ]  # fmt: skip
    every = {"bill_cents": plain(bills.all_cents), "estimated": bills.estimated,
             "cursor_seats_priced": bills.seat_price is not None}  # fmt: skip
    return {"integrations": rows, "total": total, "tools": tools, "all_tools": every}


def instant(ms: int) -> str:
    """An instant as ISO 8601 in UTC to the second (``2026-12-01T17:23:00Z``)."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")
