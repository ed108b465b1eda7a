"""Settings → Billing's stored choices win over the environment's defaults; clearing one
returns to its default."""

from __future__ import annotations

from decimal import Decimal

from pumpview.reports.billing import Billing, resolve
from pumpview.store import stored_settings
from tests.conftest import NOW_MS


def test_stored_billing_settings_win_over_the_defaults_until_cleared(engine):
    defaults = Billing(Decimal(40), "Business", 30)
    with engine.begin() as conn:
        assert resolve(conn, defaults) == defaults
        stored_settings.write(conn, {"seat_price": "32.50", "idle_days": "14"}, NOW_MS)
        assert resolve(conn, defaults) == Billing(Decimal("32.50"), "Business", 14)
        stored_settings.write(conn, {"seat_price": None, "seat_plan": ""}, NOW_MS)
        assert resolve(conn, defaults) == Billing(Decimal(40), None, 14)
        plan = resolve(conn, defaults).plan
        assert plan is not None and (plan.price, plan.plan) == (Decimal(40), None)
