"""The day x person x model x kind rollup: a pure fold over event records, page by page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from pumpview.integrations.cursor.usage_events import AT, Record, request_class

KEY = ("day", "email", "model", "kind")
MONEY = ("cost_cents", "on_demand_cents", "included_cents", "model_cost_cents", "token_fee_cents")
TOKENS = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")
COUNTS = ("events", *TOKENS, "fast_requests", "slow_requests", "not_charged_requests")
SUMS = ("events", *MONEY, *TOKENS, "fast_requests", "slow_requests", "not_charged_requests")
COLUMNS = ("integration_id", *KEY, *SUMS)
"""The ``usage_daily`` columns of a rollup record (``records``), in the table's order."""

Rollup = dict[tuple[Any, ...], list[Any]]
"""(day, email, model, kind) -> the running ``SUMS``, in order."""

_ZEROS = tuple(Decimal(0) if name in MONEY else 0 for name in SUMS)
_SUM = {name: i for i, name in enumerate(SUMS)}
_CLASS = {c: _SUM[f"{c}_requests"] for c in ("fast", "slow", "not_charged")}
_TOKEN_PAIRS = tuple((AT[name], _SUM[name]) for name in TOKENS)
_EVENTS = _SUM["events"]
_KEY_OF = itemgetter(*(AT[name] for name in KEY))


def fold(acc: Rollup, events: Iterable[Record]) -> Rollup:
    """Add event records (``usage_events.COLUMNS`` order) into ``acc``; exact Decimal sums."""
    cost_at, chargeable_at, units_at = AT["cost_cents"], AT["chargeable"], AT["requests_costs"]
    model_cost_at, fee_at, kind_at = AT["model_cost_cents"], AT["token_fee_cents"], AT["kind"]
    events_i, cost_i, on_demand_i, included_i, model_cost_i, fee_i = (
        _SUM[n] for n in ("events", *MONEY)
    )
    for event in events:
        key = _KEY_OF(event)
        sums = acc.get(key)
        if sums is None:
            sums = acc[key] = list(_ZEROS)
        cost = event[cost_at]
        sums[events_i] += 1
        sums[cost_i] += cost
        sums[on_demand_i if event[chargeable_at] else included_i] += cost
        sums[model_cost_i] += event[model_cost_at]
        fee = event[fee_at]
        if fee is not None:
            sums[fee_i] += fee
        for at, i in _TOKEN_PAIRS:
            sums[i] += event[at]
        sums[_CLASS[request_class(event[kind_at], event[units_at], cost)]] += 1
    return acc


def events_per_day(acc: Rollup) -> Counter[date]:
    """How many events ``acc`` holds for each day."""
    per_day: Counter[date] = Counter()
    for (day, *_rest), sums in acc.items():
        per_day[day] += sums[_EVENTS]
    return per_day


def records(acc: Rollup, integration_id: int) -> list[Record]:
    """The rollup as ``usage_daily`` records in ``COLUMNS`` order."""
    return [(integration_id, *key, *sums) for key, sums in acc.items()]
