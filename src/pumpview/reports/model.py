"""One model over a range: its totals and unit costs, its spend over time, and who uses it
(from the person x model blocks); one snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from pumpview.reports import usage
from pumpview.reports.overview import Series, stack
from pumpview.reports.ranges import Range
from pumpview.store.engine import snapshot


@dataclass(frozen=True, slots=True)
class Model:
    model: str
    range: Range
    total: usage.ModelRow
    unit_costs: dict[str, Decimal | None]
    buckets: tuple[date, ...]
    series: tuple[Series, ...]
    people: tuple[usage.PairRow, ...]
    """Who used the model in the range, by spend."""
    names: dict[str | None, str | None]


def build(
    engine: Engine, model: str, span: Range, integrations: list[str] | None = None
) -> Model | None:
    """``None`` when the model has no events in the range."""
    with snapshot(engine) as conn:
        where = usage.scope(conn, span.since, span.until, integrations)
        found = [m for m in usage.models(conn, where) if m.model == model] if where else []
        if where is None or not found:
            return None
        days = usage.spend_by_model_day(conn, where, model)
        people = usage.pairs(conn, where, model)
        names = usage.names(conn, where)
    buckets, series = stack(span, days, [model])
    return Model(
        model=model, range=span, total=found[0], unit_costs=usage.unit_costs(found[0]),
        buckets=buckets, series=series, people=tuple(people), names=names,
    )  # fmt: skip
