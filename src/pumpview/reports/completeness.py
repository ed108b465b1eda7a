"""How complete the data on a page is: what every data page says above its figures.

From the day bookmarks the sync keeps (``sync_days``, committed with the events they count):
the days final for good, the newest days still provisional, a backfill still loading, the
retention observed, and the share of spend no person can be named for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from pumpview.reports import usage
from pumpview.reports.ranges import Range
from pumpview.store import runs, tables
from pumpview.store.engine import snapshot
from pumpview.store.usage import is_final
from pumpview.timeutil import now_ms


@dataclass(frozen=True, slots=True)
class Stopped:
    """A Cursor integration whose figures no longer update: disconnected, or its key revoked."""

    name: str
    display_name: str
    status: str
    """``disconnected`` or ``revoked``."""
    last_success_at_ms: int | None


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
    unattributed_share: Decimal | None
    """The range's spend on events without an email (removed users), of all its spend."""
    stopped: tuple[Stopped, ...] = ()
    """Integrations in scope whose figures stopped updating (no key, or a revoked one)."""


def of(engine: Engine, span: Range, integrations: Sequence[str] | None = None) -> Completeness:
    """Over every integration, or the ones named (for the unattributed share)."""
    days = tables.sync_days
    with snapshot(engine) as conn:
        marks = conn.execute(select(days.c.day, days.c.fetched_at_ms).order_by(days.c.day)).all()
        loading = tuple(
            run
            for iid in conn.execute(select(tables.integrations.c.id)).scalars()
            if (run := runs.running(conn, iid, now_ms())) is not None
        )
        earliest = tables.integrations.c.earliest_day
        retention = conn.execute(select(earliest).where(earliest.is_not(None))).scalars().all()
        where = usage.scope(conn, span.since, span.until, integrations)
        stopped = _stopped(conn, integrations)
        share = None
        if where is not None:
            spend = usage.total(conn, where).spend_cents
            if spend:
                share = usage.ratio(usage.unattributed(conn, where).spend_cents, spend)
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
        missing_before=oldest is not None and span.since < oldest, unattributed_share=share,
        stopped=stopped,
    )  # fmt: skip


def _stopped(conn: Connection, names: Sequence[str] | None) -> tuple[Stopped, ...]:
    rows = tables.integrations
    found = conn.execute(
        select(rows.c.name, rows.c.team_name, rows.c.status, rows.c.last_success_at_ms)
        .where(rows.c.status.in_(("disconnected", "revoked")))
        .order_by(rows.c.name)
    )
    return tuple(
        Stopped(row.name, row.team_name or row.name, row.status, row.last_success_at_ms)
        for row in found
        if names is None or row.name in names
    )
