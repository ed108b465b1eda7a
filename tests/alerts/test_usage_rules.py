"""The usage rules against the simulator: its planted spike is one anomaly alert (the person,
and the team of the directory when there is one), explained by its person x model; quiet
history alerts nothing; idle paid seats come as one weekly digest."""

from __future__ import annotations

from decimal import Decimal

from pumpview.alerts import usage_rules
from pumpview.alerts.evaluate import check
from pumpview.reports.billing import Billing
from pumpview.simulator import truth as gt
from pumpview.simulator.config import Spike
from pumpview.timeutil import MS_PER_DAY, day_of
from tests.conftest import NOW_MS
from tests.reports.test_usage import _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

SPIKE = Spike(member=7, model="claude-4.1-opus", days_ago=6, factor=40)


def test_the_planted_spike_is_one_anomaly_alert_explained_by_its_person_and_model(engine, serve):
    served = serve(days=40, members=10, spike=SPIKE)
    _sync(engine, served)
    spike = gt.spike(served.sim.team)
    assert spike is not None
    created = check(engine, NOW_MS, [usage_rules.anomaly])
    persons = [a for a in created if a.scope == "person"]
    assert [(a.rule, a.scope_value, a.day) for a in persons] == [
        ("anomaly", spike.email, spike.day)
    ]
    (alert,) = persons
    top = alert.details["drivers"][0]
    assert (top["email"], top["model"]) == (spike.email, spike.model)
    assert spike.model in alert.message
    assert check(engine, NOW_MS + MS_PER_DAY // 24, [usage_rules.anomaly]) == []


def test_quiet_history_alerts_no_anomaly(engine, serve):
    served = serve(days=40, members=10)
    _sync(engine, served)
    assert check(engine, NOW_MS, [usage_rules.anomaly]) == []


def test_idle_seats_come_as_one_digest_a_week_priced_as_configured(engine, serve):
    """Two members idle for 45 days: one digest naming both with their configured cost; the
    same week again adds nothing; the next week's digest is a new alert."""
    served = serve(days=60, members=12, idle_members=(6, 7))
    _sync(engine, served)
    idle = {m.email for m in gt.idle_members(served.sim.team)}
    defaults = Billing(seat_price=Decimal("40"), idle_days=30)
    (digest,) = check(engine, NOW_MS, [usage_rules.idle_seats], defaults)
    assert digest.rule == "idle_seats"
    assert {s["email"] for s in digest.details["seats"]} == idle
    assert digest.details["seat_cents"] == str(Decimal(4000) * len(idle))
    assert f"{len(idle)} paid seats unused for over 30 days" in digest.message
    assert digest.day is not None
    assert digest.day.weekday() == 0
    assert digest.day <= day_of(NOW_MS)
    tuesday = NOW_MS + MS_PER_DAY  # NOW_MS is a Monday: the same week
    assert check(engine, tuesday, [usage_rules.idle_seats], defaults) == []
    assert len(check(engine, NOW_MS + 7 * MS_PER_DAY, [usage_rules.idle_seats], defaults)) == 1
