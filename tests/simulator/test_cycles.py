"""Billing cycles start at an instant (a day of the month at a UTC time of day), and
/teams/spend and /teams/groups split the events at exactly that instant."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time
from decimal import Decimal

from pumpview.simulator import truth
from pumpview.simulator.cycles import cycle_start, next_cycle_start
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, to_ms
from tests.conftest import NOW_MS
from tests.simulator.calls import SPEND, get_json, page_through, post_json


def ms(*parts: int) -> int:
    return to_ms(datetime(*parts, tzinfo=UTC))


ANCHOR = time(17, 23)
NOV_START = ms(2025, 11, 1, 17, 23)
"""The cycle containing the fixed present (2025-11-24T16:00Z) by default: the 1st at 17:23."""


def test_a_start_instant_belongs_to_the_cycle_it_starts():
    """At exactly 17:23:00.000 on the 1st the new cycle has begun; a millisecond before, not."""
    assert cycle_start(NOV_START, 1, ANCHOR) == NOV_START
    assert cycle_start(NOV_START - 1, 1, ANCHOR) == ms(2025, 10, 1, 17, 23)
    assert cycle_start(NOW_MS, 1, ANCHOR) == NOV_START


def test_the_next_cycle_starts_a_calendar_month_later_at_the_same_time():
    """Same day and time one month on, across a year's end; days past the 28th are capped."""
    assert next_cycle_start(NOV_START) == ms(2025, 12, 1, 17, 23)
    assert next_cycle_start(ms(2025, 12, 28, 17, 23)) == ms(2026, 1, 28, 17, 23)
    assert cycle_start(ms(2026, 3, 30), 31, ANCHOR) == ms(2026, 3, 28, 17, 23)
    assert cycle_start(ms(2026, 3, 28, 17, 22), 31, ANCHOR) == ms(2026, 2, 28, 17, 23)


def test_midnight_anchor_time_gives_day_starts(serve):
    """cycle_anchor_time 00:00 gives cycles starting at UTC midnight (the old behaviour)."""
    served = serve(cycle_anchor_time=time(0), days=3)
    with served.client() as client:
        body = post_json(client, SPEND)
        groups = get_json(client, "/teams/groups")
    assert body["subscriptionCycleStart"] == ms(2025, 11, 1)
    assert groups["billingCycle"] == {
        "cycleStart": "2025-11-01T00:00:00Z",
        "cycleEnd": "2025-12-01T00:00:00Z",
    }


def test_anchor_time_with_seconds_is_the_start_instant(serve):
    """A time of day with seconds shows in subscriptionCycleStart and the groups' ISO strings."""
    served = serve(cycle_anchor_day=24, cycle_anchor_time=time(9, 5, 30), days=3)
    with served.client() as client:
        body = post_json(client, SPEND)
        groups = get_json(client, "/teams/groups")
    assert body["subscriptionCycleStart"] == ms(2025, 11, 24, 9, 5, 30)
    assert groups["billingCycle"] == {
        "cycleStart": "2025-11-24T09:05:30Z",
        "cycleEnd": "2025-12-24T09:05:30Z",
    }
    assert truth.cycle_start(served.sim.team) == ms(2025, 11, 24, 9, 5, 30)


def _spend_by_email(events: list[dict], start: int) -> tuple[dict, dict]:
    on_demand, usage = defaultdict(Decimal), defaultdict(Decimal)
    for event in events:
        if int(event["timestamp"]) < start:
            continue
        email = event.get("userEmail", "").lower()
        usage[email] += event["chargedCents"]
        if event["isChargeable"]:
            on_demand[email] += event["chargedCents"]
    return on_demand, usage


