"""POST /teams/filtered-usage-events: envelope, event fields, inclusive bounds and paging."""

from __future__ import annotations

import math

import pytest

from pumpview import money
from pumpview.simulator import truth
from pumpview.simulator.events import MODELS, USAGE_BASED
from pumpview.timeutil import MS_PER_DAY
from tests.conftest import NOW_MS
from tests.simulator.calls import EVENTS, WINDOW, expected_events, page_through, post_json

PAGINATION_KEYS = {"numPages", "currentPage", "pageSize", "hasNextPage", "hasPreviousPage"}
EVENT_KEYS = {
    "timestamp",
    "userEmail",
    "serviceAccountId",
    "serviceAccountName",
    "cloudAgentId",
    "conversationId",
    "model",
    "kind",
    "maxMode",
    "requestsCosts",
    "isTokenBasedCall",
    "isChargeable",
    "isHeadless",
    "tokenUsage",
    "chargedCents",
    "cursorTokenFee",
}
ALWAYS = {"timestamp", "conversationId", "model", "kind", "maxMode", "isTokenBasedCall"}
TOKEN_KEYS = {"inputTokens", "outputTokens", "cacheWriteTokens", "cacheReadTokens", "totalCents"}
THIRD_PARTY = {m.name for m in MODELS if m.third_party}


def window_events(served):
    with served.client() as client:
        return post_json(client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], pageSize=1000)


def test_envelope_has_exactly_the_documented_keys(shared):
    """The answer holds totalUsageEventsCount, pagination, usageEvents and period, nothing else."""
    body = window_events(shared)
    assert set(body) == {"totalUsageEventsCount", "pagination", "usageEvents", "period"}


def test_pagination_has_exactly_the_documented_keys(shared):
    """pagination holds numPages, currentPage, pageSize, hasNextPage and hasPreviousPage."""
    assert set(window_events(shared)["pagination"]) == PAGINATION_KEYS


def test_period_echoes_the_requested_bounds(shared):
    """period repeats startDate and endDate exactly as sent."""
    assert window_events(shared)["period"] == {"startDate": WINDOW[0], "endDate": WINDOW[1]}


def test_omitted_dates_default_to_the_last_30_days(shared):
    """Without startDate and endDate the window is the 30 days ending now (an assumption)."""
    with shared.client() as client:
        body = post_json(client, EVENTS)
    assert body["period"] == {"startDate": NOW_MS - 30 * MS_PER_DAY, "endDate": NOW_MS}
    assert body["totalUsageEventsCount"] == len(
        truth.visible_events(shared.sim.team, NOW_MS - 30 * MS_PER_DAY, NOW_MS)
    )


def test_default_page_size_is_100(shared):
    """Without pageSize a page holds 100 events."""
    with shared.client() as client:
        body = post_json(client, EVENTS, startDate=0, endDate=NOW_MS)
    assert body["pagination"]["pageSize"] == 100
    assert body["totalUsageEventsCount"] > 100
    assert len(body["usageEvents"]) == 100


def test_timestamp_is_a_string_of_epoch_ms(shared):
    """Every timestamp is epoch milliseconds written as a string, inside the window."""
    events = window_events(shared)["usageEvents"]
    assert events
    for event in events:
        assert isinstance(event["timestamp"], str)
        assert WINDOW[0] <= int(event["timestamp"]) <= WINDOW[1]


def test_events_carry_only_documented_keys(shared):
    """No event has a key outside the documented field list, and the core fields are always set."""
    for event in window_events(shared)["usageEvents"]:
        assert set(event) <= EVENT_KEYS
        assert set(event) >= ALWAYS | {"isChargeable", "isHeadless", "chargedCents"}


def test_token_usage_present_exactly_on_token_based_calls(shared):
    """tokenUsage appears if and only if isTokenBasedCall is true."""
    events = window_events(shared)["usageEvents"]
    assert {e["isTokenBasedCall"] for e in events} == {True, False}
    assert all(("tokenUsage" in e) == e["isTokenBasedCall"] for e in events)


def test_token_usage_fields_are_integers_and_cents(shared):
    """Token counts are integers; totalCents is a number; discountPercentOff is optional."""
    for event in window_events(shared)["usageEvents"]:
        usage = event.get("tokenUsage")
        if usage is None:
            continue
        assert TOKEN_KEYS <= set(usage) <= TOKEN_KEYS | {"discountPercentOff"}
        assert all(type(usage[k]) is int for k in TOKEN_KEYS - {"totalCents"})
        assert not isinstance(usage["totalCents"], bool | str)


def test_cursor_token_fee_only_on_third_party_token_calls(shared):
    """cursorTokenFee is set exactly on token-based calls to third-party models."""
    events = window_events(shared)["usageEvents"]
    with_fee = [("cursorTokenFee" in e) for e in events]
    expected = [e["isTokenBasedCall"] and e["model"] in THIRD_PARTY for e in events]
    assert with_fee == expected
    assert any(expected)
    assert not all(expected)


def test_is_chargeable_means_usage_based(shared):
    """isChargeable is true exactly for the "Usage-based" kind."""
    events = window_events(shared)["usageEvents"]
    assert all(e["isChargeable"] == (e["kind"] == USAGE_BASED) for e in events)


