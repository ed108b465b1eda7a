"""Who uses their seat: every paid seat (``seats.holds_seat``) with its member's start, last
active day and days idle, flagged idle past ``Billing.idle_days``, and the seats' configured cost
per cycle: the Seats page, ``GET /api/seats``, ``pumpview report seats`` and the idle-seats
digest (``idle_seats``).

A member's **start** is the earliest of their first event, the ``joinedAt`` Cursor reports in
billing groups (``group_members.joined_at_ms``) and the first roster that listed them
(``cursor_members.first_listed_at_ms``). Those in the integration's first roster may have been
there long before it, so that listing counts from the first day the backfill covers: a fresh
install flags idle seats at once. **Days idle** run from the last active day (else the start)
to the day asked about; a seat is **idle** when they exceed the threshold, so a member who
started within it never is.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, and_, func, select

from pumpview.reports.billing import Billing, resolve
from pumpview.reports.scope import integration_ids
from pumpview.reports.seats import holds_seat
from pumpview.store import facts, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT
from pumpview.timeutil import day_of

COLUMNS = ("email", "name", "integration", "last_active", "idle_days", "idle", "seat_cents",
           "started")  # fmt: skip
"""The JSON and CSV contract of ``GET /api/seats`` and ``pumpview report seats``."""


@dataclass(frozen=True, slots=True)
class Seat:
    """A paid seat of one Cursor integration (a person in two teams holds two) and its use."""

    integration_id: int
    integration: str
    """The integration's name (what ``?integration=`` takes)."""
    email: str
    name: str | None
    started: date | None
    """The earliest of their first event, Cursor's ``joinedAt`` and their first listing
    (``start``); ``None`` when nothing dates it."""
    last_active: date | None
    """Their last event's UTC day, up to the day asked about; ``None``: never."""
    idle_days: int | None
    """Days from the last active day (else from the start) to the day asked about."""
    idle: bool
    """Idle beyond the threshold, and not started within it."""
    seat_cents: Decimal | None
    """The configured price per cycle, in cents; ``None`` when no price is set."""


@dataclass(frozen=True, slots=True)
class Seats:
    """Every paid seat as of ``today``, idle ones first (by days idle), with the figures the
    Seats page sums on top."""

    today: date
    idle_after: int
    """``Billing.idle_days``: a seat idle for more days than this is idle."""
    seat_price: Decimal | None
    """USD per seat and cycle, configured; ``None``: not set."""
    rows: tuple[Seat, ...]

    @property
    def idle(self) -> tuple[Seat, ...]:
        return tuple(s for s in self.rows if s.idle)

    @property
    def seats_cents(self) -> Decimal | None:
        """Every paid seat's cost per cycle; ``None`` without a price."""
        return self._cost(len(self.rows))

    @property
    def idle_cents(self) -> Decimal | None:
        """The idle seats' cost per cycle; ``None`` without a price."""
        return self._cost(len(self.idle))

    def _cost(self, count: int) -> Decimal | None:
        if self.seat_price is None:
            return None
        with decimal.localcontext(EXACT):
            return (self.seat_price * count).scaleb(2)


def start(
    first_event: date | None,
    joined: date | None,
    listed: date | None,
    covered_from: date | None,
    first_roster: bool,
) -> date | None:
    """When a member started: the earliest of their first event, their billing group's
    ``joinedAt`` and the first roster that listed them. A member in the integration's first
    roster (a fresh install) may have been there long before it: that listing counts from the
    first day the backfill covers (``covered_from``), so a new install flags idle seats at once;
    unless Cursor dates their joining (``joinedAt``), the better evidence."""
    if first_roster and joined is None and covered_from is not None:
        listed = covered_from if listed is None else min(listed, covered_from)
    known = [d for d in (first_event, joined, listed) if d is not None]
    return min(known) if known else None


def _day(ms: int | None) -> date | None:
    return None if ms is None else day_of(ms)


def _coverage(conn: Connection, integration_ids: Iterable[int]) -> dict[int, tuple[date, int]]:
    """Per integration: the first day its backfill covers (after Cursor's retention edge, when
    it had one: nothing older was there to see) and the instant of its first sync (the first
    fetch of a day; the first roster was listed at that instant)."""
    days, integ = tables.sync_days, tables.integrations
    rows = conn.execute(
        select(days.c.integration_id, func.min(days.c.day), func.min(days.c.fetched_at_ms),
               integ.c.earliest_day)
        .join(integ, integ.c.id == days.c.integration_id)
        .where(days.c.integration_id.in_(list(integration_ids)))
        .group_by(days.c.integration_id, integ.c.earliest_day)
    )  # fmt: skip
    return {
        int(iid): (first if edge is None else max(first, edge), int(fetched))
        for iid, first, fetched, edge in rows
    }


def seat_use(conn: Connection, ids: Iterable[int], today: date, billing: Billing) -> Seats:
    """Every paid seat of the integrations as of ``today`` (events after it do not count): its
    start, last active day, days idle, whether it is idle (``billing.idle_days``) and its cost.

    A seat is idle when its days idle exceed the threshold. A member who started within the
    threshold never is: their days idle count from their start at the earliest."""
    ids = list(ids)
    people, groups, integ = tables.cursor_members, tables.group_members, tables.integrations
    rows = conn.execute(
        select(people.c.integration_id, integ.c.name, people.c.email, people.c.name,
               people.c.first_listed_at_ms, groups.c.joined_at_ms)
        .join(integ, integ.c.id == people.c.integration_id)
        .outerjoin(groups, and_(groups.c.integration_id == people.c.integration_id,
                                groups.c.email == people.c.email))
        .where(holds_seat(ids))
    ).all()  # fmt: skip
    used = facts.of(conn).active_spans(((row[0], row[2]) for row in rows), today)
    coverage = _coverage(conn, ids)
    with decimal.localcontext(EXACT):
        price = None if billing.seat_price is None else billing.seat_price.scaleb(2)
    seats = []
    for iid, integration, email, name, listed_ms, joined_ms in rows:
        first, last = used.get((iid, email), (None, None))
        covered_from, first_sync = coverage.get(iid, (None, None))
        first_roster = listed_ms is not None and first_sync is not None and listed_ms <= first_sync
        began = start(first, _day(joined_ms), _day(listed_ms), covered_from, first_roster)
        since = last or began
        idle_days = None if since is None else max(0, (today - since).days)
        idle = idle_days is not None and idle_days > billing.idle_days
        seats.append(Seat(int(iid), integration, email, name, began, last, idle_days, idle, price))
    seats.sort(
        key=lambda s: (
            not s.idle,
            -1 if s.idle_days is None else -s.idle_days,
            s.email,
            s.integration,
        )
    )
    return Seats(today, billing.idle_days, billing.seat_price, tuple(seats))


def idle_seats(
    conn: Connection, day: date, billing: Billing, chosen: Iterable[int] | None = None
) -> list[Seat]:
    """The idle seats as of ``day`` (every Cursor integration, or the ones given), most days
    idle first: what the idle-seats digest alert lists."""
    ids = integration_ids(conn, None) if chosen is None else chosen
    return list(seat_use(conn, ids, day, billing).idle)


def build(
    engine: Engine, today: date, defaults: Billing, integrations: Sequence[str] | None = None
) -> Seats:
    """The Seats page as of ``today``, every Cursor integration or the ones named, priced by
    the billing settings in force (stored over ``defaults``); one snapshot."""
    with snapshot(engine) as conn:
        return seat_use(conn, integration_ids(conn, integrations), today, resolve(conn, defaults))
