"""The charts' data: every bucket of the range, weeks beyond 90 days; pure."""

from __future__ import annotations

from datetime import date, timedelta

from pumpview.reports.ranges import MAX_DAYS, Range
from pumpview.store.measures import Measures
from pumpview.web import charts


def test_requests_over_ten_years_are_weekly_and_add_up():
    """3,660 days are 523 weeks from Monday (2016-12-12 to 2026-12-14, the first and last
    partial), not 3,660 bars; every request counted once, in the week of its day."""
    span = Range("custom", date(2016, 12, 13), date(2016, 12, 13) + timedelta(days=MAX_DAYS - 1))
    days = [(span.since, Measures(fast_requests=3, slow_requests=1)),  # a Tuesday: week of 12th
            (date(2016, 12, 18), Measures(fast_requests=2, not_charged_requests=5)),  # Sunday
            (span.until, Measures(slow_requests=7))]  # fmt: skip
    chart = charts.requests(span, days)
    assert chart["title"] == "Requests per week: fast, slow, not charged"
    assert chart["buckets"][0] == "2016-12-12"
    assert chart["buckets"][-1] == str(span.until - timedelta(days=span.until.weekday()))
    assert len(chart["buckets"]) == 523
    assert (chart["fast"][0], chart["slow"][0], chart["not_charged"][0]) == (5, 1, 5)
    assert (sum(chart["fast"]), sum(chart["slow"]), sum(chart["not_charged"])) == (5, 8, 5)


def test_requests_over_ninety_days_stay_daily():
    span = Range("90 d", date(2026, 9, 8), date(2026, 12, 6))
    chart = charts.requests(span, [(date(2026, 12, 6), Measures(fast_requests=4))])
    assert chart["title"] == "Requests per day: fast, slow, not charged"
    assert len(chart["buckets"]) == 90
    assert chart["fast"][-1] == 4
