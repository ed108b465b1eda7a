"""Date ranges a dashboard offers: presets relative to today, all inclusive UTC days; pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Range:
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
    ``subscriptionCycleStart``, when known) and 365 days, each ending today or at the end of its
    month."""
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)

    def back(days: int) -> Range:
        return Range(f"{days} d", today - timedelta(days=days - 1), today)

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


def default(today: date) -> Range:
    return Range(f"{DEFAULT_DAYS} d", today - timedelta(days=DEFAULT_DAYS - 1), today)
