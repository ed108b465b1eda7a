"""Where a period's spend is heading: the actual so far plus what the remaining time is expected
to add. Pure: it reads a series of daily amounts the caller built.

The method (README, "Budgets and forecasts"), chosen for being explainable in one sentence and
measured by ``benchmarks/forecast.py``:

- **Basis**: the last ``BASIS_DAYS`` (28) *complete* days before the forecast, weekdays and
  weekend days apart (people spend on AI when they work: a Saturday is not a Tuesday). Days still
  provisional (Cursor may still add to them: ``reports.completeness``) are left out of the basis,
  so a day still growing never drags the rate down; they stay in the actual. A day without
  spend is a zero, not a gap, from the first day the data holds. With no weekend day (or no
  weekday) in the basis, the mean of all its days stands in; with no complete day at all,
  nothing is expected (the forecast is the actual).
- **Expected**: each remaining day times its kind's mean (weekday or weekend), a day cut by the
  present or by the period's end counted by the fraction of it that is left: at 18:00 a
  quarter of today remains.
- **Seats** are fixed per cycle, so the caller adds them to both actual and forecast, never
  forecast them.

The expected amount is a ratio of exact sums (``Fraction``), rounded once at the end to
``PLACES`` decimals of a cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms

BASIS_DAYS = 28
PLACES = 6
"""Decimals of a cent a forecast keeps: an estimate, rounded once."""
_ROUND = Context(prec=200, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Forecast:
    actual_cents: Decimal
    expected_cents: Decimal
    """What the remaining time is expected to add."""
    weekday_cents: Decimal
    """The basis's mean per weekday (rounded like ``expected_cents``)."""
    weekend_cents: Decimal
    basis_days: int
    """Complete days the means come from (0: nothing expected)."""
    reached_on: date | None = None
    """The day the forecast reaches the ``amount`` it was asked about (the actual: today, or
    before), ``None`` when it does not within the period or none was given."""

    @property
    def total_cents(self) -> Decimal:
        """Actual + expected: the forecast for the period's end."""
        return self.actual_cents + self.expected_cents


def weekend(day: date) -> bool:
    return day.weekday() >= 5


def remaining(now_ms: int, end_ms: int) -> list[tuple[date, Fraction]]:
    """Each UTC day of ``[now_ms, end_ms)`` with the share of it inside: today's rest, whole
    days, and the period's last day cut by its end."""
    out: list[tuple[date, Fraction]] = []
    at = now_ms
    while at < end_ms:
        day = day_of(at)
        stop = min(end_ms, day_start_ms(day + timedelta(days=1)))
        out.append((day, Fraction(stop - at, MS_PER_DAY)))
        at = stop
    return out


def basis(daily: Mapping[date, Decimal], first: date, last: date) -> tuple[Fraction, Fraction, int]:
    """The weekday and weekend means of the last ``BASIS_DAYS`` days of ``[first, last]``
    (missing days are zeros), and how many days they come from."""
    start = max(first, last - timedelta(days=BASIS_DAYS - 1))
    sums = {False: Fraction(0), True: Fraction(0)}
    counts = {False: 0, True: 0}
    day = start
    while day <= last:
        sums[weekend(day)] += Fraction(daily.get(day, Decimal(0)))
        counts[weekend(day)] += 1
        day += timedelta(days=1)
    days = counts[False] + counts[True]
    if days == 0:
        return Fraction(0), Fraction(0), 0
    overall = (sums[False] + sums[True]) / days
    means = {kind: sums[kind] / counts[kind] if counts[kind] else overall for kind in sums}
    return means[False], means[True], days


def _cents(value: Fraction) -> Decimal:
    exact = _ROUND.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(Decimal(1).scaleb(-PLACES), context=_ROUND)


def forecast(
    actual_cents: Decimal,
    daily: Mapping[date, Decimal],
    basis_first: date | None,
    basis_last: date | None,
    now_ms: int,
    end_ms: int,
    amount_cents: Decimal | None = None,
) -> Forecast:
    """The forecast at ``now_ms`` for the period ending at ``end_ms``: ``actual_cents`` so far
    plus each remaining day (or part of one) times its kind's mean over the complete days
    ``[basis_first, basis_last]`` of ``daily`` (cents per UTC day); ``reached_on``: the day it
    reaches ``amount_cents``."""
    if basis_first is None or basis_last is None or basis_last < basis_first:
        weekday = weekend_mean = Fraction(0)
        days = 0
    else:
        weekday, weekend_mean, days = basis(daily, basis_first, basis_last)
    running = Fraction(actual_cents)
    reached = day_of(now_ms) if amount_cents is not None and running >= amount_cents else None
    expected = Fraction(0)
    for day, share in remaining(now_ms, end_ms):
        expected += share * (weekend_mean if weekend(day) else weekday)
        if amount_cents is not None and reached is None and running + expected >= amount_cents:
            reached = day
    return Forecast(
        actual_cents, _cents(expected), _cents(weekday), _cents(weekend_mean), days, reached
    )
