"""The old-API switch: 2025 behaviour of keys, usage events and spend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pumpview import money
from pumpview.simulator import DEMO_KEY, DEMO_LEGACY_KEY, SimConfig, create_simulator
from pumpview.simulator.server import serve_in_thread
from tests.conftest import NOW_MS, Served
from tests.simulator.calls import EVENTS, SPEND, WINDOW, expected_events, get_json, post_json

NEW_ONLY = {"chargedCents", "isChargeable", "isHeadless"}


@pytest.fixture(scope="module")
def old() -> Iterator[Served]:
    """One old-API simulator over the default test team, shared by this module's read tests."""
    config = SimConfig(now_ms=NOW_MS, members=12, days=20, rate_limits=False, old_api=True)
    app = create_simulator(config)
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)


def test_crsr_key_is_rejected(old):
    """The old API knows only `key_` keys; a valid `crsr_` key is answered 401."""
    with old.client(key=DEMO_KEY) as client:
        response = client.get("/teams/members")
    assert response.status_code == 401
    assert money.loads(response.text) == {"error": "Unauthorized", "message": "Invalid API key"}


def test_key_prefix_key_is_accepted(old):
    """A `key_` key reads the old API."""
    with old.client(key=DEMO_LEGACY_KEY) as client:
        assert client.get("/teams/members").status_code == 200


def test_default_page_size_is_10(old):
    """Without pageSize the old API returns pages of 10 events."""
    with old.client(key=DEMO_LEGACY_KEY) as client:
        body = post_json(client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1])
    assert body["pagination"]["pageSize"] == 10
    assert len(body["usageEvents"]) == 10
    assert body["usageEvents"] == expected_events(old.sim, *WINDOW)[:10]


def test_events_lack_charged_cents_chargeable_and_headless(old):
    """Old events carry no chargedCents, isChargeable or isHeadless."""
    with old.client(key=DEMO_LEGACY_KEY) as client:
        body = post_json(client, EVENTS, startDate=WINDOW[0], endDate=WINDOW[1], pageSize=1000)
    assert body["usageEvents"]
    assert all(not NEW_ONLY & set(e) for e in body["usageEvents"])


def test_member_ids_are_numbers(old):
    """Old roster ids are the internal numeric ids."""
    with old.client(key=DEMO_LEGACY_KEY) as client:
        rows = get_json(client, "/teams/members")["teamMembers"]
    numeric = {m.email: m.numeric_id for m in old.sim.team.members}
    assert {r["email"]: r["id"] for r in rows} == {r["email"]: numeric[r["email"]] for r in rows}


def test_spend_rows_lack_the_2026_fields(old):
    """Old spend rows have no overallSpendCents, monthlyLimitDollars or effective limit."""
    with old.client(key=DEMO_LEGACY_KEY) as client:
        rows = post_json(client, SPEND)["teamMemberSpend"]
    assert rows
    assert all(
        not {"overallSpendCents", "monthlyLimitDollars", "effectivePerUserLimitDollars"} & set(r)
        for r in rows
    )


def test_spend_cents_is_the_cycle_total(old, shared):
    """Old spendCents is the whole cycle's spend: the new API's overallSpendCents, same team."""
    with old.client(key=DEMO_LEGACY_KEY) as client:
        rows = post_json(client, SPEND)["teamMemberSpend"]
    with shared.client() as client:
        new_rows = post_json(client, SPEND)["teamMemberSpend"]
    overall = {r["email"]: r["overallSpendCents"] for r in new_rows}
    assert any(r["spendCents"] for r in rows)
    assert {r["email"]: r["spendCents"] for r in rows} == overall
