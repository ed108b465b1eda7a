"""The forecast: the actual plus each remaining day (or part of one) at the mean of its kind
(weekday or weekend) over the last 28 complete days, on hand-built series with hand-worked
answers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pumpview.reports.forecast import forecast, remaining
from pumpview.timeutil import MS_PER_HOUR, day_start_ms

MONDAY = date(2025, 11, 24)
NOW = day_start_ms(MONDAY) + 16 * MS_PER_HOUR  # Monday 16:00: a third of the day is left
MONTH_END = day_start_ms(date(2025, 12, 1))
BASIS_LAST = date(2025, 11, 20)  # a Thursday; 21-23 November are still provisional
BASIS_FIRST = BASIS_LAST - timedelta(days=27)  # four whole weeks: 20 weekdays, 8 weekend days


def _series(weekday: tuple[int, int], weekend: int) -> dict[date, Decimal]:
    """Four weeks alternating the two weekday amounts, ``weekend`` on Saturdays and Sundays."""
    out = {}
    for i in range(28):
        day = BASIS_FIRST + timedelta(days=i)
        out[day] = Decimal(weekend if day.weekday() >= 5 else weekday[i % 2])
    return out


def test_each_remaining_day_is_expected_at_its_kinds_mean_and_today_by_its_rest():
    """Means 300 (weekdays) and 30 (weekends): a third of Monday (100), Tuesday to Friday
    (1,200) and the weekend (60) add 1,360 to the actual."""
    got = forecast(Decimal(5000), _series((200, 400), 30), BASIS_FIRST, BASIS_LAST, NOW, MONTH_END)
    assert (got.weekday_cents, got.weekend_cents, got.basis_days) == (300, 30, 28)
    assert got.expected_cents == Decimal(1360)
    assert got.total_cents == Decimal(6360)


def test_provisional_days_and_days_before_the_basis_are_left_out():
    """Days after the basis (still growing) and before its 28 days change nothing."""
    series = _series((200, 400), 30)
    series[BASIS_LAST + timedelta(days=1)] = Decimal(99999)
    series[BASIS_FIRST - timedelta(days=1)] = Decimal(99999)
    got = forecast(Decimal(5000), series, date(2025, 1, 1), BASIS_LAST, NOW, MONTH_END)
    assert got.expected_cents == Decimal(1360)


def test_a_day_without_spend_counts_as_zero():
    """One weekday of 400 missing: the weekday mean is (20 x 300 - 400) / 20 = 280."""
    series = _series((200, 400), 30)
    missing = date(2025, 10, 27)  # a Monday, at 400
    assert (missing.weekday(), series.pop(missing)) == (0, 400)
    got = forecast(Decimal(0), series, BASIS_FIRST, BASIS_LAST, NOW, MONTH_END)
    assert got.weekday_cents == Decimal(280)
    # 280 / 3 for Monday's rest, rounded once to a millionth of a cent
    assert got.expected_cents == Decimal("93.333333") + 4 * 280 + 2 * 30


def test_a_period_ending_inside_a_day_counts_that_day_by_its_share():
    """A cycle ending on Wednesday at 06:00: a third of Monday, Tuesday, a quarter of
    Wednesday: 100 + 300 + 75."""
    end = day_start_ms(MONDAY + timedelta(days=2)) + 6 * MS_PER_HOUR
    got = forecast(Decimal(0), _series((300, 300), 30), BASIS_FIRST, BASIS_LAST, NOW, end)
    assert got.expected_cents == Decimal(475)


def test_without_weekend_days_the_mean_of_all_stands_in_and_without_any_nothing_is_expected():
    """Three complete weekdays (100, 200, 600): 300 a day for every kind; none: the actual."""
    series = {date(2025, 11, 18): Decimal(100), date(2025, 11, 19): Decimal(200),
              date(2025, 11, 20): Decimal(600)}  # fmt: skip
    short = forecast(Decimal(7), series, date(2025, 11, 18), BASIS_LAST, NOW, MONTH_END)
    assert (short.weekday_cents, short.weekend_cents, short.basis_days) == (300, 300, 3)
    assert short.total_cents == 7 + 100 + 6 * 300
    none = forecast(Decimal(7), series, None, None, NOW, MONTH_END)
    assert (none.total_cents, none.basis_days) == (7, 0)


def test_the_day_the_amount_is_reached():
    """5,000 so far, 6,000 allowed: 5,100 tonight, 5,400 Tuesday, 5,700 Wednesday, 6,000 on
    Thursday; an amount already reached is reached today; one never reached gives none."""
    series = _series((300, 300), 30)
    at = {
        amount: forecast(
            Decimal(5000), series, BASIS_FIRST, BASIS_LAST, NOW, MONTH_END, Decimal(amount)
        ).reached_on
        for amount in (6000, 4000, 9000)
    }
    assert at == {6000: date(2025, 11, 27), 4000: MONDAY, 9000: None}


def test_remaining_tiles_the_rest_of_the_period_by_day():
    shares = remaining(NOW, day_start_ms(MONDAY + timedelta(days=2)) + 6 * MS_PER_HOUR)
    assert [(d.day, str(s)) for d, s in shares] == [(24, "1/3"), (25, "1"), (26, "1/4")]
