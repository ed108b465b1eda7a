"""The additive measures, named once, and the exact integers the store sums them as.

``Measures`` is the one place the measures are spelled; the rollup, the aggregate tables and
every report row derive their fields from it.

Money is Decimal cents with up to ``FRACTION_DIGITS`` decimals (Cursor sends up to 20). SQLite
has no decimal type and its ``SUM`` over text goes through float, so the aggregate tables keep
each money measure as three integers that any SQL engine sums exactly: the whole cents (floor),
then two limbs of 12 decimals each. ``split`` and ``join`` are exact inverses, and because the
representation is linear, a ``SUM`` of each limb joined is the exact sum of the amounts.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measures:
    """Additive totals over a set of usage events; money in exact cents."""

    events: int = 0
    spend_cents: Decimal = ZERO
    """The product's cost of an event (README, Definitions)."""
    on_demand_cents: Decimal = ZERO
    included_cents: Decimal = ZERO
    model_cost_cents: Decimal = ZERO
    token_fee_cents: Decimal = ZERO
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    fast_requests: int = 0
    slow_requests: int = 0
    not_charged_requests: int = 0
    max_mode_events: int = 0
    """Events made in Cursor's Max mode (``maxMode``). A new measure is appended, so its
    columns come last in every table, as ``ALTER TABLE ... ADD COLUMN`` puts them."""
    list_cents: Decimal = ZERO
    """The list price before discounts, FOCUS's ``ListCost`` (``rollup.list_cents``)."""
    estimated_cents: Decimal = ZERO
    """The part of ``spend_cents`` that is the provider's estimate, not a measured charge:
    Claude Code's per-person costs are Anthropic's estimates at list price (migration 0019).
    An amount is labelled estimated wherever this is not zero."""


MEASURES: tuple[str, ...] = tuple(f.name for f in fields(Measures))
MONEY: tuple[str, ...] = tuple(f.name for f in fields(Measures) if isinstance(f.default, Decimal))
COUNTS: tuple[str, ...] = tuple(name for name in MEASURES if name not in MONEY)
TOKENS: tuple[str, ...] = tuple(name for name in COUNTS if name.endswith("_tokens"))

# -- exact arithmetic -------------------------------------------------------------------------

EXACT = decimal.Context(
    prec=200, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero]
)
"""Where money is summed: wide enough for any total, and a rounding would raise, never pass.

Python's default 28 digits would round a $10M total carried to 20 decimals."""


def summed(rows: Iterable[Measures]) -> Measures:
    """Every measure summed over ``rows`` exactly: a total from its parts (thousands of people
    in a few milliseconds, where ``plus`` makes a dataclass per row)."""
    held = list(rows)
    zero = Measures()
    with decimal.localcontext(EXACT):
        return Measures(
            **{
                name: sum((getattr(r, name) for r in held), getattr(zero, name))
                for name in MEASURES
            }
        )


def plus(a: Measures, b: Measures) -> Measures:
    """The measures of two disjoint sets of events together, exactly (``a``'s other fields
    kept)."""
    with decimal.localcontext(EXACT):
        return replace(a, **{name: getattr(a, name) + getattr(b, name) for name in MEASURES})


FRACTION_DIGITS = 24
LIMB_DIGITS = 12
_LIMB = 10**LIMB_DIGITS
_SCALE = 10**FRACTION_DIGITS
LIMB_SUFFIXES = ("", "_e12", "_e24")
"""A money measure ``m`` is stored as ``m`` (whole cents), ``m_e12`` and ``m_e24``."""


def split(value: Decimal) -> tuple[int, int, int]:
    """``value`` as (whole cents, next 12 decimals, last 12 decimals); the limbs are 0 <= x < 1e12.

    Raises ``ValueError`` for an amount with more than ``FRACTION_DIGITS`` decimals, which the
    store could not keep exactly (no upstream amount has been seen with more than 20).
    """
    shifted = value.scaleb(FRACTION_DIGITS, EXACT)  # exact: the context has room for any amount
    scaled = int(shifted)
    if scaled != shifted:  # int() dropped digits beyond the 24th decimal (or the sign's floor)
        msg = f"amount {value} has more than {FRACTION_DIGITS} decimals"
        raise ValueError(msg)
    whole, fraction = divmod(scaled, _SCALE)
    high, low = divmod(fraction, _LIMB)
    return whole, high, low


def join(whole: Any, high: Any, low: Any) -> Decimal:
    """The exact amount three limb sums stand for (ints, or Decimals from PostgreSQL's SUM)."""
    scaled = int(whole or 0) * _SCALE + int(high or 0) * _LIMB + int(low or 0)
    return Decimal(scaled).scaleb(-FRACTION_DIGITS, EXACT)


# -- stored columns ---------------------------------------------------------------------------


def stored_columns(names: Sequence[str] = MEASURES) -> tuple[str, ...]:
    """The stored column names of ``names``: each money measure expands to its three limbs."""
    return tuple(
        f"{name}{suffix}"
        for name in names
        for suffix in (LIMB_SUFFIXES if name in MONEY else ("",))
    )


STORED = stored_columns()
"""Every measure's stored columns, in ``Measures`` order."""
_IS_MONEY = tuple(name in MONEY for name in MEASURES)
_MONEY_AT = tuple(i for i, is_money in enumerate(_IS_MONEY) if is_money)
_NO_MONEY = (0, 0, 0)


def to_stored(sums: Sequence[Any]) -> list[Any]:
    """Measure values in ``MEASURES`` order as stored values in ``STORED`` order."""
    out = list(sums)
    for at in reversed(_MONEY_AT):  # from the end, so earlier positions stay put
        value = out[at]
        # Most rows leave some money measures at zero: no need to split those.
        out[at : at + 1] = split(value) if value else _NO_MONEY
    return out


def by_name(values: Sequence[Any], names: Sequence[str] = MEASURES) -> dict[str, Any]:
    """Measure values in ``names`` order by name, ready for ``Measures(**...)``."""
    return dict(zip(names, values, strict=True))


def from_stored(values: Sequence[Any], names: Sequence[str] = MEASURES) -> dict[str, Any]:
    """Stored values (or their SQL sums) in ``stored_columns(names)`` order as exact measures by
    name, ready for ``Measures(**...)`` or a report row built on it."""
    out: dict[str, Any] = {}
    at = 0
    for name in names:
        if name in MONEY:
            out[name] = join(values[at], values[at + 1], values[at + 2])
            at += 3
        else:
            out[name] = int(values[at] or 0)
            at += 1
    return out
