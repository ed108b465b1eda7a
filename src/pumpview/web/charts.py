"""The data the pages' charts draw (``static/charts.js``), as plain JSON: money as exact decimal
strings in cents, days ``YYYY-MM-DD``; every bucket of the range, empty ones at zero, so the
time axis is true."""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from pumpview.reports import spend, usage
from pumpview.reports.plain import plain
from pumpview.reports.providers import CURSOR_CURRENCY
from pumpview.reports.ranges import Range
from pumpview.reports.series import Series, weekly
from pumpview.store.measures import EXACT, Measures


def spend_by_model(
    span: Range, buckets: Sequence[date], series: Sequence[Series]
) -> dict[str, Any]:
    by_week = weekly(span)
    return {
        "kind": "spend-by-model", "since": plain(span.since), "until": plain(span.until),
        "title": f"Usage value {'per week' if by_week else 'per day'}, by model",
        "buckets": [plain(b) for b in buckets],
        "series": [{"model": s.name, "spend_cents": [plain(v) for v in s.values]}
                   for s in series],
    }  # fmt: skip


def requests(span: Range, days: Iterable[tuple[date, Measures]]) -> dict[str, Any]:
    """Fast, slow and not-charged requests per day of the range; per week (from Monday) beyond
    90 days, as the spend chart (a ten-year range drew 3,660 bars and a table of as many rows)."""
    by_week = weekly(span)

    def bucket(day: date) -> date:
        return day - timedelta(days=day.weekday()) if by_week else day

    buckets = sorted({bucket(span.since + timedelta(days=i)) for i in range(span.days)})
    at = {b: i for i, b in enumerate(buckets)}
    names = ("fast", "slow", "not_charged")
    sums = {name: [0] * len(buckets) for name in names}
    for day, measures in days:
        for name in names:
            sums[name][at[bucket(day)]] += getattr(measures, f"{name}_requests")
    return {
        "kind": "requests", "since": plain(span.since), "until": plain(span.until),
        "title": f"Requests {'per week' if by_week else 'per day'}: fast, slow, not charged",
        "buckets": [plain(b) for b in buckets], **sums,
    }  # fmt: skip


TOP_PEOPLE = 15
"""People drawn in the People page's chart; the table below has everyone."""


def people(span: Range, rows: Sequence[usage.UserRow]) -> dict[str, Any]:
    """The people of the most usage value, on-demand and included apart (``rows`` by usage
    value)."""
    return {
        "kind": "people", "since": plain(span.since), "until": plain(span.until),
        "title": f"Top {min(TOP_PEOPLE, len(rows))} people by usage value: on-demand and "
        "included",
        "people": [{"email": r.email, "name": r.name, "on_demand_cents": plain(r.on_demand_cents),
                    "included_cents": plain(r.included_cents)} for r in rows[:TOP_PEOPLE]],
    }  # fmt: skip


def spend_by_provider(
    span: Range, buckets: Sequence[date], series: Sequence[Series]
) -> dict[str, Any]:
    """The Cloud page's stack: US-dollar billed cost per provider over time (Cursor's
    on-demand among them; its seats are per cycle, not per day)."""
    chart = spend_by_model(span, buckets, series)
    by_week = weekly(span)
    return {**chart, "links": False,
            "title": f"Billed {'per week' if by_week else 'per day'}, by provider (USD; "
                     "Cursor: on-demand)"}  # fmt: skip


def teams(span: Range, rows: Sequence[spend.TeamRow]) -> dict[str, Any]:
    """Each team's billed amounts in US dollars, in cents, side by side: Cursor's on-demand +
    its members' configured seats, Claude Code's estimate, Copilot's net + configured seats, and
    the cloud's billed cost."""
    usd = [r for r in rows if r.currency == CURSOR_CURRENCY]
    with decimal.localcontext(EXACT):
        return {
            "kind": "teams", "since": plain(span.since), "until": plain(span.until),
            "title": "Billed per team (USD; Cursor and Copilot: usage billed + configured seats; "
                     "Claude Code: Anthropic's estimate)",
            "teams": [{"team": r.team, "cursor_cents": plain(r.cursor_billed_cents),
                       "claude_code_cents": plain(r.claude_code_usage_cents),
                       "copilot_cents": plain(r.copilot_billed_cents + r.copilot_seats_cents),
                       "cloud_cents": plain(r.cloud_billed_cost.scaleb(2, EXACT))} for r in usd],
        }  # fmt: skip
