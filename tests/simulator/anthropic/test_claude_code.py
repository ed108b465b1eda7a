"""The claude_code report: record shape, parameters, paging, and sums equal to ground truth."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal

import pytest

from pumpview.simulator.anthropic.truth import claude_code_truth
from tests.simulator.anthropic.calls import (
    CLAUDE_CODE,
    NOW,
    TODAY,
    all_records,
    error_of,
    get_json,
    summed,
)

DAYS = [TODAY - timedelta(days=n) for n in (0, 1, 2, 3, 9, 29)]
"""Today (partial), a quiet weekend, busy weekdays, and the first generated day."""
TOOLS = {"edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool"}
EMPTY = {"data": [], "has_more": False, "next_page": None}


def test_a_record_has_exactly_the_documented_fields(anthropic):
    """Each record has §3.3's fields and types: RFC 3339 date, api customer, integer cents."""
    org_id = anthropic.sim.config.organization_id
    with anthropic.client() as client:
        records = all_records(client, TODAY - timedelta(days=3))
    assert records
    for record in records:
        assert set(record) == {
            "date", "actor", "organization_id", "customer_type", "subscription_type",
            "terminal_type", "core_metrics", "tool_actions", "model_breakdown",
        }  # fmt: skip
        assert record["date"] == "2026-12-04T00:00:00Z"
        assert record["organization_id"] == org_id
        assert (record["customer_type"], record["subscription_type"]) == ("api", None)
        assert set(record["core_metrics"]) == {
            "num_sessions", "lines_of_code", "commits_by_claude_code",
            "pull_requests_by_claude_code",
        }  # fmt: skip
        assert set(record["tool_actions"]) == TOOLS
        assert record["model_breakdown"]
        for use in record["model_breakdown"]:
            assert set(use["tokens"]) == {"input", "output", "cache_read", "cache_creation"}
            assert use["estimated_cost"]["currency"] == "USD"
            assert isinstance(use["estimated_cost"]["amount"], int)


def test_records_mix_user_and_api_actors(anthropic):
    """Users appear by email (one in upper case), keys by name (the CI bot among them)."""
    seen = set()
    with anthropic.client() as client:
        for day in DAYS[1:4]:
            seen |= {tuple(sorted(r["actor"].items())) for r in all_records(client, day)}
    kinds = {dict(a)["type"] for a in seen}
    assert kinds == {"user_actor", "api_actor"}
    names = {dict(a).get("api_key_name") for a in seen}
    assert "ci-claude-code-bot" in names
    emails = {dict(a).get("email_address") or "" for a in seen}
    assert "RIN.SATO@ACME.DEV" in emails


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_records_sum_to_ground_truth(anthropic, day):
    """Tokens, estimated cents and activity per (identity, model) equal claude_code_truth."""
    with anthropic.client() as client:
        records = all_records(client, day)
    assert summed(records) == claude_code_truth(anthropic.sim.org, day)


def test_limit_two_walks_every_record_once(anthropic):
    """Paging two at a time yields the same records, in the same order, as one big page."""
    day = TODAY - timedelta(days=1 + 2)
    with anthropic.client() as client:
        whole = get_json(client, CLAUDE_CODE, starting_at=day.isoformat(), limit=1000)
        paged = all_records(client, day, limit=2)
    assert not whole["has_more"]
    assert len(paged) > 4
    assert paged == whole["data"]


def test_default_limit_is_twenty(anthropic):
    """Without limit a page holds 20 records and an opaque page_ cursor."""
    with anthropic.client() as client:
        body = get_json(client, CLAUDE_CODE, starting_at="2026-12-03")
    assert len(body["data"]) == 20
    assert body["has_more"] is True
    assert body["next_page"].startswith("page_")
    base64.b64decode(body["next_page"][5:], validate=True)


