"""How complete the data on a page is: what every data page says above its figures.

From the day bookmarks the sync keeps (``sync_days``, committed with the events they count):
the days final for good, the newest days still provisional, a backfill still loading, the
retention observed, and the share of spend no person can be named for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select

from pumpview.reports.ranges import Range
from pumpview.store import runs, tables
from pumpview.store.usage import is_final
from pumpview.timeutil import now_ms


@dataclass(frozen=True, slots=True)
class Completeness:
    complete_through: date | None
    """The last day up to which every stored day is final."""
    provisional_days: int
    """Stored days after it, which Cursor may still revise."""
    loading: tuple[runs.Run, ...]
    """Syncs running now (a backfill: the figures are partial until it ends)."""
    retention_from: date | None
    missing_before: bool
    """The range starts before the oldest stored day: the page shows less than it asks for."""


def of(engine: Engine, span: Range) -> Completeness:
    days, integrations = tables.sync_days, tables.integrations
    with engine.connect() as conn:
        marks = conn.execute(select(days.c.day, days.c.fetched_at_ms).order_by(days.c.day)).all()
        loading = tuple(
            run
            for iid in conn.execute(select(integrations.c.id)).scalars()
            if (run := runs.running(conn, iid, now_ms())) is not None
        )
        retention = conn.execute(
            select(integrations.c.earliest_day).where(integrations.c.earliest_day.is_not(None))
        ).scalars().all()  # fmt: skip
    complete, provisional = None, 0
    for day, fetched in marks:
        if is_final(day, fetched) and provisional == 0:
            complete = day
        elif not is_final(day, fetched):
            provisional += 1
    oldest = marks[0][0] if marks else None
    return Completeness(
        complete_through=complete, provisional_days=provisional, loading=loading,
        retention_from=min(retention) if retention else None,
        missing_before=oldest is not None and span.since < oldest,
    )  # fmt: skip
