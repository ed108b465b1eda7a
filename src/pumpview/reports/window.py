"""Usage between two instants, per person: what a billing cycle, a reconciliation or a budget
needs when its window starts or ends inside a UTC day.

The whole days of ``[start_ms, end_ms)`` come from the blocks as every report reads them; the
one or two days cut by an end are folded from their events, exactly as the rollup folds them
(``store.rollup.fold``), so the window's sums are the events' to the last decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Connection

from pumpview.reports import usage
from pumpview.reports.ranges import Range
from pumpview.reports.scope import of_ids
from pumpview.store import facts, rollup, tables
from pumpview.store.measures import MEASURES, Measures, by_name, plus
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms


def per_person(
    conn: Connection, integration_ids: Sequence[int], start_ms: int, end_ms: int
) -> dict[str, Measures]:
    """Each person's measures over the events of ``[start_ms, end_ms)`` on the integrations,
    keyed by lower-case email (``tables.UNATTRIBUTED`` for events without one)."""
    out: dict[str, Measures] = {}
    if end_ms <= start_ms or not integration_ids:
        return out
    first, last = day_of(start_ms), day_of(end_ms - 1)
    whole_first = first if day_start_ms(first) == start_ms else first + timedelta(days=1)
    whole_last = last if day_start_ms(last + timedelta(days=1)) == end_ms else last - timedelta(1)
    ids = tuple(sorted(integration_ids))
    if whole_first <= whole_last:
        where = of_ids(conn, ids, Range("custom", whole_first, whole_last))
        for row in usage.users(conn, where):
            out[row.email or tables.UNATTRIBUTED] = Measures(
                **{name: getattr(row, name) for name in MEASURES}
            )
    cut = sorted({first, last} - _days(whole_first, whole_last))
    for email, measures in _folded(conn, ids, start_ms, end_ms, cut).items():
        out[email] = plus(out[email], measures) if email in out else measures
    return out


def total(conn: Connection, integration_ids: Sequence[int], start_ms: int, end_ms: int) -> Measures:
    """Everyone's measures over ``[start_ms, end_ms)``."""
    result = Measures()
    for measures in per_person(conn, integration_ids, start_ms, end_ms).values():
        result = plus(result, measures)
    return result


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def _folded(
    conn: Connection, ids: tuple[int, ...], start_ms: int, end_ms: int, days: list[date]
) -> dict[str, Measures]:
    """The events of the cut ``days`` inside the window, folded per person."""
    if not days:
        return {}
    read, acc = facts.of(conn), rollup.Rollup()
    for day in days:
        start, end = max(start_ms, day_start_ms(day)), min(end_ms, day_start_ms(day) + MS_PER_DAY)
        rollup.fold(acc, read.events(ids, start, end, rollup.EVENT_COLUMNS))
    out: dict[str, Measures] = {}
    for (_day, email, _model, _kind), sums in acc.items():
        measures = Measures(**by_name(sums))
        out[email] = plus(out[email], measures) if email in out else measures
    return out
