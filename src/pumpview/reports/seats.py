"""Seat fees, as configured: the Admin API exposes none
(cursor.com/docs/account/teams/admin-api), so a plan's price
per seat and month, from settings, is all there is. Configured, not measured.

A seat is a member of the team's current roster who is not removed, not a service account and
not a free owner (Cursor's admin without a paid seat). Each pays the price once per billing
month (a calendar month, UTC), charged on its first day, in advance: a range of days carries the
whole fee of every month whose first day it holds, never a share of one. So 30 days count one
month's seats (not two for touching two months), a week without a 1st counts none, and ranges
that tile a year count twelve, each once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, and_, select

from pumpview.reports.scope import Scope
from pumpview.store import tables

NO_SEAT_ROLES = ("service-account", "free-owner")


@dataclass(frozen=True, slots=True)
class SeatPlan:
    """A plan's seat price (USD per seat per month) and its name, for labels: from the settings
    (``Settings.seats``), built by the faces."""

    price: Decimal
    plan: str | None = None


@dataclass(frozen=True, slots=True)
class SeatFee:
    integration_id: int
    email: str
    """Lower-case."""
    month: date
    """The first day of the billing month."""
    fee: Decimal
    """USD."""


def billing_months(first: date, last: date) -> list[date]:
    """The first day of every calendar month that starts within ``[first, last]``, oldest
    first: the days its seat fees are charged on."""
    months: list[date] = []
    month = first if first.day == 1 else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def fees(
    members: Iterable[tuple[int, str]], first: date, last: date, price: Decimal
) -> list[SeatFee]:
    """One fee per (integration, member) and billing month of ``[first, last]``, by team, then
    member, then month: a person in two Cursor teams holds two seats."""
    months = billing_months(first, last)
    return [
        SeatFee(integration_id, email, month, price)
        for integration_id, email in sorted(set(members))
        for month in months
    ]


def holds_seat(integration_ids: Iterable[int]) -> ColumnElement[bool]:
    """The ``cursor_members`` rows of the integrations' paid seats: listed, not removed, not a
    service account, not a free owner."""
    people = tables.cursor_members
    return and_(
        people.c.integration_id.in_(list(integration_ids)),
        people.c.is_removed.is_(False),
        people.c.email != tables.UNATTRIBUTED,
        people.c.role.is_(None) | people.c.role.not_in(NO_SEAT_ROLES),
    )


def seat_members(conn: Connection, integration_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(integration id, email) of every member who holds a seat now."""
    people = tables.cursor_members
    rows = conn.execute(
        select(people.c.integration_id, people.c.email).where(holds_seat(integration_ids))
    )
    return [(int(iid), email) for iid, email in rows]


def seat_fees(conn: Connection, where: Scope, plan: SeatPlan) -> list[SeatFee]:
    """Per member and billing month, the configured fee over the scope's range (USD)."""
    return fees(
        seat_members(conn, where.integration_ids), where.range.since, where.range.until, plan.price
    )
