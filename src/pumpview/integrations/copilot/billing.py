"""``/organizations/{org}/settings/billing/{premium_request|ai_credit}/usage``: what GitHub bills
for Copilot, one call per (period, filter). Its usage items carry no user and no date (the
reference's §2.3, pitfall 1), so a person's day is one call with ``year``, ``month``, ``day`` and
``user``; the organisation's day is the same call without ``user``.

Which calls, per day (``read_day``): the organisation's aggregate first; nothing more if it is
zero; else the users the day's usage-metrics report shows active (every seat holder when there is
no report), then, if their sum falls short of the aggregate, the remaining seat holders. The
users' sum must equal the aggregate; when it does not, the day says so (nothing is invented).

Before ``AI_CREDITS_FROM`` Copilot bills premium requests, from it AI credits; in the month of the
switch both endpoints are read (GitHub's date may not be ours). Money: amounts are JSON numbers
in US dollars (``money.loads`` gives ``Decimal``), kept in cents: usage value and list =
``grossAmount``, billed on demand = ``netAmount``, included = ``discountAmount``. Quantities
(requests, credits; fractional) are not kept.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pumpview.errors import BadResponse
from pumpview.integrations.copilot.client import (
    CREDITS_PATH,
    PREMIUM_PATH,
    GitHubClient,
    route_path,
)
from pumpview.integrations.copilot.identity import person_key
from pumpview.store.measures import EXACT, MEASURES, MONEY
from pumpview.store.rollup import Rollup

AI_CREDITS_FROM = date(2026, 6, 1)
"""GitHub's switch from premium requests to AI credits ("Starting June 1, 2026"; the simulator's
``GitHubConfig.ai_credits_from`` default). Ours, tolerant: the whole month is read both ways."""
Items = dict[tuple[str, str], tuple[Decimal, Decimal, Decimal]]
"""(sku, model) -> (gross, net, discount) in US dollars."""
Lines = dict[tuple[date, str], tuple[str | None, Decimal]]
"""(day, line) -> (model, cents): the organisation's bill, line by line."""

_AT = {name: i for i, name in enumerate(MEASURES)}
_ZEROS = tuple(Decimal(0) if name in MONEY else 0 for name in MEASURES)
_GROSS = tuple(_AT[name] for name in ("spend_cents", "model_cost_cents", "list_cents"))
_CENTS = Decimal(100)


def endpoints(day: date) -> tuple[str, ...]:
    """The billing endpoints that can hold ``day``'s usage."""
    if (day.year, day.month) == (AI_CREDITS_FROM.year, AI_CREDITS_FROM.month):
        return (PREMIUM_PATH, CREDITS_PATH)
    return (PREMIUM_PATH,) if day < AI_CREDITS_FROM else (CREDITS_PATH,)


def usage(client: GitHubClient, org: str, template: str, day: date, user: str | None = None
          ) -> Items:  # fmt: skip
    """One day's usage items of the organisation, or of ``user``, summed per (sku, model)."""
    params: dict[str, Any] = {"year": day.year, "month": day.month, "day": day.day}
    if user is not None:
        params["user"] = user
    payload = client.get(route_path(template, org=org), params)
    if not isinstance(payload, dict) or not isinstance(payload.get("usageItems"), list):
        msg = f"unexpected {template} answer for {day}: no usageItems list"
        raise BadResponse(msg)
    items: Items = {}
    with decimal.localcontext(EXACT):
        for item in payload["usageItems"]:
            if not isinstance(item, dict):
                msg = f"a {template} usage item is not an object"
                raise BadResponse(msg)
            key = (str(item.get("sku") or "Copilot"), str(item.get("model") or "unknown"))
            gross, net, discount = items.get(key, (Decimal(0), Decimal(0), Decimal(0)))
            items[key] = (gross + _dollars(item, "grossAmount"), net + _dollars(item, "netAmount"),
                          discount + _dollars(item, "discountAmount"))  # fmt: skip
    return items