def test_an_event_at_the_start_instant_counts_in_the_new_cycle_only(serve):
    """Events landing at exactly 17:23:00.000 count in the cycle starting then, and are absent
    from the spend of the cycle before (read with the present a millisecond earlier)."""
    served = serve(hourly_lag=False, days=30, members=6)
    team = served.sim.team
    placed = team.add_arrivals(NOV_START, NOV_START, 4)
    assert any(e.charged_cents > 0 and e.chargeable for e in placed)
    served.sim.set_now(NOV_START + 10 * 60_000)
    with served.client() as client:
        events = page_through(client, NOV_START - 2 * MS_PER_DAY, team.now, 1000)
        body = post_json(client, SPEND)
    on_demand, usage = _spend_by_email(events, NOV_START)
    assert body["subscriptionCycleStart"] == NOV_START
    rows = body["teamMemberSpend"]
    assert {r["email"]: r["spendCents"] for r in rows} == {
        r["email"]: on_demand[r["email"].lower()] for r in rows
    }
    assert {r["email"]: r["overallSpendCents"] for r in rows} == {
        r["email"]: usage[r["email"].lower()] for r in rows
    }
    at_start = [e for e in events if int(e["timestamp"]) == NOV_START]
    assert len(at_start) == len(placed)  # the API returns them, and the sums above hold them

    served.sim.set_now(NOV_START - 1)
    old_start = ms(2025, 10, 1, 17, 23)
    with served.client() as client:
        events = page_through(client, old_start, NOV_START - 1, 1000)
        body = post_json(client, SPEND)
    assert all(int(e["timestamp"]) < NOV_START for e in events)
    on_demand, usage = _spend_by_email(events, old_start)
    assert body["subscriptionCycleStart"] == old_start
    assert {r["email"]: r["overallSpendCents"] for r in body["teamMemberSpend"]} == {
        r["email"]: usage[r["email"].lower()] for r in body["teamMemberSpend"]
    }


def test_spend_leaves_out_the_events_before_the_start_on_its_first_day(serve):
    """On the cycle's first day only the events from 17:23 on count: the morning's go to the
    cycle before (there are some, so the split is tested)."""
    now = NOV_START + 5 * MS_PER_HOUR
    served = serve(hourly_lag=False, now_ms=now, days=10)
    with served.client() as client:
        events = page_through(client, ms(2025, 11, 1), now, 1000)
        body = post_json(client, SPEND)
    assert any(int(e["timestamp"]) < NOV_START for e in events)
    assert any(int(e["timestamp"]) >= NOV_START for e in events)
    _, usage = _spend_by_email(events, NOV_START)
    rows = body["teamMemberSpend"]
    assert {r["email"]: r["overallSpendCents"] for r in rows} == {
        r["email"]: usage[r["email"].lower()] for r in rows
    }


def test_groups_spend_splits_at_the_start_instant(shared):
    """A group member's cycle spend is Σ chargedCents of their events from 17:23 on the 1st."""
    with shared.client() as client:
        body = get_json(client, "/teams/groups")
    expected = truth.cycle_totals(shared.sim.team, NOV_START, NOW_MS)
    people = [
        p
        for g in [*body["groups"], body["unassignedGroup"]]
        for p in g["currentMembers"] + g["formerMembers"]
    ]
    assert {p["email"]: p["spendCents"] for p in people} == {
        p["email"]: expected.get(p["email"].lower(), truth.Totals()).spend_cents for p in people
    }


def test_cycle_totals_visible_equals_the_events_the_api_returns(serve):
    """truth.cycle_totals(visible=True) per email equals the sums over the events fetched
    through the API for the same window (hourly lag on: the open hour left out)."""
    served = serve()
    with served.client() as client:
        events = page_through(client, NOV_START, NOW_MS, 1000)
    on_demand, usage = _spend_by_email(events, NOV_START)
    expected = truth.cycle_totals(served.sim.team, NOV_START, NOW_MS, visible=True)
    assert {k or "": t.spend_cents for k, t in expected.items()} == dict(usage)
    assert {k or "": t.on_demand_cents for k, t in expected.items() if t.on_demand_cents} == {
        k: v for k, v in on_demand.items() if v
    }
