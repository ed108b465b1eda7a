"""The budget rules on synced data: the highest threshold reached is told once per budget and
period, a higher one later is told again, and a forecast over the amount once per period."""

from __future__ import annotations

from decimal import Decimal

from pumpview.alerts import budget_rules
from pumpview.alerts.evaluate import check
from pumpview.reports import budgets
from pumpview.reports.billing import Billing
from pumpview.store import budgets as store
from pumpview.store.engine import snapshot
from pumpview.timeutil import MS_PER_HOUR
from tests.conftest import NOW_MS
from tests.reports.test_usage import DAYS, _sync

RULES = [budget_rules.budget]
MICRO = Decimal("1e-6")  # an amount has at most 6 decimals of a cent


def _budget(engine, amount: Decimal, **fields):
    with engine.begin() as conn:
        budget = store.add(conn, {"name": "AI", "scope": "organization", "measure": "usage",
                                  "period": "month",
                                  "amount_cents": str(amount), **fields}, NOW_MS)  # fmt: skip
    with snapshot(engine) as conn:
        return budget, budgets.of(conn, budget, NOW_MS, Billing())


def test_the_highest_threshold_reached_is_told_once_and_a_higher_one_later(engine, serve):
    served = serve(days=DAYS, members=8)
    _sync(engine, served)
    _, probe = _budget(engine, Decimal(100))
    actual = probe.actual_cents
    with engine.begin() as conn:
        store.remove(conn, probe.budget.id)
    amount = (actual / Decimal("0.85")).quantize(MICRO)  # 85 % used: 50 and 80 reached
    budget, status = _budget(engine, amount)
    assert status.crossed == (50, 80)
    (alert,) = [a for a in check(engine, NOW_MS, RULES) if a.rule == "budget"]
    assert (alert.budget_id, alert.threshold, alert.period) == (
        budget.id,
        80,
        status.period.first_day,
    )
    assert alert.message.startswith("Budget “AI” reached 80 %: usage value of $")
    assert [a for a in check(engine, NOW_MS + MS_PER_HOUR, RULES) if a.rule == "budget"] == []
    with engine.begin() as conn:
        half = (actual / 2).quantize(MICRO)  # now 200 % used
        store.change(conn, budget.id, {"amount_cents": str(half)}, NOW_MS)
    (over,) = [a for a in check(engine, NOW_MS + 2 * MS_PER_HOUR, RULES) if a.rule == "budget"]
    assert over.threshold == 100
    assert over.details["state"] == "over"


def test_a_forecast_over_the_amount_is_told_once_per_period(engine, serve):
    served = serve(days=DAYS, members=8)
    _sync(engine, served)
    _, probe = _budget(engine, Decimal(100))
    with engine.begin() as conn:
        store.remove(conn, probe.budget.id)
    between = ((probe.actual_cents + probe.forecast_cents) / 2).quantize(MICRO)  # in between
    budget, status = _budget(engine, between, thresholds=[100])
    assert status.state == "forecast_over"
    (alert,) = check(engine, NOW_MS, RULES)
    assert (alert.rule, alert.budget_id, alert.threshold) == ("forecast", budget.id, None)
    assert "is forecast to end the period at" in alert.message
    assert check(engine, NOW_MS + MS_PER_HOUR, RULES) == []
