"""Billing cycles: the windows a bill is for.

Cursor bills a team per cycle, and ``/teams/spend`` says when the open one started
(``subscriptionCycleStart``, an instant: a cycle is ``[start, next start)``, so an event at exactly
the start belongs to the new cycle). Every stored snapshot keeps that instant; the cycles between
and around them are stepped a calendar month at a time from the nearest known start, at the same
day of the month (the last day of a shorter month) and time of day. With no snapshot, a cycle is a
calendar month (UTC), and ``known`` says so: pages say "calendar month".
"""

from __future__ import annotations

import bisect
import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from pumpview.store import tables
from pumpview.timeutil import day_of, day_start_ms, from_ms, to_ms


@dataclass(frozen=True, slots=True)
class Cycle:
    """``[start_ms, end_ms)``; ``known``: stepped from Cursor's own cycle start (else a calendar
    month)."""

    start_ms: int
    end_ms: int
    known: bool

    @property
    def first_day(self) -> date:
        """The UTC day the cycle starts on (its id in URLs and alert keys)."""
        return day_of(self.start_ms)

    @property
    def last_day(self) -> date:
        """The UTC day of the cycle's last instant."""
        return day_of(self.end_ms - 1)

    def days(self) -> int:
        """UTC days the cycle touches."""
        return (self.last_day - self.first_day).days + 1


def add_months(ms: int, months: int) -> int:
    """``ms`` moved by whole calendar months at the same day (clamped to the month's last day)
    and time of day."""
    moment = from_ms(ms)
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return to_ms(moment.replace(year=year, month=month + 1, day=day))


def month_of(ms: int) -> Cycle:
    """The calendar month (UTC) holding ``ms``, as a cycle not known from Cursor."""
    moment = from_ms(ms)
    start = to_ms(datetime(moment.year, moment.month, 1, tzinfo=UTC))
    return Cycle(start, add_months(start, 1), known=False)


def starts(conn: Connection, integration_id: int) -> list[int]:
    """Every cycle start instant Cursor reported for the integration, oldest first."""
    snaps = tables.spend_snapshots
    rows = conn.execute(
        select(snaps.c.cycle_start_ms)
        .where(snaps.c.integration_id == integration_id)
        .distinct()
        .order_by(snaps.c.cycle_start_ms)
    )
    return [int(ms) for (ms,) in rows]


def cycle_at(known: list[int], at_ms: int) -> Cycle:
    """The cycle holding ``at_ms``, given the known start instants (oldest first): pure."""
    if not known:
        return month_of(at_ms)
    i = bisect.bisect_right(known, at_ms) - 1
    anchor = known[max(i, 0)]
    step = 0
    # Whole months from the anchor: forward past a later start (none known yet), back before
    # the first known one (a backfill reaches older cycles than any snapshot).
    while add_months(anchor, step) > at_ms:
        step -= 1
    while add_months(anchor, step + 1) <= at_ms:
        step += 1
    start = add_months(anchor, step)
    end = add_months(anchor, step + 1)
    later = known[i + 1] if 0 <= i + 1 < len(known) else None
    if later is not None and later < end:  # Cursor moved the cycle: its word wins
        end = later
    return Cycle(start, end, known=True)


def current(conn: Connection, integration_id: int, now_ms: int) -> Cycle:
    """The integration's cycle open at ``now_ms``."""
    return cycle_at(starts(conn, integration_id), now_ms)


def starting_on(conn: Connection, integration_id: int, day: date) -> Cycle | None:
    """The integration's cycle that starts on the UTC ``day`` (``?cycle=YYYY-MM-DD``), if any."""
    known = starts(conn, integration_id)
    cycle = cycle_at(known, day_start_ms(day))
    if cycle.first_day == day:
        return cycle
    following = cycle_at(known, cycle.end_ms)
    return following if following.first_day == day else None


def previous(conn: Connection, integration_id: int, cycle: Cycle) -> Cycle:
    """The cycle before ``cycle``."""
    return cycle_at(starts(conn, integration_id), cycle.start_ms - 1)
