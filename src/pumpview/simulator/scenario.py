"""The demo's planted cases: a team with something to show on every billing page (a member near
and one over their spending limit, a spike, a gap with Cursor's figures, idle seats and a newly
joined member), in a billing cycle that is well under way whatever the day.

Members are chosen from the roster the config draws, among ordinary paid seats (past the
special cases at indexes 0-5, on the team since the first day, using on-demand), so each case
has a member of its own; a small team gets the cases it has members for, in the order above.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from pumpview.simulator.config import SimConfig, Spike
from pumpview.simulator.roster import draw_members
from pumpview.timeutil import day_of

CYCLE_DAYS_IN = 20
"""The cycle open at the present starts on the day this many days before the present's (or on
the 28th when that day is later in its month), at 17:23 UTC: 19 to 24 days before the present."""
NEAR_LIMIT_SHARE = Decimal("0.9")
OVER_LIMIT_SHARE = Decimal("1.2")
SPIKE_MODEL = "claude-4.1-opus"
SPIKE_DAYS_AGO = 4
"""The spike is on the newest day that is complete at any hour of the present (a day is final
once fetched 72 h after it ends: ``store.usage.LATE_DATA_MS``), so anomalies, which judge
complete days only, find it at once."""
SPIKE_FACTOR = 6.0
GAP_CENTS = Decimal(1250)
IDLE_MEMBERS = 3
IDLE_DAYS = 45
JOINED_DAYS_AGO = 5


def with_demo_cases(config: SimConfig, now_ms: int) -> SimConfig:
    """``config`` with the demo's planted cases, its present fixed at ``now_ms``."""
    today = day_of(now_ms)
    ordinary = [
        m
        for m in draw_members(config, today - timedelta(days=config.days - 1))
        if m.paid_seat and m.index >= 6 and m.active_from == 0 and m.on_demand_share > 0
    ]
    # The heaviest on-demand users get the limits, the spike and the gap; the lightest go idle.
    ordinary.sort(key=lambda m: (-m.intensity * m.on_demand_share, m.index))
    heavy = [m.index for m in ordinary[:4]]
    light = [m.index for m in reversed(ordinary[4:])]
    near, over, spiked, gapped = [*heavy, None, None, None, None][:4]
    shares = {
        i: s for i, s in ((near, NEAR_LIMIT_SHARE), (over, OVER_LIMIT_SHARE)) if i is not None
    }
    return replace(
        config,
        now_ms=now_ms,
        cycle_anchor_day=min((today - timedelta(days=CYCLE_DAYS_IN)).day, 28),
        limit_shares=shares,
        spike=None if spiked is None else Spike(spiked, SPIKE_MODEL, SPIKE_DAYS_AGO, SPIKE_FACTOR),
        spend_gaps={} if gapped is None else {gapped: GAP_CENTS},
        idle_members=tuple(light[:IDLE_MEMBERS]),
        idle_days=IDLE_DAYS,
        joined_member=light[IDLE_MEMBERS] if len(light) > IDLE_MEMBERS else None,
        joined_days_ago=JOINED_DAYS_AGO,
    )
