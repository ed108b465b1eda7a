"""Claude Code reconciled with what Anthropic bills: per UTC day, the sum of the people's
estimates beside the organisation's cost report, and the difference.

The two figures are not the same thing, and the report says so rather than hiding it:

* **estimated**: Σ of the claude_code report's ``estimated_cost`` per person and model
  (``usage_daily.estimated_cents``): Anthropic's estimate at list price, rounded per record;
* **billed**: the cost report's lines (``provider_costs``, ``group_by[]=description``), split
  in two: the *model lines* (token usage, a model named: Claude Code's and any other API use of
  the same models in the organisation) and the *other lines* (no model: code execution, web
  search, session usage), which no Claude Code estimate covers;
* **difference** = billed model lines - estimated: what the token lines bill beyond the
  estimates. Zero when the organisation's API use is Claude Code's alone and every user pays
  per use; negative when some usage is on a subscription (in the claude_code report, not
  billed per token); positive when other API use shares the models; a cent or so either way
  from the report's per-record rounding.

Money is exact ``Decimal`` cents, summed in Python (``store.facts``, ``store.provider_costs``).
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from pumpview.reports.plain import Plain, plain
from pumpview.reports.scope import scope
from pumpview.store import facts, provider_costs
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, ZERO

PROVIDER = "claude-code"
CAVEAT = (
    "The claude_code report's cost is Anthropic's estimate at list price, not a charge; the cost "
    "report bills the whole organisation, so its model lines include any other API use of the "
    "same models, and its other lines (code execution, web search) are not Claude Code."
)


@dataclass(frozen=True, slots=True)
class Day:
    """One UTC day of every Claude Code integration in scope; cents."""

    day: date
    estimated_cents: Decimal
    """Σ the people's estimates (the claude_code report)."""
    billed_model_cents: Decimal
    """Σ the cost report's lines that name a model (token usage)."""
    billed_other_cents: Decimal
    """Σ the cost report's lines without a model (code execution, web search...)."""
    billed_cents: Decimal
    """The cost report's total: model lines plus other lines."""
    difference_cents: Decimal
    """billed_model_cents - estimated_cents."""


COLUMNS = tuple(f.name for f in fields(Day))


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The days with an estimate or a bill, oldest first, and their totals."""

    since: date | None
    until: date | None
    days: tuple[Day, ...]
    total: Day | None
    """Σ over the days (its ``day`` the last one); ``None`` without any day."""
    caveat: str = CAVEAT


def build(
    engine: Engine,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
) -> Reconciliation:
    """The reconciliation of the Claude Code integrations (of ``integrations`` when named) over
    ``[since, until]``; open ends are the stored data's."""
    with snapshot(engine) as conn:
        where = scope(conn, since, until, integrations, PROVIDER)
        if where is None or not where.integration_ids:
            return Reconciliation(since, until, (), None)
        ids, first, last = where.days()
        estimated = dict(
            facts.of(conn).sums(ids, first, last, by=("day",), measures=("estimated_cents",))
        )
        lines = provider_costs.lines(conn, ids, first, last)
    model: dict[date, Decimal] = {}
    other: dict[date, Decimal] = {}
    with decimal.localcontext(EXACT):
        for line in lines:
            into = model if line.model else other
            into[line.day] = into.get(line.day, ZERO) + line.cents
        days = tuple(
            _day(d, estimated.get(d, ZERO), model.get(d, ZERO), other.get(d, ZERO))
            for d in sorted(set(model) | set(other) | {d for d, c in estimated.items() if c})
        )
        total = (
            _day(
                days[-1].day,
                sum((d.estimated_cents for d in days), ZERO),
                sum((d.billed_model_cents for d in days), ZERO),
                sum((d.billed_other_cents for d in days), ZERO),
            )
            if days
            else None
        )
    return Reconciliation(first, last, days, total)


def _day(day: date, estimated: Decimal, model: Decimal, other: Decimal) -> Day:
    with decimal.localcontext(EXACT):
        return Day(day, estimated, model, other, model + other, model - estimated)


def plain_rows(days: Sequence[Day]) -> list[dict[str, Plain]]:
    """The days as JSON/CSV rows: cents as exact decimal strings, days as ISO dates."""
    return [{c: plain(getattr(d, c)) for c in COLUMNS} for d in days]


def to_json(result: Reconciliation) -> dict[str, object]:
    """The report as the API and ``--format json`` give it."""
    return {
        "provider": PROVIDER,
        "since": plain(result.since),
        "until": plain(result.until),
        "caveat": result.caveat,
        "estimated": True,
        "totals": None if result.total is None else plain_rows([result.total])[0],
        "days": plain_rows(result.days),
    }
