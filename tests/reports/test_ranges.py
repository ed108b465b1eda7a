"""Dashboard date ranges: inclusive UTC days, months cut where they end."""

from __future__ import annotations

from datetime import date

from pumpview.reports.ranges import Range, presets


def test_presets_on_the_first_of_march_of_a_leap_year():
    got = {r.label: (r.since, r.until) for r in presets(date(2028, 3, 1))}
    assert got == {
        "7 d": (date(2028, 2, 24), date(2028, 3, 1)),
        "30 d": (date(2028, 2, 1), date(2028, 3, 1)),
        "90 d": (date(2027, 12, 3), date(2028, 3, 1)),
        "this month": (date(2028, 3, 1), date(2028, 3, 1)),
        "last month": (date(2028, 2, 1), date(2028, 2, 29)),
        "365 d": (date(2027, 3, 3), date(2028, 3, 1)),
    }


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
