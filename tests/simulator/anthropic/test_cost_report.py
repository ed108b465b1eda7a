"""cost_report: daily buckets, limits, the sub-day 400, and lines that add up to the bill."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from pumpview.simulator.anthropic.truth import billed_cents, billed_lines, claude_code_truth
from tests.simulator.anthropic.calls import COST, TODAY, error_of, get_json

DAYS = [TODAY - timedelta(days=n) for n in (0, 1, 3, 4, 10)]
DIMENSIONS = ("workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
              "context_window", "inference_geo")  # fmt: skip
DATE_RANGE = "Invalid date range: ending date must be after starting date"


def day_range(day):
    return {"starting_at": f"{day}T00:00:00Z", "ending_at": f"{day + timedelta(days=1)}T00:00:00Z"}


def one_bucket(client, day, **params):
    body = get_json(client, COST, **day_range(day), **params)
    assert (len(body["data"]), body["has_more"], body["next_page"]) == (1, False, None)
    bucket = body["data"][0]
    assert bucket["starting_at"] == f"{day}T00:00:00Z"
    assert bucket["ending_at"] == f"{day + timedelta(days=1)}T00:00:00Z"
    return bucket["results"]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_ungrouped_bucket_is_one_row_of_the_days_bill(anthropic, day):
    """Without group_by a bucket holds one row: the day's bill, every dimension null."""
    with anthropic.client() as client:
        rows = one_bucket(client, day)
    assert len(rows) == 1
    assert Decimal(rows[0]["amount"]) == billed_cents(anthropic.sim.org, day)
    assert rows[0]["currency"] == "USD"
    assert all(rows[0][d] is None for d in DIMENSIONS)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_description_lines_are_billed_lines_and_add_up(anthropic, day):
    """group_by[]=description gives billed_lines, which add up to billed_cents."""
    org = anthropic.sim.org
    with anthropic.client() as client:
        rows = one_bucket(client, day, **{"group_by[]": "description"})
    got = sorted((r["description"], r["model"], Decimal(r["amount"])) for r in rows)
    assert got == sorted(billed_lines(org, day))
    assert sum(Decimal(r["amount"]) for r in rows) == billed_cents(org, day)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_token_lines_reconcile_with_the_claude_code_estimates(anthropic, day):
    """Per model, the token lines add up to exactly the records' estimated cents."""
    org = anthropic.sim.org
    estimated: defaultdict[str, Decimal] = defaultdict(Decimal)
    for (_who, model), truth in claude_code_truth(org, day).items():
        if model is not None:
            estimated[model] += truth.estimated_cents
    billed: defaultdict[str, Decimal] = defaultdict(Decimal)
    with anthropic.client() as client:
        for row in one_bucket(client, day, **{"group_by[]": "description"}):
            if row["cost_type"] == "tokens":
                billed[row["model"]] += Decimal(row["amount"])
    assert dict(billed) == {m: c for m, c in estimated.items() if c}


def test_lines_that_are_not_claude_code(anthropic):
    """A weekday bills code execution (in a workspace) and web search beside the tokens."""
    with anthropic.client() as client:
        rows = one_bucket(client, TODAY - timedelta(days=3),
                          **{"group_by[]": ["description", "workspace_id"]})  # fmt: skip
    others = {r["description"]: r for r in rows if r["cost_type"] != "tokens"}
    assert set(others) == {"Code Execution Usage", "Web Search"}
    assert others["Code Execution Usage"]["cost_type"] == "code_execution"
    assert others["Code Execution Usage"]["workspace_id"].startswith("wrkspc_")
    assert others["Web Search"]["cost_type"] == "web_search"
    assert all(o["model"] is None and o["token_type"] is None for o in others.values())
    token_types = {r["token_type"] for r in rows if r["cost_type"] == "tokens"}
    assert token_types == {
        "uncached_input_tokens", "output_tokens", "cache_read_input_tokens",
        "cache_creation.ephemeral_5m_input_tokens",
    }  # fmt: skip


def test_workspace_rows_split_the_bill(anthropic):
    """group_by[]=workspace_id gives the default workspace (null) and wrkspc_ rows."""
    day = TODAY - timedelta(days=3)
    with anthropic.client() as client:
        rows = one_bucket(client, day, group_by=["workspace_id"])
    workspaces = [r["workspace_id"] for r in rows]
    assert None in workspaces
    assert all(w is None or w.startswith("wrkspc_") for w in workspaces)
    assert sum(Decimal(r["amount"]) for r in rows) == billed_cents(anthropic.sim.org, day)


def test_amounts_are_cent_strings_with_six_decimals(anthropic):
    """Every amount is a decimal string of cents with six decimals, like "41280.000000"."""
    with anthropic.client() as client:
        response = client.get(COST, params={**day_range(TODAY - timedelta(days=3)),
                                            "group_by[]": "description"})  # fmt: skip
    amounts = re.findall(r'"amount":("[^"]*"|[^,}]*)', response.text)
    assert amounts
    assert all(re.fullmatch(r'"\d+\.\d{6}"', a) for a in amounts)


