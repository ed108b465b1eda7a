"""Date ranges a dashboard offers: presets relative to today, all inclusive UTC days; pure.

The rolling presets (and the default) end yesterday, the last whole UTC day: just after
midnight today holds almost nothing, and a period ending on a part-day compared with whole days
before it would read as a fall. "This month" and the billing cycle run to today, as their names
say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 30
MAX_DAYS = 3660
"""The longest range a page or the API draws (ten years): a range is read, bucketed and charted
day by day, and ``since=0001-01-01`` once took 15 s and 25 MB to answer."""


@dataclass(frozen=True, slots=True)
class Range:
    """An inclusive range of UTC days, ``since`` to ``until``, and what a person calls it (a
    preset's name, or ``custom``): the one range of days, from the URL to every report (a
    ``scope.Scope`` pairs one with the integrations it reads; ``timeutil.Window`` is a sync's
    epoch-millisecond bounds, another thing)."""

    label: str
    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> Range:
        """The period of the same length just before: what a change is measured against."""
        return Range("previous period", self.since - timedelta(days=self.days),
                     self.since - timedelta(days=1))  # fmt: skip


def presets(today: date, cycle_start: date | None = None) -> list[Range]:
    """7, 30 and 90 days, this month, last month, the current billing cycle (from Cursor's
    ``subscriptionCycleStart``, when known) and 365 days; the days' presets end yesterday, the
    months' today or at the end of their month."""
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)

    def back(days: int) -> Range:
        return _rolling(days, today)

    cycle = (
        [Range("billing cycle", cycle_start, today)] if cycle_start and cycle_start <= today else []
    )
    return [
        back(7), back(30), back(90),
        Range("this month", first_of_month, today),
        Range("last month", last_month_end.replace(day=1), last_month_end),
        *cycle,
        back(365),
    ]  # fmt: skip


def _rolling(days: int, today: date) -> Range:
    """The ``days`` whole UTC days that end yesterday."""
    last = today - timedelta(days=1)
    return Range(f"{days} d", last - timedelta(days=days - 1), last)


def default(today: date) -> Range:
    """The last 30 whole days, to yesterday."""
    return _rolling(DEFAULT_DAYS, today)


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)
"""The days a range may name: after the epoch (Cursor's times are epoch milliseconds), before
``date.max`` (a range's next day must exist; a 500, ``OverflowError``, once)."""


def chosen(first: date | None, last: date | None, today: date) -> Range:
    """The range a URL names: both ends, or ``since`` alone (to today), or ``until`` alone
    (from the first of its month), or neither (``default``); labelled as the preset it equals.
    ``ValueError`` says what is wrong with it."""
    if first is None and last is None:
        return default(today)
    last = last or today
    first = first or last.replace(day=1)
    if first > last:
        msg = f"From {first} is after To {last}: pick a From on or before the To."
        raise ValueError(msg)
    if (last - first).days + 1 > MAX_DAYS:
        msg = (f"From {first} to {last} is {(last - first).days + 1:,} days; a range is at most "
               f"{MAX_DAYS:,} days (ten years).")  # fmt: skip
        raise ValueError(msg)
    if first < FIRST_DAY or last > LAST_DAY:
        msg = f"From and To are days from {FIRST_DAY} to {LAST_DAY}."
        raise ValueError(msg)
    label = next((r.label for r in presets(today) if (r.since, r.until) == (first, last)),
                 "custom")  # fmt: skip
    return Range(label, first, last)
