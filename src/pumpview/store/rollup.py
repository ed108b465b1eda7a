"""What the store keeps of usage events, and their day x person x model x kind rollup: pure.

An event is stored as a record, a tuple in ``EVENT_COLUMNS`` order (the ``usage_events`` table's
own order); the integration maps the upstream's fields onto it. ``fold`` sums records, page by
page, into exact ``Measures`` per rollup key; ``records`` turns them into ``usage_daily`` rows.
"""

from __future__ import annotations

import decimal
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from pumpview.store import tables
from pumpview.store.measures import EXACT, MEASURES, MONEY, STORED, TOKENS, to_stored

Record = tuple[Any, ...]
EVENT_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in tables.usage_events.columns if c.name != "id"
)
"""The ``usage_events`` columns an event record fills, in the table's order."""
AT = {name: i for i, name in enumerate(EVENT_COLUMNS)}
"""A column's position in an event record."""

KEY = ("day", "email", "model", "kind")
COLUMNS = ("integration_id", *KEY, *STORED)
"""The ``usage_daily`` columns of a rollup record (``records``), in the table's order."""

Rollup = dict[tuple[Any, ...], list[Any]]
"""(day, email, model, kind) -> the running measures, in ``MEASURES`` order."""


def request_class(kind: str, requests_costs: Decimal | None, cost: Decimal) -> str:
    """``not_charged`` (errored/aborted), ``fast`` (used request units or cost) or ``slow``."""
    if "Not Charged" in kind:
        return "not_charged"
    if (requests_costs or 0) > 0 or cost > 0:
        return "fast"
    return "slow"


LEGACY_REQUEST_CENTS = Decimal(4)
"""Cursor's legacy price of one request unit ($0.04): the list price of request-based usage
from payloads without ``chargedCents`` (README, "Definitions")."""


def list_cents(
    kind: str,
    token_based: bool,
    model_cost: Decimal,
    fee: Decimal | None,
    charged: Decimal | None,
    requests_costs: Decimal | None,
) -> Decimal:
    """An event's list price (FOCUS ``ListCost``): nothing for "Not Charged" events; the
    model cost and Cursor's token fee before discounts for token-based ones; else what Cursor
    charged, or the request units at the legacy price when it does not say."""
    if "Not Charged" in kind:
        return Decimal(0)
    if token_based:
        return model_cost + (fee or 0)
    return charged if charged is not None else (requests_costs or 0) * LEGACY_REQUEST_CENTS


_ZEROS = tuple(Decimal(0) if name in MONEY else 0 for name in MEASURES)
_SUM = {name: i for i, name in enumerate(MEASURES)}
_CLASS = {c: _SUM[f"{c}_requests"] for c in ("fast", "slow", "not_charged")}
_TOKEN_PAIRS = tuple((AT[name], _SUM[name]) for name in TOKENS)
_EVENTS = _SUM["events"]
_KEY_OF = itemgetter(*(AT[name] for name in KEY))


def fold(acc: Rollup, events: Iterable[Record]) -> Rollup:
    """Add event records (``EVENT_COLUMNS`` order) into ``acc``; exact sums, a rounding raises."""
    cost_at, chargeable_at, units_at = AT["cost_cents"], AT["chargeable"], AT["requests_costs"]
    model_cost_at, fee_at, kind_at = AT["model_cost_cents"], AT["token_fee_cents"], AT["kind"]
    max_mode_at, max_mode_i = AT["max_mode"], _SUM["max_mode_events"]
    token_based_at, charged_at = AT["token_based"], AT["charged_cents"]
    events_i, cost_i, on_demand_i, included_i, model_cost_i, fee_i, list_i = (
        _SUM[n] for n in ("events", "spend_cents", "on_demand_cents", "included_cents",
                          "model_cost_cents", "token_fee_cents", "list_cents")
    )  # fmt: skip
    (in_at, in_i), (out_at, out_i), (cw_at, cw_i), (cr_at, cr_i) = _TOKEN_PAIRS
    # This runs once per event of a backfill: the token loop is unrolled.
    with decimal.localcontext(EXACT):
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
            sums[in_i] += event[in_at]
            sums[out_i] += event[out_at]
            sums[cw_i] += event[cw_at]
            sums[cr_i] += event[cr_at]
            sums[_CLASS[request_class(event[kind_at], event[units_at], cost)]] += 1
            if event[max_mode_at]:
                sums[max_mode_i] += 1
            sums[list_i] += list_cents(
                event[kind_at], event[token_based_at], event[model_cost_at], fee,
                event[charged_at], event[units_at],
            )  # fmt: skip
    return acc


def events_per_day(acc: Rollup) -> Counter[date]:
    """How many events ``acc`` holds for each day."""
    per_day: Counter[date] = Counter()
    for key, sums in acc.items():
        per_day[key[0]] += sums[_EVENTS]
    return per_day


def records(acc: Rollup, integration_id: int) -> list[Record]:
    """The rollup as ``usage_daily`` records in ``COLUMNS`` order (money as exact limbs)."""
    return [(integration_id, *key, *to_stored(sums)) for key, sums in acc.items()]