@dataclass
class DayBill:
    """A day of billing: the organisation's aggregate and each user's items."""

    aggregate: Items = field(default_factory=dict)
    users: dict[str, Items] = field(default_factory=dict)
    """Login lower-cased -> its items (users with none are left out)."""
    user_calls: int = 0
    note: str | None = None
    """Why the users' sum is not the aggregate, when it is not."""


def read_day(
    client: GitHubClient, org: str, day: date, active: Iterable[str] | None, holders: Iterable[str]
) -> DayBill:
    """``day``'s bill: the aggregate, then the users (``active``: the day's report's logins,
    ``None`` without a report; ``holders``: every seat holder's login)."""
    bill = DayBill()
    paths = []
    for template in endpoints(day):
        items = usage(client, org, template, day)
        if any(gross for gross, _net, _discount in items.values()):
            paths.append(template)
            _add(bill.aggregate, items)
    if not paths:
        return bill
    every = {login.lower(): login for login in holders}
    first = every if active is None else {login.lower(): login for login in active}
    asked: set[str] = set()

    def ask(logins: dict[str, str]) -> None:
        for key, login in sorted(logins.items()):
            if key in asked:
                continue
            asked.add(key)
            for template in paths:
                bill.user_calls += 1
                items = usage(client, org, template, day, login)
                if items:
                    _add(bill.users.setdefault(key, {}), items)

    ask(first)
    if _short(bill):
        ask(every)
    summed: Items = {}
    for items in bill.users.values():
        _add(summed, items)
    if summed != bill.aggregate:
        got, want = _totals(summed), _totals(bill.aggregate)
        bill.note = (
            f"GitHub's per-user billing for {day} sums to ${got[1]} billed (${got[0]} usage) of "
            f"the organisation's ${want[1]} billed (${want[0]} usage); the difference is not "
            "attributed to anyone"
        )
    return bill


def fold(acc: Rollup, day: date, bill: DayBill) -> None:
    """Add the users' items into ``acc`` (rollup key -> measures in ``MEASURES`` order), in
    cents: the person is ``github:<login>``, the kind the sku."""
    with decimal.localcontext(EXACT):
        for login, items in bill.users.items():
            who = person_key(login)
            for (sku, model), (gross, net, discount) in items.items():
                sums = acc.get((day, who, model, sku))
                if sums is None:
                    sums = acc[day, who, model, sku] = list(_ZEROS)
                for at in _GROSS:
                    sums[at] += gross * _CENTS
                sums[_AT["on_demand_cents"]] += net * _CENTS
                sums[_AT["included_cents"]] += discount * _CENTS


def lines(bill: Lines, day: date, day_bill: DayBill) -> None:
    """The organisation's aggregate as the day's bill: a line per ``sku · model``, its billed
    (net) amount in cents."""
    with decimal.localcontext(EXACT):
        for (sku, model), (_gross, net, _discount) in day_bill.aggregate.items():
            bill[day, f"{sku} · {model}"] = (model, net * _CENTS)


def _short(bill: DayBill) -> bool:
    """Whether the users asked so far fall short of the aggregate (usage or billed)."""
    summed: Items = {}
    for items in bill.users.values():
        _add(summed, items)
    got, want = _totals(summed), _totals(bill.aggregate)
    return got[0] < want[0] or got[1] < want[1]


def _totals(items: Items) -> tuple[Decimal, Decimal]:
    with decimal.localcontext(EXACT):
        return (sum((g for g, _n, _d in items.values()), Decimal(0)),
                sum((n for _g, n, _d in items.values()), Decimal(0)))  # fmt: skip


def _add(into: Items, items: Items) -> None:
    with decimal.localcontext(EXACT):
        for key, (gross, net, discount) in items.items():
            g, n, d = into.get(key, (Decimal(0), Decimal(0), Decimal(0)))
            into[key] = (g + gross, n + net, d + discount)


def _dollars(item: dict[str, Any], name: str) -> Decimal:
    value = item.get(name)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        amount = Decimal(value)
        if amount.is_finite():
            return amount
    msg = f"a Copilot usage item's {name} is not a number: {str(value)[:40]!r}"
    raise BadResponse(msg)
