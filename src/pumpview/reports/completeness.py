"""How complete the data on a page is: what every data page says above its figures.

From the day bookmarks the sync keeps (``sync_days``, committed with the events they count):
the days final for good, the newest days still provisional, a backfill still loading, the
retention observed, and the share of spend no person can be named for. Days are counted once
however many integrations store them; a disconnected integration's days that were still
provisional are final as stored, since no sync will read them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from pumpview.reports import usage
from pumpview.reports.ranges import Range
from pumpview.reports.scope import integration_ids, scope
from pumpview.reports.unit_costs import ratio
from pumpview.store import runs, tables
from pumpview.store.engine import snapshot
from pumpview.store.usage import is_final


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
    """Stored days after it, which Cursor may still revise (each day once, whatever the number
    of integrations storing it)."""
    loading: tuple[runs.Run, ...]
    """Syncs running now on the integrations in scope (a backfill: the figures are partial
    until it ends)."""
    retention_from: date | None
    missing_before: bool
    """The range starts before the oldest stored day: the page shows less than it asks for."""
    unattributed_share: Decimal | None
    """The range's spend on events without an email (removed users), of all its spend."""
    final_as_stored: tuple[AsStored, ...] = ()
    """Disconnected integrations whose newest days were still provisional: no sync will read
    them again, so they are final as stored."""
    stopped: tuple[Stopped, ...] = ()
    """Integrations in scope whose figures stopped updating (no key, or a revoked one)."""


@dataclass(frozen=True, slots=True)
class AsStored:
    """A disconnected integration's days that were provisional when it was disconnected."""

    integration: str
    days: int
    """How many stored days it was still to re-read."""


def of(
    engine: Engine, span: Range, now_ms: int, integrations: Sequence[str] | None = None
) -> Completeness:
    """At ``now_ms``, over every integration, or the ones named."""
    days, every = tables.sync_days, tables.integrations
    query = (
        select(days.c.day, days.c.fetched_at_ms, every.c.name, every.c.status)
        .join(every, every.c.id == days.c.integration_id)
        .order_by(days.c.day)
    )
    if integrations is not None:
        query = query.where(every.c.name.in_(integrations))
    with snapshot(engine) as conn:
        marks = conn.execute(query).all()
        ids = integration_ids(conn, integrations)
        loading = tuple(run for iid in ids if (run := runs.running(conn, iid, now_ms)) is not None)
        earliest = tables.integrations.c.earliest_day
        retention = (
            conn.execute(
                select(earliest).where(earliest.is_not(None), every.c.id.in_(ids))
            ).scalars().all()
        )  # fmt: skip
        where = scope(conn, span.since, span.until, integrations)
        stopped = _stopped(conn, integrations)
        share = None
        if where is not None:
            spend = usage.total(conn, where).spend_cents
            if spend:
                share = ratio(usage.unattributed(conn, where).spend_cents, spend)
    pending: set[date] = set()  # days a sync will read again
    frozen: dict[str, int] = {}  # days no sync will read again, per disconnected integration
    for day, fetched, name, status in marks:
        if is_final(day, fetched):
            continue
        if status == "disconnected":
            frozen[name] = frozen.get(name, 0) + 1
        else:
            pending.add(day)
    first_pending = min(pending, default=None)
    complete = max((d for d, *_ in marks if first_pending is None or d < first_pending),
                   default=None)  # fmt: skip
    oldest = marks[0][0] if marks else None
    return Completeness(
        complete_through=complete, provisional_days=len(pending), loading=loading,
        retention_from=min(retention) if retention else None,
        missing_before=oldest is not None and span.since < oldest, unattributed_share=share,
        final_as_stored=tuple(AsStored(name, n) for name, n in sorted(frozen.items())),
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


def complete_through(conn: Connection, integration_ids: Sequence[int]) -> date | None:
    """The last day up to which every stored day of ``integration_ids`` is final, as ``of``
    says it (a disconnected integration's provisional days final as stored): what a judgement
    on complete days only (anomalies) reads, in the caller's snapshot."""
    days, every = tables.sync_days, tables.integrations
    marks = conn.execute(
        select(days.c.day, days.c.fetched_at_ms, every.c.status)
        .join(every, every.c.id == days.c.integration_id)
        .where(days.c.integration_id.in_(integration_ids))
    ).all()
    pending = [day for day, fetched, status in marks
               if not is_final(day, fetched) and status != "disconnected"]  # fmt: skip
    first_pending = min(pending, default=None)
    return max((day for day, *_ in marks if first_pending is None or day < first_pending),
               default=None)  # fmt: skip
