"""The Overview: totals against the previous period, spend over time by model, the top people
and models, and the request classes' shares; one snapshot, from the read side's blocks."""

from __future__ import annotations

import decimal
import heapq
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from pumpview.reports import person_keys, usage
from pumpview.reports.activity import PairKey, pair_spend
from pumpview.reports.ranges import Range
from pumpview.reports.scope import scope
from pumpview.reports.series import Series, model_days, stack, weekly
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, Measures, summed

TOP_CHANGES = 5
"""Person x model pairs shown on their own in "what changed", each way; the rest are one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One person's spend on one model in the range against the previous period; the rest line
    (``model`` ``None``) sums every pair not shown."""

    email: str | None
    name: str | None
    model: str | None
    previous_cents: Decimal
    spend_cents: Decimal
    change_cents: Decimal
    pairs: int = 1


CHANGE_COLUMNS = ("email", "name", "model", "previous_cents", "spend_cents", "change_cents",
                  "pairs")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Overview:
    range: Range
    total: Measures
    previous: Measures
    people: int
    """People (and the unattributed bucket) with events in the range."""
    previous_people: int
    buckets: tuple[date, ...]
    """The first day of each bar: days, or weeks (from Monday) beyond 90 days."""
    weekly: bool
    series: tuple[Series, ...]
    top_people: tuple[usage.UserRow, ...]
    models: tuple[usage.ModelRow, ...]
    changes: tuple[Change, ...]
    """What changed: the largest rises, then the largest falls, then the rest as one line; the
    lines add up to the change in spend exactly."""
    previous_has_data: bool
    """Whether any usage is stored in the previous period: without it there is no change to
    tell, only the range's own spend (every "before" would be zero)."""


def change(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """The change in percent against the previous period, ``None`` when it had nothing."""
    if not before:
        return None
    with decimal.localcontext(EXACT) as context:
        context.traps[decimal.Inexact] = False  # a percentage for people, shown to 1 decimal
        return (Decimal(now) - Decimal(before)) * 100 / Decimal(before)


PERCENT_PLACES = 2
"""A change in percent, for scripts: to a hundredth of a percent (the tiles show one decimal)."""


def percent(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """``change`` rounded to ``PERCENT_PLACES`` decimals, half to even; ``None`` as ``change``."""
    exact = change(now, before)
    wide = decimal.Context(prec=EXACT.prec, rounding=decimal.ROUND_HALF_EVEN)  # any magnitude
    return (
        None if exact is None else exact.quantize(Decimal(1).scaleb(-PERCENT_PLACES), context=wide)
    )


def build(
    engine: Engine,
    span: Range,
    integrations: list[str] | None = None,
    provider: str | None = None,
) -> Overview | None:
    """The Overview over ``span``, of ``provider`` only when given (``all``: every one);
    ``None`` when no data is stored at all."""
    before = span.previous()
    with snapshot(engine) as conn:
        where = scope(conn, span.since, span.until, integrations, provider)
        if scope(conn, None, None, integrations) is None:
            return None
        earlier = scope(conn, before.since, before.until, integrations, provider)
        users = usage.users(conn, where) if where else []
        total = summed(users)  # the people's sums: no second read
        previous = usage.total(conn, earlier) if earlier else Measures()
        previous_people = usage.people_count(conn, earlier) if earlier else 0
        models = usage.models(conn, where) if where else []
        days = model_days(conn, where) if where else []
        now_pairs = pair_spend(conn, where) if where else {}
        before_pairs = pair_spend(conn, earlier) if earlier else {}
        known = where or earlier
        names = usage.names(conn, known) if known else {}
    buckets, series = stack(span, days, [m.model for m in models])
    return Overview(
        range=span, total=total, previous=previous, people=len(users),
        previous_people=previous_people, buckets=buckets, weekly=weekly(span), series=series,
        top_people=tuple(users[:10]), models=tuple(models),
        changes=changes(now_pairs, before_pairs, names), previous_has_data=previous.events > 0,
    )  # fmt: skip


_Line = tuple[Decimal, str | None, str]
"""A pair's (change, email, model)."""


def _order(line: _Line) -> tuple[Decimal, str, str]:
    """Largest rise first, then by person and model."""
    return (-line[0], line[1] or "", line[2] or "")


def changes(
    now: dict[PairKey, tuple[int, Decimal]],
    before: dict[PairKey, tuple[int, Decimal]],
    names: dict[str | None, str | None],
) -> tuple[Change, ...]:
    """Each person x model pair's change in spend (``activity.pair_spend`` of each period); the
    ``TOP_CHANGES`` largest rises and falls, and one line for all the others (omitted when they
    changed nothing). A ``Change`` is made only for the lines shown: a year of a large team has
    tens of thousands of pairs."""
    zero = (0, Decimal(0))
    with decimal.localcontext(EXACT):
        lines: list[_Line] = [
            (now.get(pair, zero)[1] - before.get(pair, zero)[1], *pair)
            for pair in now.keys() | before.keys()
        ]
        ups = heapq.nsmallest(TOP_CHANGES, (x for x in lines if x[0] > 0), key=_order)
        downs = heapq.nlargest(TOP_CHANGES, (x for x in lines if x[0] < 0), key=_order)
        listed = tuple(
            Change(email=email, model=model,
                   name=names.get(email) or (email and person_keys.label(email)),
                   previous_cents=before.get((email, model), zero)[1],
                   spend_cents=now.get((email, model), zero)[1], change_cents=change)
            for change, email, model in ups + downs
        )  # fmt: skip
        was = sum((v[1] for v in before.values()), Decimal(0))
        is_ = sum((v[1] for v in now.values()), Decimal(0))
        tail = Change(
            email=None, name=None, model=None,
            previous_cents=was - sum((c.previous_cents for c in listed), Decimal(0)),
            spend_cents=is_ - sum((c.spend_cents for c in listed), Decimal(0)),
            change_cents=is_ - was - sum((c.change_cents for c in listed), Decimal(0)),
            pairs=len(lines) - len(listed),
        )  # fmt: skip
    return (*listed, *([tail] if tail.pairs and tail.change_cents else []))
