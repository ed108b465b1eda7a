"""A budget's actual is exact to the cent against ground truth kept apart from the product: the
simulator's events (per person and day), its cloud bill's own cells and its roster, for every
scope (the organisation, an integration, a team, a person), measure and period; its state
follows the amount and the thresholds; its signals are what the alert rules key on."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from sqlalchemy import event, insert

from pumpview.integrations.focus import importer
from pumpview.people.membership import Membership
from pumpview.reports import budgets
from pumpview.reports.billing import Billing
from pumpview.simulator import cloud
from pumpview.simulator import truth as gt
from pumpview.store import budgets as store
from pumpview.store import directory, tables
from pumpview.store.engine import snapshot
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.reports.test_spend import _owner, _team_of
from tests.reports.test_usage import DAYS, _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

LAST = day_of(NOW_MS)
FIRST = LAST - timedelta(days=DAYS - 1)
MONTH = day_start_ms(LAST.replace(day=1))
"""The calendar month's start: budgets here count calendar months unless they say ``cycle``
(the simulator's cycle starts at 17:23 on the 1st; the cycle tests seed their own start)."""
PRICE = Decimal("40.25")
ZERO = Decimal(0)


@pytest.fixture
def synced(engine, serve, tmp_path):
    """Two Cursor teams synced from their simulators and the first team's cloud bill."""
    one, two = serve(members=8, days=DAYS), serve(members=5, days=DAYS, seed=2)
    _sync(engine, one, "cursor")
    _sync(engine, two, "cursor-eu")
    bill = cloud.write(one.sim.team, tmp_path / "bill.csv", FIRST, LAST)
    importer.import_file(engine, bill, source="aws", now_ms=NOW_MS)
    return engine, one.sim.team, two.sim.team, list(cloud.rows(one.sim.team, FIRST, LAST))


def _status(engine, billing=Billing(PRICE), **fields):  # noqa: B008 - a frozen value
    with engine.begin() as conn:
        budget = store.add(
            conn, {"name": "b", "amount_cents": "100000", "period": "month", **fields}, NOW_MS
        )
    with snapshot(engine) as conn:
        return budgets.of(conn, budget, NOW_MS, billing)


def _per_person_day(team, start_ms: int) -> dict[tuple[str | None, date], gt.Totals]:
    return gt.totals(team, start_ms, NOW_MS, lambda e: (gt.by_user(e), gt.by_day(e)))


def _paid(team) -> list[str]:
    return [m.email.lower() for m in team.members
            if m.listed and not m.is_removed and m.role != "free-owner"
            and not m.is_service_account]  # fmt: skip


def _cloud(rows, members, first: date, last: date):
    """(owner, team tag, day) -> Σ BilledCost in cents of the rows charged in [first, last]."""
    out: dict[tuple[str | None, str | None, date], Decimal] = defaultdict(Decimal)
    for row in rows:
        day = date.fromisoformat(row["ChargePeriodStart"][:10])
        if first <= day <= last and row["BillingCurrency"] == "USD":
            tags = json.loads(row["Tags"]) if row["Tags"] else {}
            out[(_owner(tags, members), tags.get("team"), day)] += Decimal(row["BilledCost"]) * 100
    return out


def test_the_organisations_budget_counts_every_team_and_every_measure(synced):
    """Usage value and on-demand of both teams' events this month; the bill adds every paid
    seat at the configured price; ``all`` adds the month's cloud bill."""
    engine, one, two, rows = synced
    truth = [gt.overall(team, MONTH, NOW_MS) for team in (one, two)]
    usage = _status(engine, scope="organization", measure="usage", period="month")
    assert usage.actual_cents == sum(t.spend_cents for t in truth)
    assert (usage.period.first_day, usage.period.last_day) == (
        date(2025, 11, 1),
        date(2025, 11, 30),
    )
    on_demand = sum(t.on_demand_cents for t in truth)
    assert _status(engine, scope="organization", measure="on_demand").actual_cents == on_demand
    bill = _status(engine, scope="organization", measure="bill")
    seats = len(_paid(one)) + len(_paid(two))
    assert (bill.seats, bill.seats_cents) == (seats, PRICE * 100 * seats)
    assert bill.actual_cents == PRICE * 100 * seats + on_demand
    unpriced = _status(engine, Billing(), scope="organization", measure="bill")
    assert (unpriced.seats_cents, unpriced.actual_cents) == (None, on_demand)
    everything = _status(engine, scope="organization", measure="on_demand", provider="all")
    costs = _cloud(rows, one.members, LAST.replace(day=1), LAST)
    assert everything.actual_cents == on_demand + sum(costs.values())


def test_an_integrations_budget_counts_its_own_team_and_seats_only(synced):
    engine, _one, two, _rows = synced
    truth = gt.overall(two, MONTH, NOW_MS)
    got = _status(engine, scope="integration", scope_value="cursor-eu", measure="bill")
    assert got.actual_cents == PRICE * 100 * len(_paid(two)) + truth.on_demand_cents
    usage = _status(engine, scope="integration", scope_value="cursor-eu", measure="usage")
    assert usage.actual_cents == truth.spend_cents


def test_a_teams_budget_counts_its_members_on_the_days_they_were_in_it(synced):
    """A member moves into Data on the 10th: their usage and the cloud they own count from
    then; Data's team-tagged cloud costs count whoever owns nothing. Both Cursor teams' members
    count (one person is in Data in both, with two seats)."""
    engine, one, two, rows = synced
    teams = {**_team_of(two.members), **_team_of(one.members)}
    assert _team_of(two.members).items() & _team_of(one.members).items()
    mover = next(e for e, t in sorted(teams.items()) if t != "Data")
    moved_on = date(2025, 11, 10)
    with engine.begin() as conn:
        person = next(p for p in directory.load(conn).values() if p.email == mover)
        directory.join_team(conn, person, Membership("Data", moved_on, None, "admin"))

    def in_data(email: str | None, day: date) -> bool:
        if email == mover:
            return day >= moved_on
        return teams.get(email or "") == "Data"

    events = [*_per_person_day(one, MONTH).items(), *_per_person_day(two, MONTH).items()]
    want = sum((t.spend_cents for (e, d), t in events if in_data(e, d)), ZERO)
    got = _status(engine, scope="team", scope_value="Data", measure="usage", provider="all")
    costs = _cloud(rows, one.members, LAST.replace(day=1), LAST)
    cloud_cents = sum(
        (
            c
            for (owner, tag, d), c in costs.items()
            if tag == "Data" or (not tag and in_data(owner, d))
        ),
        ZERO,
    )
    assert got.actual_cents == want + cloud_cents
    bill = _status(engine, scope="team", scope_value="Data", measure="bill")
    seats = sum(1 for e in [*_paid(one), *_paid(two)] if in_data(e, LAST))
    on_demand = sum((t.on_demand_cents for (e, d), t in events if in_data(e, d)), ZERO)
    assert (bill.seats, bill.actual_cents) == (seats, PRICE * 100 * seats + on_demand)


def test_a_persons_budget_counts_their_events_and_the_cloud_they_own(synced):
    engine, one, _two, rows = synced
    email = next(e for e in _paid(one) if _owner({"owner": e}, one.members) == e)
    events = _per_person_day(one, MONTH)
    costs = _cloud(rows, one.members, LAST.replace(day=1), LAST)
    owned = sum((c for (owner, _t, _d), c in costs.items() if owner == email), ZERO)
    got = _status(engine, scope="person", scope_value=email.upper(), provider="all", measure="bill")
    on_demand = sum((t.on_demand_cents for (e, _d), t in events.items() if e == email), ZERO)
    assert got.budget.scope_value == email
    assert (got.seats, got.actual_cents) == (1, PRICE * 100 + on_demand + owned)


def test_a_cycle_starting_inside_a_day_splits_its_events_at_the_instant(synced):
    """Cursor says the cycle started on the 10th at 17:23: the cycle's usage is the events from
    that instant on, and its end a month later; ``month`` keeps the calendar month."""
    engine, one, two, _rows = synced
    start = day_start_ms(date(2025, 11, 10)) + 17 * MS_PER_HOUR + 23 * 60_000
    with engine.begin() as conn:
        conn.execute(insert(tables.spend_snapshots).values(
            integration_id=1, taken_at_ms=NOW_MS, cycle_start=day_of(start), cycle_start_ms=start,
            email="x@acme.dev", spend_cents=ZERO, fast_premium_requests=0))  # fmt: skip
    got = _status(engine, scope="organization", measure="usage", period="cycle")
    truth = [gt.overall(team, start, NOW_MS) for team in (one, two)]
    assert (got.period.start_ms, got.period.known) == (start, True)
    assert got.period.end_ms == start + 30 * MS_PER_DAY  # 10 December, 17:23
    assert got.actual_cents == sum(t.spend_cents for t in truth)
    assert got.days_left == 17  # 24 November to 10 December
    month = _status(engine, scope="organization", measure="usage", period="month")
    assert month.actual_cents == sum(gt.overall(t, MONTH, NOW_MS).spend_cents for t in (one, two))
    assert (month.period.start_ms, month.period.known) == (MONTH, False)


@pytest.mark.sql_store
def test_a_cycles_cut_first_day_is_read_once_for_every_budget(synced):
    """Every budget of an evaluation counts the cycle's first day from its events (it starts at
    17:23): one read of that day's events serves them all (one more for its last day, cut too),
    and each budget's actual is still exact (was: two reads per budget, 0.7 s of one evaluation
    at 2M events and 50 budgets, benchmarks/alerts.py)."""
    engine, one, two, _rows = synced
    start = day_start_ms(date(2025, 11, 10)) + 17 * MS_PER_HOUR + 23 * 60_000
    email = _paid(one)[0]
    with engine.begin() as conn:
        conn.execute(insert(tables.spend_snapshots).values(
            integration_id=1, taken_at_ms=NOW_MS, cycle_start=day_of(start), cycle_start_ms=start,
            email="x@acme.dev", spend_cents=ZERO, fast_premium_requests=0))  # fmt: skip
        for measure in ("usage", "on_demand", "bill"):
            store.add(conn, {"name": measure, "amount_cents": "100000", "period": "cycle",
                             "scope": "organization", "measure": measure}, NOW_MS)  # fmt: skip
        store.add(conn, {"name": "p", "amount_cents": "100", "period": "cycle", "scope": "person",
                         "scope_value": email, "measure": "usage"}, NOW_MS)  # fmt: skip
    statements: list[str] = []

    def seen(_conn, _cursor, sql, *_rest):
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with snapshot(engine) as conn:
            got = budgets.statuses(conn, NOW_MS, Billing(PRICE))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert sum("FROM usage_events" in sql for sql in statements) == 2
    truth = [gt.overall(team, start, NOW_MS) for team in (one, two)]
    assert [s.actual_cents for s in got[:2]] == [
        sum(t.spend_cents for t in truth),
        sum(t.on_demand_cents for t in truth),
    ]
    person = gt.totals(one, start, NOW_MS, gt.by_user)[email]
    assert got[3].actual_cents == person.spend_cents


def test_the_forecast_is_the_actual_plus_the_basis_means_for_the_rest_of_the_period(synced):
    """The complete days end 72 hours after a day's end: the basis is the 28 days to the
    20th; what remains is 8 hours of today and six days."""
    engine, one, two, _rows = synced
    got = _status(engine, scope="organization", measure="usage", period="month")
    assert got.complete_through == date(2025, 11, 20)
    days: dict[date, Decimal] = defaultdict(Decimal)
    for team in (one, two):
        start = day_start_ms(date(2025, 10, 24))
        for (_e, day), t in _per_person_day(team, start).items():
            days[day] += t.spend_cents
    basis = [date(2025, 10, 24) + timedelta(days=i) for i in range(28)]
    weekdays = [days[d] for d in basis if d.weekday() < 5]
    weekends = [days[d] for d in basis if d.weekday() >= 5]
    assert got.forecast.weekday_cents == (sum(weekdays) / 20).quantize(Decimal("1e-6"))
    assert got.forecast.weekend_cents == (sum(weekends) / 8).quantize(Decimal("1e-6"))
    expected = (sum(weekdays) / 20) * (Decimal(1) / 3 + 4) + (sum(weekends) / 8) * 2
    assert abs(got.forecast_cents - got.actual_cents - expected) < Decimal("1e-5")


def test_a_synced_budgets_state_follows_its_amount(synced):
    """The same month's usage against four amounts: three times the forecast (ok), the
    forecast itself (a warning: the actual is past half of it), between the actual and the
    forecast (forecast over), the actual itself (over); the thresholds crossed are those at or
    below the actual's share of the amount."""
    engine, *_ = synced
    first = _status(engine, scope="organization", measure="usage", period="month")
    actual, forecast = first.actual_cents, first.forecast_cents
    assert actual * 2 > forecast > actual  # 24 of 30 days: past half, short of the end
    micro = Decimal("1e-6")  # an amount has at most 6 decimals of a cent
    top = forecast.quantize(micro, ROUND_CEILING)
    middle = ((actual + forecast) / 2).quantize(micro)
    amounts = {"ok": top * 3, "warning": top, "forecast_over": middle,
               "over": actual.quantize(micro, ROUND_FLOOR)}  # fmt: skip
    for state, amount in amounts.items():
        got = _status(engine, scope="organization", measure="usage", period="month",
                      amount_cents=str(amount))  # fmt: skip
        crossed = tuple(t for t in (50, 80, 100) if actual / amount * 100 >= t)
        assert (got.state, got.crossed) == (state, crossed)
        assert budgets.signals(got).forecast_over == (state == "forecast_over")
    assert amounts["ok"] * Decimal("0.5") > actual  # ok: no threshold crossed


def _fake(amount: str, actual: str, forecast: str, thresholds=(50, 80, 100)):
    budget = store.Budget(7, "b", "organization", None, "cursor", "month", "usage",
                          Decimal(amount), tuple(thresholds), 0)  # fmt: skip
    made = budgets.forecasting.Forecast(Decimal(actual), Decimal(forecast) - Decimal(actual),
                                        ZERO, ZERO, 28)  # fmt: skip
    period = budgets.cycles.month_of(NOW_MS)
    return budgets.Status(budget, period, Decimal(actual), Decimal(forecast), None, None, made,
                          None, LAST)  # fmt: skip


@pytest.mark.parametrize(
    ("actual", "forecast", "state", "crossed", "percent"),
    [
        ("4999.99", "9000", "ok", (), "50.0"),
        ("5000", "9000", "warning", (50,), "50.0"),
        ("8000", "10000", "warning", (50, 80), "80.0"),
        ("7000", "10000.01", "forecast_over", (50,), "70.0"),
        ("9999.99", "12000", "forecast_over", (50, 80), "100.0"),
        ("10000", "12000", "over", (50, 80, 100), "100.0"),
        ("12500", "12500", "over", (50, 80, 100), "125.0"),
    ],
)
def test_the_state_follows_the_actual_the_forecast_and_the_thresholds(
    actual, forecast, state, crossed, percent
):
    status = _fake("10000", actual, forecast)
    assert (status.state, status.crossed, str(status.percent_used)) == (state, crossed, percent)
    signals = budgets.signals(status)
    assert signals.crossings == tuple(budgets.Crossing(7, date(2025, 11, 1), t) for t in crossed)
    assert signals.forecast_over == (state == "forecast_over")


def test_without_cursor_a_budget_of_all_providers_counts_the_cloud_alone(engine, serve, tmp_path):
    """No Cursor integration: the cycle is the calendar month, the actual the month's US-dollar
    cloud bill, and the forecast's basis the cloud days stored."""
    team = serve(members=8, days=DAYS).sim.team
    bill = cloud.write(team, tmp_path / "bill.csv", FIRST, LAST)
    importer.import_file(engine, bill, source="aws", now_ms=NOW_MS)
    rows = list(cloud.rows(team, FIRST, LAST))
    got = _status(engine, scope="organization", measure="on_demand", provider="all")
    costs = _cloud(rows, team.members, LAST.replace(day=1), LAST)
    assert (got.period.start_ms, got.period.known) == (MONTH, False)
    assert got.actual_cents == sum(costs.values())
    assert (got.complete_through, got.forecast.basis_days) == (LAST - timedelta(days=1), 28)
    assert got.forecast_cents > got.actual_cents
    cursor_only = _status(engine, scope="organization", measure="on_demand")
    assert (cursor_only.actual_cents, cursor_only.forecast_cents) == (ZERO, ZERO)
