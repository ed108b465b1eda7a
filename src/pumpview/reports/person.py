"""One person over a range: spend per day by model, the model mix, tokens, request classes, and
their most recent events. Read from the rollup through its per-person index (a year is a few
thousand rows), summed exactly here."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from pumpview.reports import person_keys, usage
from pumpview.reports.ranges import Range
from pumpview.reports.scope import scope
from pumpview.reports.series import DayAmount, Series, stack
from pumpview.store import facts, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, MEASURES, Measures
from pumpview.store.tables import UNATTRIBUTED
from pumpview.timeutil import MS_PER_DAY, day_start_ms

RECENT = 20
"""Events per page of a person's events."""
MAX_PAGE = 500
"""The deepest page (10,000 events back): each integration's newest ``page * RECENT`` events are
read to merge them; a narrower range reaches older ones."""


@dataclass(frozen=True, slots=True)
class RecentEvent:
    ts_ms: int
    model: str
    kind: str
    cost_cents: Decimal
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class Person:
    email: str | None
    name: str | None
    range: Range
    total: Measures
    models: tuple[tuple[str, Measures], ...]
    """The model mix, by spend."""
    buckets: tuple[date, ...]
    series: tuple[Series, ...]
    """Spend over time by model, as the Overview's chart draws it."""
    days: tuple[tuple[date, Measures], ...]
    """Every measure per active day (fast and slow over time)."""
    recent: tuple[RecentEvent, ...]
    """Their events in the range, newest first: page ``page`` of ``RECENT`` each."""
    page: int = 1

    @property
    def pages(self) -> int:
        """Pages of their events in the range (at least one, if empty), at most ``MAX_PAGE``."""
        return min(MAX_PAGE, max(1, -(-self.total.events // RECENT)))


_ZEROS = tuple(getattr(Measures(), name) for name in MEASURES)
"""Every measure at its exact zero (Decimal for money), in ``MEASURES`` order."""


def _add(into: dict[Any, list[Any]], key: Any, values: Sequence[Any]) -> None:
    """Add measure values (``MEASURES`` order) into ``into[key]``."""
    sums = into.setdefault(key, list(_ZEROS))
    for i, value in enumerate(values):
        sums[i] += value


def build(
    engine: Engine,
    email: str | None,
    span: Range,
    integrations: list[str] | None = None,
    page: int = 1,
) -> Person | None:
    """``email`` ``None`` is the unattributed bucket; ``None`` back when the person has no data
    and is not on any roster. Over every integration, or the ones named; their events' page
    ``page`` (1 to ``MAX_PAGE``)."""
    page = min(max(page, 1), MAX_PAGE)
    key = email or UNATTRIBUTED
    people = tables.cursor_members
    with snapshot(engine) as conn:
        where = scope(conn, span.since, span.until, integrations)
        ids = where.integration_ids if where else ()
        read = facts.of(conn)
        keys = person_keys.keys_of(conn, key) if email else [key]  # their GitHub logins too
        rows = [r for k in keys for r in read.person_days(ids, k, span.since, span.until)]
        name = conn.execute(select(people.c.name).where(people.c.email == key)).scalars().first()
        known = name is not None or conn.execute(
            select(people.c.email).where(people.c.email == key)
        ).first() is not None  # fmt: skip
        start_ms = day_start_ms(span.since)
        end_ms = day_start_ms(span.until) + MS_PER_DAY
        recent = read.recent_events(ids, key, start_ms, end_ms, page * RECENT)
        recent = recent[(page - 1) * RECENT : page * RECENT]
    if not rows and not known and not recent:
        return None
    by_model: dict[str, list[Any]] = {}
    by_day: dict[date, list[Any]] = {}
    by_day_model: dict[tuple[date, str], list[Any]] = {}
    with decimal.localcontext(EXACT):
        for day, model, *values in rows:
            _add(by_model, model, values)
            _add(by_day, day, values)
            _add(by_day_model, (day, model), values)
        total: list[Any] = list(_ZEROS)
        for sums in by_model.values():
            total = [a + b for a, b in zip(total, sums, strict=True)]
    models = sorted(((m, Measures(**dict(zip(MEASURES, s, strict=True))))
                     for m, s in by_model.items()), key=lambda p: -p[1].spend_cents)  # fmt: skip
    at_spend = MEASURES.index("spend_cents")
    buckets, series = stack(
        span,
        [DayAmount(day, model, sums[at_spend])
         for (day, model), sums in sorted(by_day_model.items())],
        [model for model, _m in models],
    )  # fmt: skip
    return Person(
        email=email, name=name if email else usage.UNATTRIBUTED_NAME, range=span,
        total=Measures(**dict(zip(MEASURES, total, strict=True))), models=tuple(models),
        buckets=buckets, series=series,
        days=tuple((d, Measures(**dict(zip(MEASURES, s, strict=True))))
                   for d, s in sorted(by_day.items())),
        recent=tuple(RecentEvent(*r) for r in recent), page=page,
    )  # fmt: skip
