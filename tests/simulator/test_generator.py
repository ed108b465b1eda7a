"""The seeded generator: determinism, exact money, and the awkward cases the data must contain."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview.simulator import SimConfig
from pumpview.simulator.data import Team
from pumpview.simulator.events import ABORTED, ERRORED, INCLUDED, USAGE_BASED
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.simulator.calls import EVENTS, expected_events, page_through, post_json


def small(seed=1, **fields):
    fields.setdefault("members", 6)
    return Team(SimConfig(seed=seed, now_ms=NOW_MS, days=5, **fields))


def history(team):
    return [e.json for e in team.events_between(0, NOW_MS)]


@pytest.fixture(scope="module")
def everything(shared):
    """Every visible event of the shared simulator's 20 days, read over HTTP."""
    with shared.client() as client:
        return page_through(client, 0, NOW_MS, 1000)


def test_same_seed_gives_the_same_team_and_events():
    """Two teams built from the same seed have identical members and identical event JSON."""
    first, second = small(), small()
    assert first.members == second.members
    assert history(first)
    assert history(first) == history(second)


def test_another_seed_gives_other_data():
    """A different seed gives different events."""
    assert history(small(seed=1)) != history(small(seed=2))


def test_day_total_counts_without_changing_the_events():
    """A day's total, drawn before its events exist, equals the number of events generated."""
    team = small()
    day = day_of(NOW_MS) - timedelta(days=1)
    total = team.day_total(day)
    assert total == len(team.day_events(day)) > 0


def test_days_are_independent_of_generation_order():
    """A day generated first or last has the same events (each day is its own seeded draw)."""
    forward, backward = small(), small()
    days = [day_of(NOW_MS) - timedelta(days=i) for i in range(5)]
    first = [[e.json for e in forward.day_events(d)] for d in days]
    last = [[e.json for e in backward.day_events(d)] for d in reversed(days)]
    assert first == list(reversed(last))


def test_prepare_ahead_serves_the_very_same_events():
    """Days generated on the background thread equal days generated on demand."""
    plain, ahead = small(), small(prepare_ahead=True)
    days = [day_of(NOW_MS) - timedelta(days=i) for i in range(5)]  # newest first, as a backfill
    assert [[e.json for e in ahead.day_events(d)] for d in days] == [
        [e.json for e in plain.day_events(d)] for d in days
    ]


def test_prepare_ahead_never_keeps_a_day_that_missed_an_arrival():
    """An arrival that lands while its day is being prepared is in that day when it is read.

    300 members make a day take tens of milliseconds to generate, so the arrival lands while the
    background thread is at it (the narrower race, between reading the arrivals and caching the
    day, is closed by a per-day version the test cannot time)."""
    plain, ahead = small(members=300), small(members=300, prepare_ahead=True)
    today = day_of(NOW_MS)
    start = day_start_ms(today - timedelta(days=1))
    for team in (plain, ahead):
        team.day_events(today)  # on ``ahead``, starts preparing yesterday
        team.add_arrivals(start, start + MS_PER_DAY - 1, 3)
    yesterday = [e.json for e in ahead.day_events(today - timedelta(days=1))]
    assert yesterday == [e.json for e in plain.day_events(today - timedelta(days=1))]
    assert len(yesterday) == plain.day_total(today - timedelta(days=1))


def test_every_event_lies_on_its_own_day():
    """Each generated day's events are stamped inside that UTC day."""
    team = small()
    for offset in range(5):
        day = team.first_day + timedelta(days=offset)
        assert all(day_of(e.timestamp) == day for e in team.day_events(day))


def test_late_evening_event_stays_inside_its_day_window(serve):
    """Regression: a draw in a day's last second once spilled past midnight (seed 3, 2024-12-27)."""
    served = serve(seed=3, members=21, days=365)
    start = day_start_ms(date(2024, 12, 27))
    end = start + MS_PER_DAY - 1
    with served.client() as client:
        events = page_through(client, start, end, 1000)
        nxt = post_json(client, EVENTS, startDate=end + 1, endDate=end + MS_PER_DAY)
    assert events == expected_events(served.sim, start, end)
    assert all(start <= int(e["timestamp"]) <= end for e in events)
    assert nxt["totalUsageEventsCount"] == len(
        expected_events(served.sim, end + 1, end + MS_PER_DAY)
    )


def test_charged_cents_is_discounted_total_plus_token_fee(everything):
    """Token calls: chargedCents == totalCents * (100 - discount) / 100 + cursorTokenFee exactly."""
    token_calls = [e for e in everything if e["isTokenBasedCall"]]
    assert token_calls
    for event in token_calls:
        usage = event["tokenUsage"]
        discount = usage.get("discountPercentOff", 0)
        fee = event.get("cursorTokenFee", Decimal(0))
        assert event["chargedCents"] == usage["totalCents"] * (100 - discount) / 100 + fee


def test_not_charged_kinds_charge_nothing(everything):
    """Errored and aborted events carry chargedCents 0 and are not chargeable."""
    failed = [e for e in everything if e["kind"] in (ERRORED, ABORTED)]
    assert failed
    assert all(e["chargedCents"] == 0 and e["isChargeable"] is False for e in failed)


def test_data_contains_true_duplicates(everything):
    """Some events occur twice with identical JSON: distinct upstream events, not a paging bug."""
    counts = Counter(json.dumps(e, sort_keys=True, default=str) for e in everything)
    assert max(counts.values()) >= 2


def test_data_contains_float_noise_in_total_cents(everything):
    """Some totalCents carry raw float noise: more than five decimals."""
    noisy = [
        e
        for e in everything
        if e["isTokenBasedCall"]
        and isinstance(e["tokenUsage"]["totalCents"], Decimal)
        and -e["tokenUsage"]["totalCents"].as_tuple().exponent > 5
    ]
    assert noisy


def test_data_contains_events_without_user_email(everything):
    """Events of the omitted removed member carry no userEmail."""
    assert any("userEmail" not in e for e in everything)


def test_data_contains_service_account_events(everything):
    """Service-account events carry serviceAccountId, serviceAccountName and a pseudo email."""
    accounts = [e for e in everything if "serviceAccountId" in e]
    assert accounts
    assert all(e["serviceAccountId"].startswith("sa_") for e in accounts)
    assert all("serviceAccountName" in e and "userEmail" in e for e in accounts)


def test_data_contains_an_email_in_other_case(everything, shared):
    """One member's events carry their email in upper case, unlike the roster."""
    roster = {m.email for m in shared.sim.team.members if m.listed}
    emails = {e["userEmail"] for e in everything if "userEmail" in e}
    assert any(email not in roster and email.lower() in roster for email in emails)


def test_data_contains_all_four_kinds(everything):
    """Included, usage-based, errored and aborted events all occur."""
    assert {e["kind"] for e in everything} == {INCLUDED, USAGE_BASED, ERRORED, ABORTED}


def test_data_contains_discounts(everything):
    """Some token calls carry a discountPercentOff."""
    assert any("discountPercentOff" in e.get("tokenUsage", {}) for e in everything)


def test_data_contains_max_mode_and_normal_calls(everything):
    """maxMode is true on some events and false on others."""
    assert {e["maxMode"] for e in everything} == {True, False}


def test_data_contains_errored_events_without_request_costs(everything):
    """Some not-charged events omit requestsCosts, as observed upstream."""
    assert any("requestsCosts" not in e for e in everything if e["kind"] in (ERRORED, ABORTED))
