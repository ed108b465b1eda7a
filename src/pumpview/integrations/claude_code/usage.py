"""``/v1/organizations/usage_report/claude_code``: one UTC day per request, paged by cursor; its
records as the store keeps usage (``store.rollup``) and activity. The transform is pure.

A record is one actor's day in one terminal; an actor may have two in a day (two terminals), so
everything is added up per (day, person, model). The person is the user's email, lower-case; a
record made with an API key names the key, not a person: it is kept as ``api-key:<name>``, its
own labelled row (key names are not unique upstream, so no guess is made at whose it is).

Money: ``estimated_cost.amount`` is a JSON number in cents, Anthropic's estimate at list price
(not what it bills: ``costs``). It is the usage value, billed on demand, and all of it estimated.
Tokens: ``cache_creation`` is one number here (it is split by cache lifetime elsewhere).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from pumpview.errors import BadResponse
from pumpview.integrations.claude_code.client import USAGE_PATH, AnthropicClient
from pumpview.store.measures import EXACT, MEASURES, MONEY
from pumpview.store.rollup import Rollup

KIND = "Claude Code"
"""The ``kind`` of every usage row: the product."""
PAGE_LIMIT = 1000
"""Records per page: the documented maximum."""
API_KEY_PREFIX = "api-key:"
ACTIVITY = ("sessions", "lines_added", "lines_removed", "commits", "pull_requests",
            "tool_accepted", "tool_rejected")  # fmt: skip
"""What ``activity_daily`` keeps of a Claude Code day, per person."""
Activity = dict[tuple[date, str, str], int]
"""(day, person, measure) -> count."""

_AT = {name: i for i, name in enumerate(MEASURES)}
_ZEROS = tuple(Decimal(0) if name in MONEY else 0 for name in MEASURES)
_AMOUNT = tuple(_AT[name] for name in ("spend_cents", "on_demand_cents", "model_cost_cents",
                                       "list_cents", "estimated_cents"))  # fmt: skip
_TOKENS = (
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_creation", "cache_write_tokens"),
    ("cache_read", "cache_read_tokens"),
)


def pages(client: AnthropicClient, day: date) -> Iterator[list[dict[str, Any]]]:
    """The day's records, a page at a time, following ``next_page`` while ``has_more``."""
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, Any] = {"starting_at": day.isoformat(), "limit": PAGE_LIMIT}
        if cursor is not None:
            params["page"] = cursor
        payload = client.get(USAGE_PATH, params)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            msg = f"unexpected {USAGE_PATH} answer for {day}: no data list"
            raise BadResponse(msg)
        yield payload["data"]
        cursor = payload.get("next_page")
        if not payload.get("has_more") or not cursor:
            return
        if cursor in seen:  # a cursor given twice would page forever
            msg = f"{USAGE_PATH} for {day} repeated its page cursor; the day was not stored"
            raise BadResponse(msg)
        seen.add(cursor)


def person(actor: Any) -> str:
    """Whom a record's ``actor`` names: an email (lower-case), or ``api-key:<name>``."""
    if isinstance(actor, dict):
        if actor.get("type") == "user_actor" and isinstance(actor.get("email_address"), str):
            return str(actor["email_address"]).strip().lower()
        if actor.get("type") == "api_actor" and isinstance(actor.get("api_key_name"), str):
            return API_KEY_PREFIX + str(actor["api_key_name"]).strip()
    msg = "a Claude Code record names no user email and no API key name"
    raise BadResponse(msg)


def record_day(record: dict[str, Any]) -> date:
    """A record's ``date``: ``YYYY-MM-DD`` or an RFC 3339 instant at midnight UTC (both seen)."""
    text = record.get("date")
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        msg = f"a Claude Code record has an unreadable date: {str(text)[:40]!r}"
        raise BadResponse(msg) from None


def fold(acc: Rollup, activity: Activity, records: list[dict[str, Any]], day: date) -> None:
    """Add a page of records of ``day`` into ``acc`` (rollup key -> measures in ``MEASURES``
    order) and ``activity``; exact sums. A record of another day, or an amount not in US
    dollars, is a ``BadResponse``."""
    with decimal.localcontext(EXACT):
        for record in records:
            if not isinstance(record, dict):
                msg = "a Claude Code record is not an object"
                raise BadResponse(msg)
            if record_day(record) != day:
                msg = f"asked for Claude Code usage of {day}, got a record of {record_day(record)}"
                raise BadResponse(msg)
            who = person(record.get("actor"))
            for model_row in record.get("model_breakdown") or ():
                model = str(model_row.get("model") or "unknown")
                sums = acc.get((day, who, model, KIND))
                if sums is None:
                    sums = acc[day, who, model, KIND] = list(_ZEROS)
                cost = model_row.get("estimated_cost") or {}
                if cost.get("currency", "USD") != "USD":
                    msg = f"a Claude Code cost is in {cost.get('currency')!r}, not US dollars"
                    raise BadResponse(msg)
                amount = _decimal(cost.get("amount", 0))
                for at in _AMOUNT:
                    sums[at] += amount
                tokens = model_row.get("tokens") or {}
                for upstream, name in _TOKENS:
                    sums[_AT[name]] += _count(tokens.get(upstream, 0))
            for name, value in _activity(record).items():
                key = (day, who, name)
                activity[key] = activity.get(key, 0) + value


def _activity(record: dict[str, Any]) -> dict[str, int]:
    core = record.get("core_metrics") or {}
    lines = core.get("lines_of_code") or {}
    tools = [t for t in (record.get("tool_actions") or {}).values() if isinstance(t, dict)]
    return {
        "sessions": _count(core.get("num_sessions", 0)),
        "lines_added": _count(lines.get("added", 0)),
        "lines_removed": _count(lines.get("removed", 0)),
        "commits": _count(core.get("commits_by_claude_code", 0)),
        "pull_requests": _count(core.get("pull_requests_by_claude_code", 0)),
        "tool_accepted": sum(_count(t.get("accepted", 0)) for t in tools),
        "tool_rejected": sum(_count(t.get("rejected", 0)) for t in tools),
    }


def _decimal(value: Any) -> Decimal:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        amount = Decimal(value)
        if amount.is_finite():
            return amount
    msg = f"a Claude Code amount is not a number: {str(value)[:40]!r}"
    raise BadResponse(msg)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"a Claude Code count is not a whole number: {str(value)[:40]!r}"
        raise BadResponse(msg)
    return value