def test_buckets_snap_to_days_and_the_end_is_exclusive(anthropic):
    """10:00 on the 1st to midnight on the 4th: buckets for the 1st, 2nd and 3rd."""
    with anthropic.client() as client:
        body = get_json(client, COST, starting_at="2026-12-01T10:00:00Z",
                        ending_at="2026-12-04T00:00:00Z")  # fmt: skip
    assert [b["starting_at"] for b in body["data"]] == [
        "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z",
    ]  # fmt: skip


def test_seven_buckets_a_page_by_default_and_the_pages_cover_the_range_once(anthropic):
    """A 20-day range comes 7 buckets a page; walking next_page gives each day once."""
    params = {"starting_at": "2026-11-10T00:00:00Z", "ending_at": "2026-11-30T00:00:00Z"}
    starts = []
    with anthropic.client() as client:
        body = get_json(client, COST, **params)
        assert len(body["data"]) == 7
        while True:
            starts.extend(b["starting_at"] for b in body["data"])
            if not body["has_more"]:
                break
            body = get_json(client, COST, **params, page=body["next_page"])
    expected = [f"2026-11-{d:02d}T00:00:00Z" for d in range(10, 30)]
    assert starts == expected


def test_limit_31_is_the_maximum(anthropic):
    """limit=31 gives 31 buckets; 32 and 0 are 400."""
    params = {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-12-01T00:00:00Z"}
    with anthropic.client() as client:
        assert len(get_json(client, COST, **params, limit=31)["data"]) == 31
        for bad in (32, 0):
            response = client.get(COST, params={**params, "limit": bad})
            assert error_of(response)[:2] == (400, "invalid_request_error")


def test_days_without_usage_are_empty_buckets(anthropic):
    """Days before the history are buckets with results []."""
    with anthropic.client() as client:
        body = get_json(client, COST, starting_at="2025-01-01T00:00:00Z",
                        ending_at="2025-01-04T00:00:00Z")  # fmt: skip
    assert [b["results"] for b in body["data"]] == [[], [], []]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-12-03T00:00:00Z", "2026-12-03T23:59:59Z"),
        ("2026-12-03T00:00:00Z", "2026-12-03T00:00:00Z"),
        ("2026-12-03T00:00:00Z", "2026-12-01T00:00:00Z"),
    ],
)
def test_a_sub_day_range_is_a_400_not_to_retry(anthropic, start, end):
    """A range holding no whole day: 400 "Invalid date range" with x-should-retry: false."""
    with anthropic.client() as client:
        response = client.get(COST, params={"starting_at": start, "ending_at": end})
    assert error_of(response) == (400, "invalid_request_error", DATE_RANGE)
    assert response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"starting_at": "2026-12-01"},
        {"starting_at": "yesterday"},
        {"starting_at": "2026-12-01T00:00:00Z", "bucket_width": "1h"},
        {"starting_at": "2026-12-01T00:00:00Z", "group_by[]": "model"},
        {"starting_at": "2026-12-01T00:00:00Z", "page": "page_bm9wZQ=="},
    ],
    ids=["no-start", "date-only", "not-a-date", "hourly", "by-model", "foreign-cursor"],
)
def test_bad_parameters_are_400(anthropic, params):
    """No or non-RFC 3339 starting_at, a width but 1d, an unknown grouping, a bad cursor: 400."""
    with anthropic.client() as client:
        assert error_of(client.get(COST, params=params))[:2] == (400, "invalid_request_error")


def test_without_ending_at_the_buckets_run_through_today(anthropic):
    """An open range ends with today's (partial) bucket."""
    with anthropic.client() as client:
        body = get_json(client, COST, starting_at=f"{TODAY - timedelta(days=2)}T00:00:00Z")
    assert [b["starting_at"][:10] for b in body["data"]] == [
        str(TODAY - timedelta(days=n)) for n in (2, 1, 0)
    ]
    assert body["has_more"] is False


def test_subscribers_are_reported_but_not_billed(serve_anthropic):
    """With subscription_rows the subscribers' estimates stay out of the bill, which still adds
    up to billed_cents."""
    served = serve_anthropic(subscription_rows=True)
    org = served.sim.org
    day = TODAY - timedelta(days=3)
    subscribers = {a.identity for a in org.actors if a.subscription_type}
    truth = claude_code_truth(org, day)
    reported = sum(t.estimated_cents for (who, _), t in truth.items() if who in subscribers)
    everyone = sum(t.estimated_cents for t in truth.values())
    other = sum(line.amount for line in org.other_lines(day))
    assert reported > 0
    assert billed_cents(org, day) == everyone - reported + other
    with served.client() as client:
        rows = one_bucket(client, day, **{"group_by[]": "description"})
    assert sum(Decimal(r["amount"]) for r in rows) == billed_cents(org, day)
