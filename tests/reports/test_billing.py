"""Settings → Billing's stored choices win over the environment's defaults; clearing one
returns to its default."""

from __future__ import annotations

from decimal import Decimal

from pumpview.reports import bill
from pumpview.reports.billing import Billing, resolve
from pumpview.simulator import truth as gt
from pumpview.store import stored_settings
from tests.conftest import NOW_MS
from tests.reports.test_usage import DAYS, _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""


def test_stored_billing_settings_win_over_the_defaults_until_cleared(engine):
    defaults = Billing(Decimal(40), "Business", 30)
    with engine.begin() as conn:
        assert resolve(conn, defaults) == defaults
        stored_settings.write(conn, {"seat_price": "32.50", "idle_days": "14"}, NOW_MS)
        assert resolve(conn, defaults) == Billing(Decimal("32.50"), "Business", 14)
        stored_settings.write(conn, {"seat_price": None, "seat_plan": ""}, NOW_MS)
        assert resolve(conn, defaults) == Billing(Decimal(40), None, 14)
        plan = resolve(conn, defaults).plan
        assert plan is not None
        assert (plan.price, plan.plan) == (Decimal(40), None)


def test_the_bill_is_the_paid_seats_at_the_price_plus_the_cycles_on_demand(engine, serve):
    """A synced team's current cycle, which starts at 17:23: seats = listed, paid members x the
    price; on-demand and usage value = the events' from Cursor's cycle start to now, exactly."""
    served = serve(days=DAYS, members=8)
    _sync(engine, served)
    team = served.sim.team
    with engine.connect() as conn:
        got = bill.current(conn, 1, NOW_MS, Billing(Decimal("40.25")))
    start = gt.cycle_start(team)  # 17:23 UTC: that day's events are split at the instant
    truth = gt.overall(team, start, NOW_MS)
    paid = [m for m in team.members if m.listed and not m.is_removed and m.role != "free-owner"]
    assert (got.cycle.start_ms, got.cycle.known) == (start, True)
    assert got.seats == len(paid)
    assert got.usage.on_demand_cents == truth.on_demand_cents
    assert got.usage.spend_cents == truth.spend_cents
    assert got.seats_cents == Decimal("4025") * len(paid)
    assert got.bill_cents == Decimal("4025") * len(paid) + truth.on_demand_cents
    with engine.connect() as conn:
        unpriced = bill.current(conn, 1, NOW_MS, Billing())
    assert (unpriced.seats_cents, unpriced.bill_cents) == (None, None)
