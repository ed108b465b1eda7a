"""Is a day unusual? One key's daily usage value against a robust baseline of the days before
it: pure, Decimal throughout, every comparison exact.

The rule (``judge``), for a day's usage value ``v`` and the usage values of the complete days
before it (``history``: the previous ``BASELINE_DAYS`` complete days, from the key's first day
with usage on; at least ``MIN_HISTORY`` of them, else no verdict):

- ``median`` of the history, and its ``MAD`` (the median of the absolute deviations from it);
- ``scale`` = 1.4826 x MAD, the standard deviation MAD stands for in normal data. When MAD is
  zero (more than half of the days equal the median: someone who uses Cursor a day or two a
  week), 1.2533 x the mean absolute deviation instead (Iglewicz and Hoaglin's modified z-score,
  as IBM's SPSS documents it), rounded half to even to ``FRACTION_DIGITS`` decimals of a cent;
- ``threshold`` = median + max(factor x scale, floor);
- the day is an anomaly when ``v > threshold``: above the usual by more than ``factor`` scales
  *and* by more than ``floor`` cents, so a $0.40 day never pages anyone.

The defaults (``FACTOR`` 6, ``FLOOR_CENTS`` 1,000: $10) come from ``benchmarks/anomalies.py``:
on the simulator's ordinary history (400 people, six months judged) they flag 0.26 person-days
per 100 people per month and no team-day. Daily usage value is heavy-tailed (one long
claude-4.1-opus request costs $5 to $15 on a $0.50 day), so a scale alone flags ordinary days
(the textbook factor 3.5: 76 per 100 people per month; 6: 20; 10: 6); the floor keeps a light
user's one dear request quiet, and the factor keeps a heavy user's busy day quiet, where $10 is
within the usual spread.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pumpview.store.measures import EXACT, FRACTION_DIGITS

BASELINE_DAYS = 28
"""Complete days before a day that make its baseline: four whole weeks, so weekends weigh the
same in every baseline."""
MIN_HISTORY = 14
"""A key with fewer complete days of history (since its first day with usage) gets no verdict."""
FACTOR = Decimal(6)
"""How many scales (1.4826 x MAD) above the median a day must be."""
FLOOR_CENTS = Decimal(1000)
"""How many cents above the median a day must be, whatever the scale: $10."""

MAD_SCALE = Decimal("1.4826")
"""MAD x 1.4826 estimates a normal distribution's standard deviation."""
MEAN_AD_SCALE = Decimal("1.2533")
"""√(π/2): the mean absolute deviation x 1.2533 estimates it when MAD is zero."""

_ROUNDED = decimal.Context(prec=EXACT.prec, rounding=decimal.ROUND_HALF_EVEN)
_QUANTUM = Decimal(1).scaleb(-FRACTION_DIGITS)


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a day is judged against."""

    median: Decimal
    mad: Decimal
    scale: Decimal
    """1.4826 x MAD; 1.2533 x the mean absolute deviation when MAD is zero."""
    threshold: Decimal
    """The usage value a day must exceed: median + max(factor x scale, floor)."""
    days: int
    """Days of history it was made of."""


def median(values: Sequence[Decimal]) -> Decimal:
    """The exact median (the mean of the two middle values of an even count: exact, a half)."""
    if not values:
        msg = "the median of no values"
        raise ValueError(msg)
    ordered = sorted(values)
    middle = len(ordered) // 2
    with decimal.localcontext(EXACT):
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def baseline(
    history: Sequence[Decimal], *, factor: Decimal = FACTOR, floor_cents: Decimal = FLOOR_CENTS
) -> Baseline | None:
    """The baseline of ``history`` (usage values in cents), ``None`` with fewer than
    ``MIN_HISTORY`` days."""
    if len(history) < MIN_HISTORY:
        return None
    middle = median(history)
    with decimal.localcontext(EXACT):
        deviations = [abs(v - middle) for v in history]
        mad = median(deviations)
        if mad:
            scale = MAD_SCALE * mad
        else:
            scale = MEAN_AD_SCALE * _mean(sum(deviations, Decimal(0)), len(deviations))
        threshold = middle + max(factor * scale, floor_cents)
    return Baseline(middle, mad, scale, threshold, len(history))


def _mean(total: Decimal, count: int) -> Decimal:
    """``total / count`` to ``FRACTION_DIGITS`` decimals of a cent, half to even: a mean of n
    days is not exact (a seventh), so it is rounded where the store's amounts end."""
    return _ROUNDED.divide(total, count).quantize(_QUANTUM, context=_ROUNDED)


def judge(
    value: Decimal,
    history: Sequence[Decimal],
    *,
    factor: Decimal = FACTOR,
    floor_cents: Decimal = FLOOR_CENTS,
) -> Baseline | None:
    """The baseline ``value`` exceeds (an anomaly), else ``None`` (usual, or too little
    history to say)."""
    base = baseline(history, factor=factor, floor_cents=floor_cents)
    return base if base is not None and value > base.threshold else None
