"""POST /teams/spend: the open cycle's spend per member, reconciled with the usage events."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pumpview.simulator import SimConfig, create_simulator
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import MS_PER_HOUR, to_ms
from tests.conftest import NOW_MS, Served
from tests.simulator.calls import SPEND, get_json, page_through, post_json

CYCLE_START = to_ms(datetime(2025, 11, 1, 17, 23, tzinfo=UTC))
"""The cycle containing the fixed present (2025-11-24) when cycles start on the 1st at 17:23."""
ROW_KEYS = {
    "userId",
    "spendCents",
    "overallSpendCents",
    "fastPremiumRequests",
    "name",
    "email",
    "role",
    "hardLimitOverrideDollars",
    "monthlyLimitDollars",
    "effectivePerUserLimitDollars",
}


@pytest.fixture(scope="module")
def unlagged() -> Iterator[Served]:
    """The default team with hourly_lag off, so the usage feed reaches the present like spend."""
    config = SimConfig(now_ms=NOW_MS, members=12, days=20, rate_limits=False, hourly_lag=False)
    app = create_simulator(config)
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)


def spend(served, **body):
    with served.client() as client:
        return post_json(client, SPEND, **body)


def listed(sim):
    return [m for m in sim.team.members if m.listed]


def test_envelope_has_exactly_the_documented_keys(shared):
    """The answer holds teamMemberSpend, subscriptionCycleStart, totalMembers and totalPages."""
    assert set(spend(shared)) == {
        "teamMemberSpend",
        "subscriptionCycleStart",
        "totalMembers",
        "totalPages",
    }


def test_rows_carry_exactly_the_documented_keys(shared):
    """Every row has exactly the documented spend fields."""
    rows = spend(shared)["teamMemberSpend"]
    assert rows
    assert all(set(row) == ROW_KEYS for row in rows)


def test_cycle_start_is_the_anchor_day_at_the_anchor_time(shared):
    """subscriptionCycleStart is epoch ms of the current cycle's start: its first day at the
    anchor time (17:23 UTC by default), not midnight."""
    assert spend(shared)["subscriptionCycleStart"] == CYCLE_START


def test_cycle_anchor_day_moves_the_cycle_start(serve):
    """With cycles starting on the 25th, the 24 November cycle began on 25 October."""
    served = serve(cycle_anchor_day=25, days=3)
    expected = to_ms(datetime(2025, 10, 25, 17, 23, tzinfo=UTC))
    assert spend(served)["subscriptionCycleStart"] == expected


def test_rows_are_the_roster(shared):
    """One row per listed member, with the roster's user id, name, email and role."""
    body = spend(shared)
    with shared.client() as client:
        roster = get_json(client, "/teams/members")["teamMembers"]
    got = sorted((r["userId"], r["name"], r["email"], r["role"]) for r in body["teamMemberSpend"])
    assert got == sorted((m["id"], m["name"], m["email"], m["role"]) for m in roster)
    assert body["totalMembers"] == len(roster)


def test_spend_equals_the_cycle_events_charged_cents(unlagged):
    """spendCents sums chargeable chargedCents and overallSpendCents all chargedCents, per email."""
    with unlagged.client() as client:
        events = page_through(client, CYCLE_START, NOW_MS, 1000)
    on_demand, overall = defaultdict(Decimal), defaultdict(Decimal)
    for event in events:
        email = event.get("userEmail", "").lower()
        overall[email] += event["chargedCents"]
        if event["isChargeable"]:
            on_demand[email] += event["chargedCents"]
    rows = spend(unlagged)["teamMemberSpend"]
    assert any(r["spendCents"] for r in rows)
    assert {r["email"]: r["spendCents"] for r in rows} == {
        r["email"]: on_demand[r["email"].lower()] for r in rows
    }
    assert {r["email"]: r["overallSpendCents"] for r in rows} == {
        r["email"]: overall[r["email"].lower()] for r in rows
    }


def test_fast_premium_requests_count_chargeable_events(unlagged):
    """fastPremiumRequests counts the member's usage-based events in the cycle."""
    with unlagged.client() as client:
        events = page_through(client, CYCLE_START, NOW_MS, 1000)
    counts = defaultdict(int)
    for event in events:
        if event["isChargeable"]:
            counts[event.get("userEmail", "").lower()] += 1
    rows = spend(unlagged)["teamMemberSpend"]
    assert {r["email"]: r["fastPremiumRequests"] for r in rows} == {
        r["email"]: counts[r["email"].lower()] for r in rows
    }


def test_spend_includes_events_of_the_current_hour(serve):
    """Spend is the live ledger: events of the still-open hour count although events hide them."""
    now = NOW_MS + 40 * 60_000
    served = serve(now_ms=now)
    team = served.sim.team
    hidden = team.events_between(now - now % MS_PER_HOUR, now)
    assert hidden
    overall = defaultdict(Decimal)
    for event in team.events_between(CYCLE_START, now):
        overall[team.members[event.member].email] += event.charged_cents
    rows = spend(served)["teamMemberSpend"]
    assert {r["email"]: r["overallSpendCents"] for r in rows} == {
        r["email"]: overall[r["email"]] for r in rows
    }


def test_pages_tile_the_members(shared):
    """Pages of 4 rows are disjoint, cover every member and number ceil(members / 4)."""
    first = spend(shared, pageSize=4)
    pages = [
        [r["email"] for r in spend(shared, page=p, pageSize=4)["teamMemberSpend"]]
        for p in range(1, first["totalPages"] + 1)
    ]
    emails = [e for page in pages for e in page]
    assert first["totalPages"] == math.ceil(len(listed(shared.sim)) / 4)
    assert sorted(emails) == sorted(m.email for m in listed(shared.sim))


def test_default_page_size_is_100(serve):
    """Without pageSize a page holds 100 members (an assumption; undocumented upstream)."""
    served = serve(members=120, days=1)
    body = spend(served)
    assert len(body["teamMemberSpend"]) == 100
    assert body["totalMembers"] == len(listed(served.sim))
    assert body["totalPages"] == math.ceil(len(listed(served.sim)) / 100)


def test_spend_page_size_sets_the_default(serve):
    """spend_page_size changes the default page size."""
    served = serve(spend_page_size=3, days=1)
    body = spend(served)
    assert len(body["teamMemberSpend"]) == 3
    assert body["totalPages"] == math.ceil(len(listed(served.sim)) / 3)


def test_search_term_matches_names_and_emails_case_insensitively(shared):
    """searchTerm keeps the members whose name or email contains it, ignoring case."""
    term = listed(shared.sim)[2].name.split()[0].upper()
    rows = spend(shared, searchTerm=term)["teamMemberSpend"]
    expected = {
        m.email
        for m in listed(shared.sim)
        if term.lower() in m.name.lower() or term.lower() in m.email.lower()
    }
    assert {r["email"] for r in rows} == expected


def test_sort_by_amount_ascending(shared):
    """sortBy amount with sortDirection asc orders rows by spendCents, smallest first."""
    rows = spend(shared, sortBy="amount", sortDirection="asc")["teamMemberSpend"]
    amounts = [r["spendCents"] for r in rows]
    assert amounts == sorted(amounts)
    assert amounts[0] < amounts[-1]
