"""Unit costs: what a manager compares models by."""

from __future__ import annotations

from decimal import Decimal

from pumpview.reports.unit_costs import ratio, unit_costs
from pumpview.store.measures import Measures


def test_unit_costs_of_a_model_by_hand():
    """$12.00 over 3 events (1 in Max mode) and 2M tokens (half cache reads), $3.00 of it on
    demand."""
    row = Measures(
        events=3,
        spend_cents=Decimal(1200),
        on_demand_cents=Decimal(300),
        input_tokens=600_000,
        output_tokens=400_000,
        cache_read_tokens=1_000_000,
        max_mode_events=1,
    )
    assert unit_costs(row) == {
        "cents_per_million_tokens": Decimal(600),  # 1200 / 2M x 1M
        "cents_per_request": Decimal(400),
        "cache_read_share": Decimal("0.5"),
        "max_mode_share": Decimal("0." + "3" * 28),  # 1 / 3, rounded to 28 digits
        "on_demand_share": Decimal("0.25"),
    }
    assert set(unit_costs(Measures()).values()) == {None}  # nothing to divide by


def test_a_ratio_of_a_wide_exact_sum_is_rounded_once():
    """A $10M total carried to 20 decimals has more digits than 28: the ratio is the exact
    quotient rounded once, not the sum rounded to 28 digits first and then divided. By hand:
    3 x 0.3333333333333333333333333335 = 1.0000000000000000000000000005 exactly (the sum
    rounded first, to 1, would give ...3333)."""
    spend = Decimal("1.0000000000000000000000000005")  # 29 significant digits
    assert ratio(spend, 3) == Decimal("0." + "3" * 27 + "5")
    assert unit_costs(Measures(events=3, spend_cents=spend))["cents_per_request"] == Decimal(
        "0." + "3" * 27 + "5"
    )
