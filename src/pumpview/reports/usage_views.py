"""The People, Models, Requests and Daily pages: what each page and its JSON twin serve, built
in one snapshot (the table and its chart agree). The twin serves ``rows`` through
``usage.COLUMNS``; the page adds its own columns and its chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from pumpview.reports import usage
from pumpview.reports.activity import Activity, activity
from pumpview.reports.ranges import Range
from pumpview.reports.scope import Scope, scope
from pumpview.reports.series import Series, model_days, stack
from pumpview.reports.unit_costs import unit_costs
from pumpview.store import facts
from pumpview.store.engine import snapshot


@dataclass(frozen=True, slots=True)
class UsageView:
    """One usage report over a range, with what its page shows beside it."""

    report: str
    """``users``, ``models``, ``requests`` or ``daily``: a key of ``usage.COLUMNS``."""
    range: Range
    stored: bool
    """Whether the range has a scope (some integration to read); without one, no chart."""
    rows: tuple[Any, ...]
    """The report's rows, in its order: ``usage.REPORTS[report]``."""
    activity: tuple[Activity | None, ...] = ()
    """People: each row's most-used model, last active day and kind (``None``: no events)."""
    unit_costs: tuple[dict[str, Decimal | None], ...] = ()
    """Models: each row's unit costs and shares (``unit_costs.unit_costs``)."""
    buckets: tuple[date, ...] = ()
    series: tuple[Series, ...] = ()
    """Models: spend over time stacked by model, as the Overview's chart draws it."""
    days: tuple[usage.DailyRow, ...] = ()
    """Requests: every measure per day, for the request classes over time."""
    providers: tuple[tuple[str, ...], ...] = ()
    """Models: the providers each row's model was used through (names, in order)."""


def model_providers(conn: Connection, where: Scope) -> dict[str, tuple[str, ...]]:
    """Each model's providers in the scope: one read of one measure per provider (a model name
    is its provider's; two providers may share one)."""
    read = facts.of(conn)
    out: dict[str, tuple[str, ...]] = {}
    for name, ids in where.providers:
        for model, _events in read.sums(ids, where.range.since, where.range.until,
                                        by=("model",), measures=("events",)):  # fmt: skip
            out[model] = (*out.get(model, ()), name)
    return out


def build(
    engine: Engine,
    report: str,
    span: Range,
    integrations: list[str] | None = None,
    provider: str | None = None,
) -> UsageView:
    """The ``report`` page over ``span`` (every integration, or the ones named; of every
    provider, or the one named)."""
    with snapshot(engine) as conn:
        where = scope(conn, span.since, span.until, integrations, provider)
        if where is None:
            return UsageView(report, span, stored=False, rows=())
        if report == "users":
            people = usage.users(conn, where)
            seen = activity(conn, where)
            return UsageView(report, span, stored=True, rows=tuple(people),
                             activity=tuple(seen.get(p.email) for p in people))  # fmt: skip
        if report == "models":
            models = usage.models(conn, where)
            buckets, series = stack(span, model_days(conn, where), [m.model for m in models])
            costs = tuple(unit_costs(m) for m in models)
            through = model_providers(conn, where)
            return UsageView(report, span, stored=True, rows=tuple(models), buckets=buckets,
                             series=series, unit_costs=costs,
                             providers=tuple(through.get(m.model, ()) for m in models))  # fmt: skip
        rows = tuple(usage.REPORTS[report](conn, where))
        days = tuple(usage.daily(conn, where)) if report == "requests" else ()
        return UsageView(report, span, stored=True, rows=rows, days=days)
