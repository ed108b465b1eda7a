"""POST /teams/daily-usage-data: row fields, exact counters, who appears with and without paging."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from pumpview.simulator import truth
from pumpview.simulator.events import INCLUDED, USAGE_BASED
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.simulator.calls import DAILY, post_json

RANGE = (NOW_MS - 7 * MS_PER_DAY, NOW_MS - 1)
ROW_KEYS = {
    "userId",
    "day",
    "date",
    "email",
    "isActive",
    "totalLinesAdded",
    "totalLinesDeleted",
    "acceptedLinesAdded",
    "acceptedLinesDeleted",
    "totalApplies",
    "totalAccepts",
    "totalRejects",
    "totalTabsShown",
    "totalTabsAccepted",
    "composerRequests",
    "chatRequests",
    "agentRequests",
    "cmdkUsages",
    "subscriptionIncludedReqs",
    "usageBasedReqs",
    "apiKeyReqs",
    "bugbotUsages",
    "mostUsedModel",
    "applyMostUsedExtension",
    "tabMostUsedExtension",
    "clientVersion",
}
COUNTERS = ROW_KEYS - {
    "userId",
    "day",
    "date",
    "email",
    "isActive",
    "mostUsedModel",
    "applyMostUsedExtension",
    "tabMostUsedExtension",
    "clientVersion",
}
PAGINATION_KEYS = {"page", "pageSize", "totalUsers", "totalPages", "hasNextPage", "hasPreviousPage"}


def daily(served, start=RANGE[0], end=RANGE[1], **paging):
    with served.client() as client:
        return post_json(client, DAILY, startDate=start, endDate=end, **paging)


def activity(sim, start, end):
    """Ground truth: the events of each (numeric userId, day) pair in the range."""
    ids = {m.index: m.numeric_id for m in sim.team.members if not m.is_service_account}
    out = defaultdict(list)
    for event in truth.visible_events(sim.team, start, end):
        if event.member in ids:
            out[ids[event.member], day_of(event.timestamp).isoformat()].append(event)
    return out


def days_between(start, end):
    first, last = day_of(start), day_of(end)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def test_unpaginated_envelope_is_data_and_period(shared):
    """Without paging the answer holds data and period (the echoed bounds) only."""
    body = daily(shared)
    assert set(body) == {"data", "period"}
    assert body["period"] == {"startDate": RANGE[0], "endDate": RANGE[1]}


def test_rows_carry_exactly_the_documented_keys(shared):
    """Every row has exactly the documented daily-usage fields."""
    rows = daily(shared)["data"]
    assert rows
    assert all(set(row) == ROW_KEYS for row in rows)


def test_counters_are_integers(shared):
    """Every counter, userId and date is a JSON integer, never a float or a boolean."""
    for row in daily(shared)["data"]:
        assert all(type(row[key]) is int for key in COUNTERS | {"userId", "date"})


def test_date_is_utc_midnight_of_day(shared):
    """date is the epoch ms of 00:00 UTC on the row's YYYY-MM-DD day."""
    for row in daily(shared)["data"]:
        assert row["date"] == day_start_ms(date.fromisoformat(row["day"]))
        assert row["date"] % MS_PER_DAY == 0


def test_unpaginated_rows_are_exactly_the_active_user_days(shared):
    """Without paging only (user, day) pairs with events appear, each once, all active."""
    rows = daily(shared)["data"]
    pairs = [(r["userId"], r["day"]) for r in rows]
    assert sorted(pairs) == sorted(activity(shared.sim, *RANGE))
    assert all(r["isActive"] for r in rows)


def test_request_counters_equal_counts_of_the_events(shared):
    """Included, usage-based and per-feature request counts equal the events of that user-day."""
    expected = {}
    for pair, events in activity(shared.sim, *RANGE).items():
        features = Counter(e.feature for e in events)
        expected[pair] = {
            "subscriptionIncludedReqs": sum(1 for e in events if e.kind == INCLUDED),
            "usageBasedReqs": sum(1 for e in events if e.kind == USAGE_BASED),
            "composerRequests": features["composer"],
            "chatRequests": features["chat"],
            "agentRequests": features["agent"],
            "cmdkUsages": features["cmdk"],
        }
    got = {
        (r["userId"], r["day"]): {key: r[key] for key in expected[r["userId"], r["day"]]}
        for r in daily(shared)["data"]
    }
    assert got == expected


