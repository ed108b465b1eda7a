"""Billing cycles: each starts at an instant (a day of the month at a UTC time of day, as
Cursor's ``subscriptionCycleStart`` does) and ends where the next starts, one calendar month
later. An event at exactly a start instant belongs to the cycle that starts there. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pumpview.timeutil import day_of, to_ms


def _instant(day: date, at: time) -> int:
    return to_ms(datetime.combine(day, at.replace(tzinfo=UTC)))


def cycle_start(at_ms: int, anchor_day: int, anchor_time: time) -> int:
    """The start instant (epoch ms) of the cycle containing ``at_ms``; the anchor day is capped
    at 28 so every month has it."""
    day = min(max(anchor_day, 1), 28)
    today = day_of(at_ms)
    start = _instant(today.replace(day=day), anchor_time)
    if at_ms >= start:
        return start
    previous = today.replace(day=1) - timedelta(days=1)
    return _instant(previous.replace(day=day), anchor_time)


def next_cycle_start(start_ms: int) -> int:
    """The instant one calendar month after ``start_ms`` (same day of month, same time)."""
    moment = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    month = moment.month % 12 + 1
    year = moment.year + (moment.month == 12)
    return to_ms(moment.replace(year=year, month=month))
