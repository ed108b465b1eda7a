"""Who leans on which model: each person's usage value over a range split across the range's
top models (by usage value) and the rest, "other models": the People page's model view, its
JSON twin and CSV. Exact sums of the person x model blocks (``activity.pair_spend``)."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from pumpview.reports import usage
from pumpview.reports.activity import pair_spend
from pumpview.reports.ranges import Range
from pumpview.reports.scope import scope
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT

TOP = 6
"""How many models get a column of their own; the others are summed as "other models"."""


@dataclass(frozen=True, slots=True)
class PersonModels:
    """One person's usage value (``spend_cents``), split across the top models."""

    email: str | None
    """Lower-case; ``None`` for events without an email."""
    name: str | None
    spend_cents: Decimal
    models: tuple[Decimal, ...]
    """Per top model, in ``ModelView.models``' order; zero when the person did not use it."""
    other_models_cents: Decimal


@dataclass(frozen=True, slots=True)
class ModelView:
    range: Range
    models: tuple[str, ...]
    """The range's top models by usage value, highest first (then by name)."""
    model_cents: tuple[Decimal, ...]
    """Each top model's usage value over everyone: the table's totals row."""
    other_models_cents: Decimal
    rows: tuple[PersonModels, ...]
    """By usage value, highest first (then by email)."""

    @property
    def spend_cents(self) -> Decimal:
        with decimal.localcontext(EXACT):
            return sum(self.model_cents, self.other_models_cents)


def build(
    engine: Engine, span: Range, integrations: Sequence[str] | None = None, top: int = TOP
) -> ModelView:
    """Everyone with usage over ``span`` (every integration, or the ones named), their usage
    value split across the ``top`` models of the range and the rest; one snapshot."""
    with snapshot(engine) as conn:
        where = scope(conn, span.since, span.until, integrations)
        if where is None:
            return ModelView(span, (), (), Decimal(0), ())
        pairs = pair_spend(conn, where)
        names = usage.names(conn, where)
    with decimal.localcontext(EXACT):
        per_model: dict[str, Decimal] = {}
        per_person: dict[str | None, dict[str, Decimal]] = {}
        for (email, model), (_events, cents) in pairs.items():
            per_model[model] = per_model.get(model, Decimal(0)) + cents
            per_person.setdefault(email, {})[model] = cents
        ranked = sorted(per_model, key=lambda m: (-per_model[m], m))
        chosen = tuple(ranked[:top])
        rows = []
        for email, spent in per_person.items():
            total = sum(spent.values(), Decimal(0))
            shown = tuple(spent.get(m, Decimal(0)) for m in chosen)
            rows.append(PersonModels(email, names.get(email), total, shown, total - sum(shown)))
        rest = sum((per_model[m] for m in ranked[top:]), Decimal(0))
    rows.sort(key=lambda r: (-r.spend_cents, r.email or ""))
    return ModelView(span, chosen, tuple(per_model[m] for m in chosen), rest, tuple(rows))
