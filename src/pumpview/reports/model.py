"""One model over a range: its totals and unit costs, its spend over time, and who uses it
(from the person x model blocks, a page at a time); one snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine

from pumpview.reports import usage
from pumpview.reports.activity import PairRow, pairs
from pumpview.reports.ranges import Range
from pumpview.reports.scope import scope
from pumpview.reports.series import Series, model_days, stack
from pumpview.reports.unit_costs import unit_costs
from pumpview.store import facts
from pumpview.store.engine import snapshot

PER_PAGE = 50
"""People per page of a model's users."""


@dataclass(frozen=True, slots=True)
class Model:
    model: str
    range: Range
    total: usage.ModelRow
    unit_costs: dict[str, Decimal | None]
    buckets: tuple[date, ...]
    series: tuple[Series, ...]
    people: tuple[PairRow, ...]
    """Who used the model in the range, by spend: page ``page`` of ``PER_PAGE`` each."""
    names: dict[str | None, str | None]
    page: int = 1

    @property
    def pages(self) -> int:
        """Pages of its people (at least one, if empty)."""
        return max(1, -(-self.total.users // PER_PAGE))


def build(
    engine: Engine,
    model: str,
    span: Range,
    integrations: list[str] | None = None,
    page: int = 1,
) -> Model | None:
    """``None`` when the model has no events stored at all; zeros when none in the range. Page
    ``page`` of its people."""
    page = max(page, 1)
    with snapshot(engine) as conn:
        where = scope(conn, span.since, span.until, integrations)
        if where is None or not _known(conn, where.integration_ids, model):
            return None
        found = [m for m in usage.models(conn, where) if m.model == model]
        total = found[0] if found else usage.ModelRow(model=model, users=0)
        days = model_days(conn, where, model) if found else []
        people = pairs(conn, where, model) if found else []
        names = usage.names(conn, where) if found else {}
    buckets, series = stack(span, days, [model])
    return Model(
        model=model, range=span, total=total, unit_costs=unit_costs(total),
        buckets=buckets, series=series,
        people=tuple(people[(page - 1) * PER_PAGE : page * PER_PAGE]), names=names, page=page,
    )  # fmt: skip


def _known(conn: Connection, ids: tuple[int, ...], model: str) -> bool:
    """Whether any day of the integrations holds the model."""
    return facts.of(conn).has_model(ids, model)
