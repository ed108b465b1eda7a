"""Time helpers: UTC inside, epoch milliseconds only at the Cursor boundary. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

MS_PER_SECOND = 1000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000
EPOCH = date(1970, 1, 1)


def to_ms(moment: datetime) -> int:
    """A timezone-aware datetime as epoch milliseconds."""
    return int(moment.timestamp() * MS_PER_SECOND)


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds as an aware UTC datetime."""
    return datetime.fromtimestamp(ms / MS_PER_SECOND, tz=UTC)


def day_of(ms: int) -> date:
    """The UTC calendar day that contains the instant ``ms``."""
    return _day(ms // MS_PER_DAY)


@lru_cache(maxsize=4096)
def _day(days_since_epoch: int) -> date:
    """Cached: a backfill asks for the day of every one of a million events."""
    return EPOCH + timedelta(days=days_since_epoch)


def day_start_ms(day: date) -> int:
    """Epoch ms of 00:00:00.000 UTC on ``day``."""
    return (day - EPOCH).days * MS_PER_DAY


def floor_hour(ms: int) -> int:
    """The start of the UTC hour containing ``ms``."""
    return ms - ms % MS_PER_HOUR


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` string as a date (only that form: ``fromisoformat`` would also take
    ``20261101``); ``ValueError`` names the bad input."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        msg = f"not a date (expected YYYY-MM-DD): {text!r}"
        raise ValueError(msg) from None


def now_ms() -> int:
    """The current instant in epoch ms, from the system clock. Only ``Clock`` calls it: code
    that needs the present takes a ``Clock`` (tests give it a fixed instant)."""
    return to_ms(datetime.now(tz=UTC))


@dataclass(frozen=True, slots=True)
class Clock:
    """The present in epoch ms: the system clock, or a fixed instant (``PUMPVIEW_NOW``: tests,
    reproducible demos). Built at the edge from the settings and passed down; a plain value, so
    a sync's own process gets the same present as the server that started it."""

    fixed_ms: int | None = None

    def __call__(self) -> int:
        return now_ms() if self.fixed_ms is None else self.fixed_ms

    def today(self) -> date:
        """The UTC day of the present."""
        return day_of(self())


SYSTEM_CLOCK = Clock()


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """An inclusive range of epoch milliseconds, ``start <= end``, as Cursor's API bounds its
    requests (``startDate``/``endDate``): what a sync fetches. Not a range of days: what a report
    or a page covers is a ``reports.ranges.Range`` of whole UTC days."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start > self.end:
            msg = f"window start {self.start} is after its end {self.end}"
            raise ValueError(msg)
