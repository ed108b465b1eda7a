"""Cursor's spending limits per member, beside the on-demand they have used this cycle.

The limits are Cursor's, from each integration's latest ``/teams/spend`` snapshot:
``effectivePerUserLimitDollars`` (the limit Cursor enforces), ``monthlyLimitDollars`` and
``hardLimitOverrideDollars``. The on-demand used is Pump View's own, summed from the events of
the integration's current billing cycle (``cycles.current``, ``reports.window``), so it is as
fresh as the last sync, not as the snapshot. A member of two Cursor teams shows the team whose
limit they are closest to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import Connection, Engine

from pumpview.reports import cycles, snapshots, window
from pumpview.reports.cycles import Cycle
from pumpview.reports.plain import Plain, plain
from pumpview.reports.scope import integration_ids
from pumpview.reports.unit_costs import ratio
from pumpview.store.engine import snapshot
from pumpview.store.measures import ZERO

PERCENT_STEP = Decimal("0.01")
"""% used is a ratio, not a sum: rounded once to a hundredth of a percent, half to even."""


@dataclass(frozen=True, slots=True)
class Limit:
    integration_id: int
    cycle: Cycle
    on_demand_cents: Decimal
    """Pump View's on-demand from the events of the cycle so far."""
    limit_dollars: Decimal | None
    """``effectivePerUserLimitDollars``: ``None`` when Cursor sends none."""
    monthly_limit_dollars: Decimal | None
    hard_limit_dollars: Decimal | None
    """``hardLimitOverrideDollars``; 0 means no override."""

    @property
    def used_percent(self) -> Decimal | None:
        """On-demand as a % of the enforced limit; ``None`` without a positive limit."""
        if not self.limit_dollars or self.limit_dollars <= 0:
            return None
        share = ratio(self.on_demand_cents, self.limit_dollars)  # cents / dollars = percent
        return None if share is None else share.quantize(PERCENT_STEP, ROUND_HALF_EVEN)


COLUMNS = ("limit_dollars", "monthly_limit_dollars", "hard_limit_dollars",
           "limit_on_demand_cents", "limit_used_percent", "limit_cycle")  # fmt: skip
"""The fields a person's row gains (``/api/people``, ``pumpview report users``)."""


def fields_of(limit: Limit | None) -> dict[str, Plain]:
    """A person's limit fields as plain values (all ``None`` without a snapshot row)."""
    if limit is None:
        return dict.fromkeys(COLUMNS)
    return {
        "limit_dollars": plain(limit.limit_dollars),
        "monthly_limit_dollars": plain(limit.monthly_limit_dollars),
        "hard_limit_dollars": plain(limit.hard_limit_dollars),
        "limit_on_demand_cents": plain(limit.on_demand_cents),
        "limit_used_percent": plain(limit.used_percent),
        "limit_cycle": plain(limit.cycle.first_day),
    }


def of(conn: Connection, ids: Sequence[int], now_ms: int) -> dict[str, Limit]:
    """Each member's limit, by lower-case email, on the integrations ``ids``."""
    out: dict[str, Limit] = {}
    for iid, members in snapshots.latest_members(conn, tuple(ids)).items():
        cycle = cycles.current(conn, iid, now_ms)
        used = window.per_person(conn, [iid], cycle.start_ms, min(cycle.end_ms, now_ms + 1))
        for member in members:
            spent = used.get(member.email)
            limit = Limit(iid, cycle, spent.on_demand_cents if spent else ZERO,
                          member.effective_limit_dollars, member.monthly_limit_dollars,
                          member.hard_limit_dollars)  # fmt: skip
            before = out.get(member.email)
            if before is None or _closer(limit, before):
                out[member.email] = limit
    return out


def _closer(a: Limit, b: Limit) -> bool:
    return (a.used_percent or Decimal(-1)) > (b.used_percent or Decimal(-1))


def run(engine: Engine, integrations: Sequence[str] | None, now_ms: int) -> dict[str, Limit]:
    """``of`` over every integration, or the ones named; one snapshot."""
    with snapshot(engine) as conn:
        return of(conn, integration_ids(conn, integrations), now_ms)


def above(limit: Limit | None, percent: Decimal) -> bool:
    """Whether the member has used at least ``percent`` % of their limit."""
    used = limit.used_percent if limit else None
    return used is not None and used >= percent