def test_rows_name_the_roster_email(shared):
    """Each row's email is the member's roster email for its numeric userId."""
    emails = {m.numeric_id: m.email for m in shared.sim.team.members}
    assert all(r["email"] == emails[r["userId"]] for r in daily(shared)["data"])


def test_paginated_envelope_adds_pagination(shared):
    """With page and pageSize the answer adds pagination with totalUsers and totalPages."""
    body = daily(shared, page=1, pageSize=5)
    assert set(body) == {"data", "period", "pagination"}
    assert set(body["pagination"]) == PAGINATION_KEYS


def test_paging_needs_both_page_and_page_size(shared):
    """page alone does not turn pagination on."""
    assert "pagination" not in daily(shared, page=1)


def test_paginated_inactive_days_are_zero_rows(shared):
    """With paging, user-days without events come back with isActive false and zero counters."""
    active = activity(shared.sim, *RANGE)
    rows = daily(shared, page=1, pageSize=100)["data"]
    idle = [r for r in rows if (r["userId"], r["day"]) not in active]
    assert idle
    for row in idle:
        assert row["isActive"] is False
        assert all(row[key] == 0 for key in COUNTERS)
        assert row["mostUsedModel"] is None


def test_paginated_rows_cover_every_day_for_each_user(shared):
    """With paging each user has one row per calendar day of the range."""
    rows = daily(shared, page=1, pageSize=100)["data"]
    per_user = defaultdict(list)
    for row in rows:
        per_user[row["userId"]].append(row["day"])
    assert per_user
    assert all(sorted(d) == days_between(*RANGE) for d in per_user.values())


def test_paginated_active_rows_equal_unpaginated_rows(shared):
    """The active rows of the paged answer are exactly the unpaged answer's rows."""
    paged = [r for r in daily(shared, page=1, pageSize=100)["data"] if r["isActive"]]
    plain = daily(shared)["data"]
    key = lambda r: (r["userId"], r["day"])  # noqa: E731 - a sort key, read in place
    assert sorted(paged, key=key) == sorted(plain, key=key)


@pytest.mark.parametrize("offsets", [(0, 1), (15, 17)], ids=["first-days", "last-days"])
def test_paginated_users_are_those_with_a_membership_in_the_range(shared, offsets):
    """Members who joined after the range, or left before it, are not returned."""
    team = shared.sim.team
    start = day_start_ms(team.first_day + timedelta(days=offsets[0]))
    end = day_start_ms(team.first_day + timedelta(days=offsets[1])) - 1
    body = daily(shared, start, end, page=1, pageSize=100)
    people = [m for m in team.members if not m.is_service_account]
    expected = {
        m.numeric_id
        for m in people
        if m.active_from <= offsets[1] - 1
        and (m.active_until is None or m.active_until >= offsets[0])
    }
    assert expected != {m.numeric_id for m in people}
    assert {r["userId"] for r in body["data"]} == expected
    assert body["pagination"]["totalUsers"] == len(expected)


def test_user_pages_tile_the_users(shared):
    """Pages of 5 users hold disjoint users whose union is totalUsers, in totalPages pages."""
    first = daily(shared, page=1, pageSize=5)["pagination"]
    pages = [
        {r["userId"] for r in daily(shared, page=p, pageSize=5)["data"]}
        for p in range(1, first["totalPages"] + 1)
    ]
    assert first["totalPages"] == math.ceil(first["totalUsers"] / 5)
    assert sum(len(p) for p in pages) == first["totalUsers"]
    assert len(set().union(*pages)) == first["totalUsers"]
    assert [len(p) for p in pages[:-1]] == [5] * (len(pages) - 1)
