"""Dashboard date ranges: inclusive UTC days, months cut where they end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pumpview.reports.ranges import MAX_DAYS, Range, chosen, default, presets
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms

JUST_AFTER_MIDNIGHT_MS = day_start_ms(date(2026, 12, 7)) + 5 * 60_000
"""2026-12-07 00:05 UTC: today holds five minutes of usage."""


def test_presets_on_the_first_of_march_of_a_leap_year():
    """The days' presets end yesterday (the 29th of February); the months' as they say."""
    got = {r.label: (r.since, r.until) for r in presets(date(2028, 3, 1))}
    assert got == {
        "7 d": (date(2028, 2, 23), date(2028, 2, 29)),
        "30 d": (date(2028, 1, 31), date(2028, 2, 29)),
        "90 d": (date(2027, 12, 2), date(2028, 2, 29)),
        "this month": (date(2028, 3, 1), date(2028, 3, 1)),
        "last month": (date(2028, 2, 1), date(2028, 2, 29)),
        "365 d": (date(2027, 3, 2), date(2028, 2, 29)),
    }


def test_just_after_midnight_the_default_compares_whole_days_with_whole_days():
    """At 00:05 UTC the default range is the 30 days to yesterday, and the period it is compared
    with the 30 before: both over before the instant, neither holding today's five minutes."""
    today = day_of(JUST_AFTER_MIDNIGHT_MS)
    span = default(today)
    assert (span.since, span.until, span.days) == (date(2026, 11, 7), date(2026, 12, 6), 30)
    before = span.previous()
    assert (before.since, before.until, before.days) == (
        date(2026, 10, 8),
        date(2026, 11, 6),
        30,
    )
    assert day_start_ms(span.until) + MS_PER_DAY <= JUST_AFTER_MIDNIGHT_MS  # a whole day, over
    assert chosen(None, None, today) == span
    assert chosen(span.since, span.until, today).label == "30 d"  # the preset, named


def test_a_range_past_ten_years_or_backwards_is_refused_with_what_to_do():
    today = day_of(JUST_AFTER_MIDNIGHT_MS)
    with pytest.raises(ValueError, match=r"0001-01-01 to 9999-12-31 is 3,652,059 days; a range"):
        chosen(date(1, 1, 1), date(9999, 12, 31), today)
    with pytest.raises(ValueError, match="at most 3,660 days"):
        chosen(date(1, 1, 1), None, today)  # since alone runs to today
    longest = chosen(today - timedelta(days=MAX_DAYS - 1), today, today)
    assert longest.days == MAX_DAYS == 3660
    with pytest.raises(ValueError, match="From 2026-12-09 is after To 2026-12-01"):
        chosen(date(2026, 12, 9), date(2026, 12, 1), today)


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    march = Range("m", date(2026, 3, 1), date(2026, 3, 31))
    assert (march.days, march.previous()) == (
        31,
        Range("previous period", date(2026, 1, 29), date(2026, 2, 28)),
    )


def test_the_billing_cycle_is_offered_once_known():
    today = date(2026, 12, 2)
    cycle = [r for r in presets(today, date(2026, 11, 15)) if r.label == "billing cycle"]
    assert cycle == [Range("billing cycle", date(2026, 11, 15), today)]
    assert "billing cycle" not in {r.label for r in presets(today)}
