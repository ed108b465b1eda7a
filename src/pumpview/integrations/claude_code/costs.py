"""``/v1/organizations/cost_report``: what Anthropic bills the organisation per UTC day, line by
line (``group_by[]=description``), for reconciling the per-person estimates with the bill. Pure
transform; the request takes day-aligned instants (a sub-day range is refused upstream).

Money: ``amount`` is a decimal string in cents (``"41280.000000"`` = $412.80). Lines that are
not Claude Code (code execution, web search, other API use) are kept as they come: the bill is
the organisation's, whatever made it.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pumpview.errors import BadResponse
from pumpview.integrations.claude_code.client import COST_PATH, AnthropicClient
from pumpview.store.measures import EXACT

BUCKETS_PER_PAGE = 31
"""Days per page: the documented maximum of a daily report."""
Lines = dict[tuple[date, str], tuple[str | None, Decimal]]
"""(day, line) -> (model, cents): one organisation's bill, line by line."""


def pages(client: AnthropicClient, first: date, last: date) -> Iterator[list[dict[str, Any]]]:
    """The daily buckets of ``[first, last]``, a page at a time."""
    params: dict[str, Any] = {
        "starting_at": f"{first.isoformat()}T00:00:00Z",
        "ending_at": f"{(last + timedelta(days=1)).isoformat()}T00:00:00Z",
        "bucket_width": "1d",
        "group_by[]": "description",
        "limit": BUCKETS_PER_PAGE,
    }
    seen: set[str] = set()
    while True:
        payload = client.get(COST_PATH, params)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            msg = f"unexpected {COST_PATH} answer for {first} to {last}: no data list"
            raise BadResponse(msg)
        yield payload["data"]
        cursor = payload.get("next_page")
        if not payload.get("has_more") or not cursor:
            return
        if cursor in seen:
            msg = f"{COST_PATH} repeated its page cursor; the costs were not stored"
            raise BadResponse(msg)
        seen.add(cursor)
        params = {**params, "page": cursor}


def fold(lines: Lines, buckets: list[dict[str, Any]]) -> None:
    """Add a page of daily buckets into ``lines``, per day and description (the same line in
    two workspaces is one line of the bill); exact."""
    with decimal.localcontext(EXACT):
        for bucket in buckets:
            day = _day(bucket.get("starting_at"))
            for result in bucket.get("results") or ():
                if result.get("currency", "USD") != "USD":
                    msg = f"an Anthropic cost is in {result.get('currency')!r}, not US dollars"
                    raise BadResponse(msg)
                line = str(result.get("description") or result.get("cost_type") or "total")
                model, before = lines.get((day, line), (None, Decimal(0)))
                lines[day, line] = (model or result.get("model"), before + _cents(result))


def _day(value: Any) -> date:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        msg = f"an Anthropic cost bucket starts at an unreadable time: {str(value)[:40]!r}"
        raise BadResponse(msg) from None
    return when.date()


def _cents(result: dict[str, Any]) -> Decimal:
    value = result.get("amount")
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        try:
            cents = Decimal(str(value))
        except decimal.InvalidOperation:
            pass
        else:
            if cents.is_finite():
                return cents
    msg = f"an Anthropic cost amount is not a decimal: {str(value)[:40]!r}"
    raise BadResponse(msg)