def test_cursor_is_stable_while_data_arrives(serve_anthropic):
    """Moving the present between pages changes nothing in the walk that started before."""
    served = serve_anthropic()
    with served.client() as client:
        first = get_json(client, CLAUDE_CODE, starting_at=TODAY.isoformat(), limit=2)
        served.sim.set_now(NOW + 6 * 3_600_000)
        records = list(first["data"])
        page = first["next_page"]
        while page:
            body = get_json(client, CLAUDE_CODE, starting_at=TODAY.isoformat(), limit=2, page=page)
            records.extend(body["data"])
            page = body["next_page"]
        served.sim.set_now(NOW)
        assert records == all_records(client, TODAY)
        served.sim.set_now(NOW + 6 * 3_600_000)
        assert records != all_records(client, TODAY)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"starting_at": "2026-12-04T00:00:00Z"},
        {"starting_at": "20261204"},
        {"starting_at": "2026-13-04"},
        {"starting_at": "2026-12-04", "limit": 0},
        {"starting_at": "2026-12-04", "limit": 1001},
        {"starting_at": "2026-12-04", "limit": "ten"},
        {"starting_at": "2026-12-04", "page": "page_bm9wZQ=="},
        {"starting_at": "2026-12-04", "page": "garbage"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "none",
)
def test_bad_parameters_are_400(anthropic, params):
    """A missing or non-date starting_at, a limit outside 1-1000, a foreign cursor: 400."""
    with anthropic.client() as client:
        status, kind, _message = error_of(client.get(CLAUDE_CODE, params=params))
    assert (status, kind) == (400, "invalid_request_error")


def test_limit_bounds_are_accepted(anthropic):
    """limit=1 and limit=1000 are both valid."""
    with anthropic.client() as client:
        assert len(get_json(client, CLAUDE_CODE, starting_at="2026-12-03", limit=1)["data"]) == 1
        get_json(client, CLAUDE_CODE, starting_at="2026-12-03", limit=1000)


def test_a_cursor_of_another_day_is_400(anthropic):
    """A cursor is bound to its starting_at."""
    with anthropic.client() as client:
        page = get_json(client, CLAUDE_CODE, starting_at="2026-12-03", limit=1)["next_page"]
        response = client.get(CLAUDE_CODE, params={"starting_at": "2026-12-02", "page": page})
    assert error_of(response)[:2] == (400, "invalid_request_error")


@pytest.mark.parametrize("day", ["2026-12-08", "2027-01-01", "2026-11-07", "2020-01-01"])
def test_a_day_without_data_is_the_empty_page(anthropic, day):
    """Tomorrow, the future, and days before the history: the observed empty answer."""
    with anthropic.client() as client:
        assert get_json(client, CLAUDE_CODE, starting_at=day) == EMPTY


def test_two_terminals_make_two_records_with_the_same_totals(serve_anthropic):
    """With second_terminal some actor-days have two records; off, one each, same sums."""
    two = serve_anthropic()
    one = serve_anthropic(second_terminal=False)
    for day in (TODAY - timedelta(days=3), TODAY - timedelta(days=4)):
        with two.client() as client:
            split = all_records(client, day)
        with one.client() as client:
            whole = all_records(client, day)
        actors = [str(r["actor"]) for r in split]
        assert len(set(actors)) < len(actors)
        assert len({str(r["actor"]) for r in whole}) == len(whole)
        totals = {k: v for k, v in summed(split).items() if k[1] is None}
        assert totals == {k: v for k, v in summed(whole).items() if k[1] is None}


def test_date_format_switch(serve_anthropic):
    """date_format="date" emits plain YYYY-MM-DD."""
    served = serve_anthropic(date_format="date")
    with served.client() as client:
        records = all_records(client, TODAY - timedelta(days=3))
    assert {r["date"] for r in records} == {"2026-12-04"}


def test_fractional_costs_switch(serve_anthropic):
    """fractional_costs gives amounts in hundredths of a cent; the truth follows them."""
    served = serve_anthropic(fractional_costs=True)
    day = TODAY - timedelta(days=3)
    with served.client() as client:
        records = all_records(client, day)
    amounts = [u["estimated_cost"]["amount"] for r in records for u in r["model_breakdown"]]
    assert any(isinstance(a, Decimal) and a != a.to_integral_value() for a in amounts)
    assert summed(records) == claude_code_truth(served.sim.org, day)


def test_omit_zero_tools_switch(serve_anthropic):
    """omit_zero_tools leaves out tools with nothing accepted or rejected."""
    served = serve_anthropic(omit_zero_tools=True)
    with served.client() as client:
        records = all_records(client, TODAY - timedelta(days=3))
    keys = [set(r["tool_actions"]) for r in records]
    assert any(k != TOOLS for k in keys)
    for record in records:
        assert all(t["accepted"] or t["rejected"] for t in record["tool_actions"].values())


def test_subscription_rows_switch(serve_anthropic):
    """subscription_rows marks some users' records as team or enterprise subscribers."""
    served = serve_anthropic(subscription_rows=True)
    seen = set()
    with served.client() as client:
        for day in DAYS[1:5]:
            seen |= {(r["customer_type"], r["subscription_type"]) for r in all_records(client, day)}
    assert ("api", None) in seen
    assert seen - {("api", None)} <= {("subscription", "team"), ("subscription", "enterprise")}
    assert len(seen) > 1
