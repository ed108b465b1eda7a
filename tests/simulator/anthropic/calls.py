"""Request helpers for the Anthropic contract tests: call an endpoint, read its JSON exactly,
walk its pages, and add records up the way the ground truth does."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import httpx

from pumpview import money
from pumpview.simulator.anthropic import DEMO_ANTHROPIC_KEY, AnthropicSimulator
from pumpview.simulator.anthropic.truth import Truth

NOW = 1_796_659_200_000
"""The fixed present: 2026-12-07T16:00:00Z, a Monday."""
TODAY = date(2026, 12, 7)
VERSION = "2023-06-01"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"
COST = "/v1/organizations/cost_report"
USERS = "/v1/organizations/users"
KEYS = "/v1/organizations/api_keys"


class Served:
    """A running simulator: its base URL, its Python handle, and a client factory."""

    def __init__(self, url: str, sim: AnthropicSimulator) -> None:
        self.url = url
        self.sim = sim

    def client(self, key: str | None = DEMO_ANTHROPIC_KEY, *, version: bool = True) -> httpx.Client:
        headers = {"anthropic-version": VERSION} if version else {}
        if key is not None:
            headers["x-api-key"] = key
        return httpx.Client(base_url=self.url, headers=headers)


def get_json(client: httpx.Client, path: str, **params: Any) -> Any:
    """GET with query ``params`` and return the 200 answer parsed with exact decimals."""
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return money.loads(response.text)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """(status, error type, message) of a §2.1 envelope, checked whole."""
    body = money.loads(response.text)
    assert set(body) == {"type", "error", "request_id"}
    assert body["type"] == "error"
    assert set(body["error"]) == {"type", "message"}
    assert body["request_id"] == response.headers["request-id"]
    assert body["request_id"].startswith("req_")
    return response.status_code, body["error"]["type"], body["error"]["message"]


def all_records(client: httpx.Client, day: date, limit: int = 1000) -> list[Any]:
    """Every claude_code record of ``day``, page by page until ``has_more`` is false."""
    records: list[Any] = []
    params: dict[str, Any] = {"starting_at": day.isoformat(), "limit": limit}
    while True:
        body = get_json(client, CLAUDE_CODE, **params)
        records.extend(body["data"])
        if not body["has_more"]:
            assert body["next_page"] is None
            return records
        params["page"] = body["next_page"]


def identity(actor: dict[str, str]) -> str:
    if actor["type"] == "user_actor":
        return actor["email_address"].lower()
    return "api-key:" + actor["api_key_name"]


def summed(records: list[Any]) -> dict[tuple[str, str | None], Truth]:
    """The records added up per (identity, model), activity under (identity, None)."""
    out: defaultdict[tuple[str, str | None], Truth] = defaultdict(Truth)
    for record in records:
        who = identity(record["actor"])
        activity = out[who, None]
        core = record["core_metrics"]
        activity.sessions += core["num_sessions"]
        activity.lines_added += core["lines_of_code"]["added"]
        activity.lines_removed += core["lines_of_code"]["removed"]
        activity.commits += core["commits_by_claude_code"]
        activity.pull_requests += core["pull_requests_by_claude_code"]
        activity.tool_accepted += sum(t["accepted"] for t in record["tool_actions"].values())
        activity.tool_rejected += sum(t["rejected"] for t in record["tool_actions"].values())
        for use in record["model_breakdown"]:
            entry = out[who, use["model"]]
            tokens = use["tokens"]
            entry.input_tokens += tokens["input"]
            entry.output_tokens += tokens["output"]
            entry.cache_read_tokens += tokens["cache_read"]
            entry.cache_creation_tokens += tokens["cache_creation"]
            entry.estimated_cents += use["estimated_cost"]["amount"]
    return dict(out)
