"""Money as exact integer limbs: lossless both ways, and large totals never round."""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pumpview.reports import usage
from pumpview.store import blocks, integrations, rollup, tables
from pumpview.store.measures import EXACT, MEASURES, join, split
from pumpview.store.write import insert_many


def total(values):
    """An exact sum of amounts, independent of the store: a rounding raises."""
    with decimal.localcontext(EXACT):
        return sum(values, Decimal(0))


amounts = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=24, allow_nan=False
)


@given(amounts)
def test_split_and_join_are_exact_inverses(value):
    whole, high, low = split(value)
    assert 0 <= high < 10**12
    assert 0 <= low < 10**12
    assert join(whole, high, low) == value


@given(st.lists(amounts, max_size=50))
def test_summed_limbs_join_to_the_exact_sum(values):
    """What SQL does: sum each limb separately, join the sums."""
    parts = [split(v) for v in values]
    sums = [sum(p[i] for p in parts) for i in range(3)]
    with decimal.localcontext(EXACT):
        assert join(*sums) == sum(values, Decimal(0))


def test_an_amount_beyond_24_decimals_is_refused_not_rounded():
    with pytest.raises(ValueError, match="more than 24 decimals"):
        split(Decimal("1E-25"))


def test_large_totals_do_not_round():
    """$10M carried to 20 decimals needs 30 digits; Python's default context keeps 28."""
    value = Decimal("999999999.12345678901234567891")
    assert value + value != Decimal("1999999998.24691357802469135782")  # the default rounds
    assert total([value, value]) == Decimal("1999999998.24691357802469135782")


def test_a_100_million_dollar_report_is_exact_to_the_last_decimal(engine):
    """A rollup worth over $100M at 20 decimals reports its exact total through SQL sums."""
    cents = Decimal("123456789.12345678901234567891")  # $1.23M a row, 20 decimals
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": "cursor", "base_url": "http://x", "status": "connected",
             "connected_at_ms": 0, "backfill_days": 365},
        )  # fmt: skip
        acc: rollup.Rollup = {}
        for day in range(1, 29):
            for person in range(4):
                acc[(date(2026, 2, day), f"p{person}@x.dev", "gpt-5", "Usage-based")] = [
                    cents if name.endswith("_cents") else 1 for name in MEASURES
                ]
        insert_many(conn, tables.usage_daily, rollup.COLUMNS, rollup.records(acc, iid))
        blocks.refresh(conn, iid, date(2026, 2, 1), date(2026, 2, 28))
    scaled = 12345678912345678901234567891  # the row amount in units of 1e-20 cents
    (day,) = usage.run(engine, "daily", date(2026, 2, 3), date(2026, 2, 3))
    assert day.spend_cents == EXACT.scaleb(Decimal(scaled * 4), -20)
    people = usage.run(engine, "users")
    assert [p.spend_cents for p in people] == [EXACT.scaleb(Decimal(scaled * 28), -20)] * 4
    assert total(p.spend_cents for p in people) == EXACT.scaleb(Decimal(scaled * 112), -20)
    assert total(p.spend_cents for p in people) > Decimal("1e10")  # over $100M