def test_events_are_the_ground_truth_newest_first(shared):
    """One big page returns exactly the visible events of the window, newest first."""
    body = window_events(shared)
    expected = expected_events(shared.sim, *WINDOW)
    assert body["totalUsageEventsCount"] == len(expected)
    assert body["usageEvents"] == expected
    stamps = [int(e["timestamp"]) for e in body["usageEvents"]]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("page_size", [7, 100, 1000])
def test_pages_tile_the_window_exactly(shared, page_size):
    """Paging the window returns every ground-truth event once, in order: no repeat, no gap."""
    with shared.client() as client:
        events = page_through(client, *WINDOW, page_size)
    assert events == expected_events(shared.sim, *WINDOW)


@pytest.mark.parametrize("page_size", [7, 100, 1000])
def test_num_pages_is_total_over_page_size_rounded_up(shared, page_size):
    """numPages is ceil(total / pageSize) and total is the ground-truth count."""
    with shared.client() as client:
        body = post_json(client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], pageSize=page_size)
    total = len(truth.visible_events(shared.sim.team, *WINDOW))
    assert body["totalUsageEventsCount"] == total
    assert body["pagination"]["numPages"] == math.ceil(total / page_size)


def test_next_and_previous_flags_follow_the_page(shared):
    """hasPreviousPage is false only on page 1; hasNextPage is false only on the last page."""
    total = len(truth.visible_events(shared.sim.team, *WINDOW))
    size = 7
    last = math.ceil(total / size)
    flags = []
    with shared.client() as client:
        for page in (1, 2, last):
            body = post_json(
                client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], page=page, pageSize=size
            )
            pagination = body["pagination"]
            flags.append(
                (
                    pagination["currentPage"],
                    pagination["hasPreviousPage"],
                    pagination["hasNextPage"],
                )
            )
    assert flags == [(1, False, True), (2, True, True), (last, True, False)]


def test_a_page_past_the_end_is_empty(shared):
    """Asking for numPages + 1 answers 200 with no events and the same total."""
    with shared.client() as client:
        first = post_json(client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], pageSize=50)
        past = first["pagination"]["numPages"] + 1
        body = post_json(
            client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], page=past, pageSize=50
        )
    assert body["usageEvents"] == []
    assert body["totalUsageEventsCount"] == first["totalUsageEventsCount"]
    assert body["pagination"]["currentPage"] == past
    assert body["pagination"]["hasNextPage"] is False


def test_bounds_are_inclusive_to_the_millisecond(shared):
    """A window [t, t] returns exactly the events stamped t."""
    stamp = truth.visible_events(shared.sim.team, *WINDOW)[10].timestamp
    with shared.client() as client:
        body = post_json(client, EVENTS, startDate=stamp, endDate=stamp)
    assert body["usageEvents"] == expected_events(shared.sim, stamp, stamp)
    assert body["totalUsageEventsCount"] >= 1


@pytest.mark.parametrize("shift", [0, 1])
def test_boundary_event_lands_in_exactly_one_adjacent_window(shared, shift):
    """With windows [a, b] and [b + 1, c], an event stamped on b or on b + 1 is returned once."""
    event = truth.visible_events(shared.sim.team, *WINDOW)[20]
    edge = event.timestamp - shift  # the event sits on b (shift 0) or on b + 1 (shift 1)
    with shared.client() as client:
        older = page_through(client, WINDOW[0], edge, 1000)
        newer = page_through(client, edge + 1, WINDOW[1], 1000)
    wanted = money.loads(event.json)
    assert (older.count(wanted), newer.count(wanted)) == ((1, 0) if shift == 0 else (0, 1))
    assert newer + older == expected_events(shared.sim, *WINDOW)


def test_email_filter_matches_case_insensitively(shared):
    """Filtering by a roster email also returns that person's events sent in upper case."""
    member = next(m for m in shared.sim.team.members if m.event_email not in (None, m.email))
    with shared.client() as client:
        body = post_json(client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], email=member.email)
    expected = [
        money.loads(e.json)
        for e in truth.visible_events(shared.sim.team, *WINDOW)
        if truth.by_user(e) == member.email
    ]
    assert expected
    assert {e["userEmail"] for e in body["usageEvents"]} == {member.event_email}
    assert body["usageEvents"] == expected


def test_service_account_filter_returns_only_its_events(shared):
    """Filtering by serviceAccountId returns exactly that account's events."""
    account = next(m for m in shared.sim.team.members if m.is_service_account)
    with shared.client() as client:
        body = post_json(
            client,
            EVENTS,
            startDate=0,
            endDate=NOW_MS,
            pageSize=1000,
            serviceAccountId=account.service_account_id,
        )
    expected = [
        e for e in truth.visible_events(shared.sim.team, 0, NOW_MS) if e.member == account.index
    ]
    assert expected
    assert body["totalUsageEventsCount"] == len(expected)
    assert {e["serviceAccountId"] for e in body["usageEvents"]} == {account.service_account_id}


@pytest.mark.parametrize(
    "hosting", ["CLOUD", "SELF_HOSTED", "SELF_HOSTED_POOL", "SELF_HOSTED_MACHINE"]
)
def test_documented_hosting_types_are_accepted(shared, hosting):
    """Each documented hostingType is a valid filter value."""
    with shared.client() as client:
        response = client.post(EVENTS, json={"hostingType": hosting})
    assert response.status_code == 200
