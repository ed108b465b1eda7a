"""Provider, team and people comparisons compare billed amounts: Cursor's on-demand + its
configured seats (as the FOCUS export's ``BilledCost``), the cloud's billed cost; each team's and
person's seats are their members' paid seats x the price per month whose 1st the range holds,
from the simulator's roster and groups."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from pumpview.reports import providers, spend
from pumpview.reports.seats import SeatPlan
from pumpview.simulator import truth as gt
from pumpview.store.engine import snapshot
from pumpview.timeutil import MS_PER_DAY, day_start_ms
from tests.reports.test_spend import FIRST, LAST, ZERO, _team_of, store  # noqa: F401 - fixture

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

PLAN = SeatPlan(Decimal("40.25"), "Business")


def _months(first, last) -> int:
    """Months whose first day the range holds: a seat fee is charged on the 1st."""
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return sum(1 for d in days if d.day == 1)


def _want(team, first, last):
    """Per team: (on-demand cents, seats cents, cloud billed cost), from the simulator alone."""
    groups = _team_of(team.members)
    paid = [m.email.lower() for m in team.members
            if m.listed and not m.is_removed and m.role != "free-owner"]  # fmt: skip
    start, end = day_start_ms(first), day_start_ms(last) + MS_PER_DAY - 1
    on_demand: dict[str, Decimal] = defaultdict(Decimal)
    for email, totals in gt.totals(team, start, end, gt.by_user).items():
        on_demand[groups.get(email or "", "untagged")] += totals.on_demand_cents
    seats: dict[str, Decimal] = defaultdict(Decimal)
    for email in paid:
        seats[groups.get(email, "untagged")] += PLAN.price * 100 * _months(first, last)
    return on_demand, seats


@pytest.mark.parametrize("plan", [None, PLAN])
def test_each_teams_billed_is_its_on_demand_plus_its_members_seats(store, plan):  # noqa: F811
    engine, team, _rows = store
    first, last = FIRST + timedelta(days=3), LAST - timedelta(days=2)
    on_demand, seats = _want(team, first, last)
    with snapshot(engine) as conn:
        where = spend.scope(conn, first, last)
        got = {r.team: r for r in spend.teams(conn, where, plan) if r.currency == "USD"}
        every = [r for r in providers.providers(conn, where, plan=plan) if r.currency == "USD"]
    (cursor,) = [r for r in every if r.provider == "Cursor"]
    assert seats  # the roster holds paid seats: an empty comparison would prove nothing
    for name, row in got.items():
        want_seats = seats.get(name, ZERO) if plan else ZERO
        assert row.cursor_on_demand_cents == on_demand.get(name, ZERO), name
        assert row.cursor_seats_cents == want_seats, name
        assert row.cursor_billed_cents == on_demand.get(name, ZERO) + want_seats, name
    assert sum(r.cursor_billed_cents for r in got.values()) == cursor.billed_cost * 100
    assert sum(r.cloud_billed_cost for r in got.values()) + cursor.billed_cost == sum(
        r.billed_cost for r in every
    )


def test_each_persons_billed_is_their_on_demand_plus_their_seats(store):  # noqa: F811
    engine, team, _rows = store
    first, last = FIRST, LAST
    paid = {m.email.lower() for m in team.members
            if m.listed and not m.is_removed and m.role != "free-owner"}  # fmt: skip
    with snapshot(engine) as conn:
        rows = [r for r in spend.people(conn, spend.scope(conn, first, last), PLAN)
                if r.currency == "USD"]  # fmt: skip
    seat = PLAN.price * 100 * _months(first, last)
    for row in rows:
        want = seat if row.email in paid else ZERO
        assert row.cursor_seats_cents == want, row.person
        assert row.cursor_billed_cents == row.cursor_on_demand_cents + want, row.person
    assert {r.email for r in rows if r.cursor_seats_cents} == paid
