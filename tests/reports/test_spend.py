"""AI and cloud spend per person, team and provider, against ground truth kept apart from the
product: Cursor's from the simulator's events, the cloud's from the simulated bill's own cells,
teams from the simulator's billing groups, and a team move that splits spend on its day."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview.exports.focus import export as focus_export
from pumpview.integrations.focus import importer
from pumpview.people.membership import Membership
from pumpview.reports import attribution, providers, spend
from pumpview.reports.seats import SeatPlan
from pumpview.simulator import cloud
from pumpview.simulator import truth as gt
from pumpview.simulator.roster import Member
from pumpview.simulator.routes import GROUP_NAMES
from pumpview.store import directory
from pumpview.store.engine import snapshot
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.reports.test_usage import DAYS, _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

LAST = day_of(NOW_MS)
FIRST = LAST - timedelta(days=DAYS - 1)
ZERO = Decimal(0)


@pytest.fixture
def store(engine, serve, tmp_path):
    """Cursor synced from the simulator and the team's cloud bill imported; the simulator's
    team for the ground truth."""
    served = serve(members=8, days=DAYS, now_ms=NOW_MS)
    _sync(engine, served)
    team = served.sim.team
    bill = cloud.write(team, tmp_path / "bill.csv", FIRST, LAST)
    importer.import_file(engine, bill, source="aws", now_ms=NOW_MS)
    return engine, team, list(cloud.rows(team, FIRST, LAST))


def _owner(tags: dict[str, str], members: list[Member]) -> str | None:
    """Whose cost a bill row is, read the way a person would: an email in any case or its
    label spelling names a member; a first name names no one (not mapped)."""
    value = tags.get("owner") or tags.get("user:Owner")
    if value is None:
        return None
    for m in members:
        if value.lower() in (m.email.lower(), m.email.lower().replace("@", "_").replace(".", "_")):
            return m.email.lower()
    return f"tag:{value}"


def _team_of(members: list[Member]) -> dict[str, str]:
    return {
        m.email.lower(): GROUP_NAMES[m.group]
        for m in members
        if m.listed and not m.is_removed and m.group is not None
    }


def _cursor(team, first: date, last: date) -> dict[str | None, Decimal]:
    start, end = day_start_ms(first), day_start_ms(last) + MS_PER_DAY - 1
    return {k: t.spend_cents for k, t in gt.totals(team, start, end, gt.by_user).items()}


def _cloud(rows, members, first: date, last: date):
    """(owner, team tag) -> Σ EffectiveCost of the rows charged in [first, last]."""
    out: dict[tuple[str | None, str | None], Decimal] = defaultdict(Decimal)
    for row in rows:
        day = date.fromisoformat(row["ChargePeriodStart"][:10])
        if first <= day <= last:
            tags = json.loads(row["Tags"]) if row["Tags"] else {}
            out[(_owner(tags, members), tags.get("team"))] += Decimal(row["EffectiveCost"])
    return out


def test_people_get_their_cursor_spend_and_the_cloud_they_own_and_the_rest_is_untagged(store):
    engine, team, rows = store
    cursor = _cursor(team, FIRST, LAST)
    owned = _cloud(rows, team.members, FIRST, LAST)
    teams = _team_of(team.members)
    with snapshot(engine) as conn:
        got = spend.people(conn, spend.scope(conn))
    by_email = {r.email: r for r in got if r.email}
    for email, cents in cursor.items():
        if email is None:
            continue
        row = by_email[email]
        assert row.cursor_spend_cents == cents
        assert row.cloud_effective_cost == owned.get((email, None), ZERO)
        assert (row.currency, row.team, row.linked) == ("USD", teams.get(email), True)
    unlinked = {
        r.person: r.cloud_effective_cost for r in got if not r.linked and r.person != "untagged"
    }
    assert unlinked == {k[4:]: v for (k, _t), v in owned.items() if k and k.startswith("tag:")}
    untagged = got[-1]
    assert untagged.person == attribution.UNTAGGED
    assert untagged.cursor_spend_cents == cursor.get(None, ZERO)
    assert untagged.cloud_effective_cost == sum(v for (k, _t), v in owned.items() if k is None)
    assert sum(r.cloud_effective_cost for r in got) == sum(owned.values())
    assert sum(r.cursor_spend_cents for r in got) == sum(cursor.values())


def test_teams_hold_their_members_and_their_team_tagged_costs_and_a_move_splits_on_its_day(store):
    engine, team, rows = store
    teams = _team_of(team.members)
    mover = next(e for e, t in sorted(teams.items()) if t != "Data")
    old = teams[mover]
    moved_on = FIRST + timedelta(days=17)
    with engine.begin() as conn:
        people = directory.load(conn)
        person = next(p for p in people.values() if p.email == mover)
        directory.join_team(conn, person, Membership("Data", moved_on, None, "admin"))
    first, last = FIRST + timedelta(days=3), LAST - timedelta(days=2)  # the move inside
    before = (first, moved_on - timedelta(days=1))
    after = (moved_on, last)

    want_cursor: dict[str, Decimal] = defaultdict(Decimal)
    want_cloud: dict[str, Decimal] = defaultdict(Decimal)
    want_ownerless: dict[str, Decimal] = defaultdict(Decimal)
    for a, b in (before, after):
        for email, cents in _cursor(team, a, b).items():
            name = (
                "Data" if email == mover and a == moved_on else teams.get(email or "", "untagged")
            )
            want_cursor[name] += cents
        for (owner, tag), cost in _cloud(rows, team.members, a, b).items():
            if tag:
                name = tag
            elif owner == mover:
                name = "Data" if a == moved_on else old
            else:
                name = teams.get(owner or "", "untagged")
            want_cloud[name] += cost
            if owner is None:
                want_ownerless[name] += cost

    with snapshot(engine) as conn:
        got = {r.team: r for r in spend.teams(conn, spend.scope(conn, first, last))}
    assert set(got) == set(want_cursor) | set(want_cloud)
    for name, row in got.items():
        assert row.cursor_spend_cents == want_cursor[name], name
        assert row.cloud_effective_cost == want_cloud[name], name
        assert row.untagged_cloud_cost == want_ownerless[name], name
    assert got["Data"].members == 1 + sum(1 for t in teams.values() if t == "Data")
    assert got[old].members == sum(1 for t in teams.values() if t == old)  # still there before


def test_providers_put_cursor_beside_the_cloud_per_service(store):
    engine, team, rows = store
    start, end = day_start_ms(FIRST), day_start_ms(LAST) + MS_PER_DAY - 1
    events = gt.visible_events(team, start, end)
    on_demand = sum((e.cost_cents(old_api=False) for e in events if e.chargeable), ZERO)
    per_service: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        per_service[row["ServiceName"]] += Decimal(row["BilledCost"])
    with snapshot(engine) as conn:
        where = spend.scope(conn)
        by_provider = {r.provider: r for r in providers.providers(conn, where)}
        by_service = {
            (r.provider, r.service): r for r in providers.providers(conn, where, by_service=True)
        }
    assert (
        by_provider["Cursor"].billed_cost == by_provider["Cursor"].effective_cost == on_demand / 100
    )
    assert by_provider["AWS"].billed_cost == sum(per_service.values())
    assert {s: r.billed_cost for (p, s), r in by_service.items() if p == "AWS"} == per_service
    assert by_service[("Cursor", "Cursor AI Usage")].billed_cost == on_demand / 100


@pytest.mark.parametrize("plan", [None, SeatPlan(Decimal(40), "Business")])
def test_cursors_provider_row_is_what_the_focus_export_writes(store, plan, tmp_path):
    """The report's Cursor row and the export's file agree to the last decimal, seats or not;
    its list price is the simulator's, event by event."""
    engine, team, _rows = store
    first, last = FIRST + timedelta(days=3), LAST - timedelta(days=2)
    start, end = day_start_ms(first), day_start_ms(last) + MS_PER_DAY - 1
    truth = gt.overall(team, start, end)
    with snapshot(engine) as conn:
        where = spend.scope(conn, first, last)
        (row,) = [r for r in providers.providers(conn, where, plan=plan) if r.provider == "Cursor"]
        services = {
            r.service: r for r in providers.providers(conn, where, by_service=True, plan=plan)
        }
    request = focus_export.ExportRequest(since=first, until=last, seats=plan)
    file = focus_export.export(engine, tmp_path / "cursor.csv", "csv", request, b"k" * 32,
                               now_ms=NOW_MS).totals  # fmt: skip
    assert (row.billed_cost, row.effective_cost, row.list_cost) == (
        file.billed, file.effective, file.list,
    )  # fmt: skip
    seats = Decimal(0) if plan is None else file.billed - truth.on_demand_cents / 100
    assert row.list_cost == truth.list_cents / 100 + seats
    assert (seats > 0) is (plan is not None)
    if plan is not None:
        assert services["Cursor"].billed_cost == seats
        assert services["Cursor AI Usage"].billed_cost == truth.on_demand_cents / 100


def test_a_team_whose_members_spent_nothing_is_a_row_at_zero(store):
    engine, _team, _rows = store
    with engine.begin() as conn:
        person_id = directory.add_person(conn, "new@acme.dev", "New Hire", "admin", NOW_MS)
        person = directory.load(conn)[person_id]
        directory.join_team(conn, person, Membership("Design", None, None, "admin"))
    with snapshot(engine) as conn:
        got = {r.team: r for r in spend.teams(conn, spend.scope(conn))}
    assert got["Design"] == spend.TeamRow("Design", 1, ZERO, ZERO, ZERO, "USD")
