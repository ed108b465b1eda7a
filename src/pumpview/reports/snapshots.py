"""Cursor's ``/teams/spend`` snapshots as stored, one per sync: the cycles they describe, the
last one of each (Cursor's final word on a cycle: past cycles cannot be read again), the latest
spending limits, and when the next one is due before a cycle rolls.

A snapshot names its cycle by ``cycle_start_ms`` (``subscriptionCycleStart``); its rows are the
members Cursor listed at ``taken_at_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, and_, func, select

from pumpview.reports import cycles
from pumpview.reports.cycles import Cycle
from pumpview.store import tables
from pumpview.timeutil import MS_PER_HOUR

DUE_BEFORE_ROLLOVER_MS = MS_PER_HOUR
"""A spend snapshot is taken in the last hour of a known cycle, whatever the sync interval."""
DUE_EVERY_MS = 10 * 60_000
"""... at most every 10 minutes there: a cycle's last snapshot is at most that old when it rolls."""


@dataclass(frozen=True, slots=True)
class Taken:
    """A cycle with at least one snapshot, and the time of its last one."""

    integration_id: int
    cycle: Cycle
    taken_at_ms: int


@dataclass(frozen=True, slots=True)
class Member:
    """One member's row of a snapshot; money exact (Cursor sends float cents and dollars)."""

    email: str
    on_demand_cents: Decimal
    """``spendCents``: on-demand this cycle."""
    usage_cents: Decimal | None
    """``overallSpendCents``: usage value this cycle (``None``: the 2025 API had no such field)."""
    effective_limit_dollars: Decimal | None
    monthly_limit_dollars: Decimal | None
    hard_limit_dollars: Decimal | None


def taken(conn: Connection, integration_id: int) -> list[Taken]:
    """Every cycle the integration has snapshots of, newest first, with its last snapshot."""
    snaps = tables.spend_snapshots
    known = cycles.starts(conn, integration_id)
    rows = conn.execute(
        select(snaps.c.cycle_start_ms, func.max(snaps.c.taken_at_ms))
        .where(snaps.c.integration_id == integration_id)
        .group_by(snaps.c.cycle_start_ms)
        .order_by(snaps.c.cycle_start_ms.desc())
    )
    return [
        Taken(integration_id, cycles.cycle_at(known, int(start)), int(last)) for start, last in rows
    ]


def members(conn: Connection, integration_id: int, taken_at_ms: int) -> list[Member]:
    """The rows of the integration's snapshot taken at ``taken_at_ms``."""
    snaps = tables.spend_snapshots
    rows = conn.execute(
        select(snaps.c.email, snaps.c.spend_cents, snaps.c.overall_spend_cents,
               snaps.c.effective_limit_dollars, snaps.c.monthly_limit_dollars,
               snaps.c.hard_limit_dollars)
        .where(snaps.c.integration_id == integration_id, snaps.c.taken_at_ms == taken_at_ms)
        .order_by(snaps.c.email)
    )  # fmt: skip
    return [Member(*row) for row in rows]


def latest(conn: Connection, integration_ids: tuple[int, ...]) -> dict[int, int]:
    """Each integration's latest snapshot time (integrations without one are left out)."""
    snaps = tables.spend_snapshots
    rows = conn.execute(
        select(snaps.c.integration_id, func.max(snaps.c.taken_at_ms))
        .where(snaps.c.integration_id.in_(integration_ids))
        .group_by(snaps.c.integration_id)
    )
    return {int(iid): int(ms) for iid, ms in rows}


def latest_members(conn: Connection, integration_ids: tuple[int, ...]) -> dict[int, list[Member]]:
    """Each integration's latest snapshot rows: the spending limits Cursor enforces now."""
    snaps = tables.spend_snapshots
    newest = (
        select(snaps.c.integration_id, func.max(snaps.c.taken_at_ms).label("taken"))
        .where(snaps.c.integration_id.in_(integration_ids))
        .group_by(snaps.c.integration_id)
        .subquery()
    )
    rows = conn.execute(
        select(snaps.c.integration_id, snaps.c.email, snaps.c.spend_cents,
               snaps.c.overall_spend_cents, snaps.c.effective_limit_dollars,
               snaps.c.monthly_limit_dollars, snaps.c.hard_limit_dollars)
        .join(newest, and_(snaps.c.integration_id == newest.c.integration_id,
                           snaps.c.taken_at_ms == newest.c.taken))
        .order_by(snaps.c.integration_id, snaps.c.email)
    )  # fmt: skip
    out: dict[int, list[Member]] = {}
    for iid, *member in rows:
        out.setdefault(int(iid), []).append(Member(*member))
    return out


def due(conn: Connection, integration_id: int, now_ms: int) -> bool:
    """Whether a spend snapshot is due at ``now_ms``: in the last hour of a cycle known from
    Cursor (``DUE_BEFORE_ROLLOVER_MS``) with none taken in the last ``DUE_EVERY_MS``. A calendar
    month (no snapshot yet) has no known rollover: the next sync takes the first one."""
    cycle = cycles.current(conn, integration_id, now_ms)
    if not cycle.known or now_ms < cycle.end_ms - DUE_BEFORE_ROLLOVER_MS:
        return False
    last = latest(conn, (integration_id,)).get(integration_id)
    return last is None or now_ms - last >= DUE_EVERY_MS
