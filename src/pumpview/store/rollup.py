"""The day x person x model x kind rollup: a pure fold over event rows, page by page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pumpview.integrations.cursor.usage_events import request_class

KEY = ("day", "email", "model", "kind")
MONEY = ("cost_cents", "on_demand_cents", "included_cents", "model_cost_cents", "token_fee_cents")
TOKENS = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")
COUNTS = ("events", *TOKENS, "fast_requests", "slow_requests", "not_charged_requests")

Rollup = dict[tuple[Any, ...], dict[str, Any]]


def fold(acc: Rollup, events: Iterable[Mapping[str, Any]], integration_id: int) -> Rollup:
    """Add event rows into ``acc`` (one row per (day, email, model, kind)); exact Decimal sums."""
    for event in events:
        key = tuple(event[k] for k in KEY)
        row = acc.get(key)
        if row is None:
            row = acc[key] = {"integration_id": integration_id, **dict(zip(KEY, key, strict=True))}
            row.update(dict.fromkeys(MONEY, Decimal(0)))
            row.update(dict.fromkeys(COUNTS, 0))
        cost = event["cost_cents"]
        row["events"] += 1
        row["cost_cents"] += cost
        row["on_demand_cents" if event["chargeable"] else "included_cents"] += cost
        row["model_cost_cents"] += event["model_cost_cents"]
        row["token_fee_cents"] += event["token_fee_cents"] or 0
        for name in TOKENS:
            row[name] += event[name]
        row[f"{request_class(event)}_requests"] += 1
    return acc
