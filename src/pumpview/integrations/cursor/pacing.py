"""Cursor's per-minute limits, per team: what its client paces under (``integrations.pacing``)."""

from __future__ import annotations

EVENTS_PATH = "/teams/filtered-usage-events"
EVENTS_PER_MINUTE = 58
"""Documented 60/min per team for usage events (cursor.com/docs/account/teams/admin-api); two
spare for clock skew and latency."""
OTHER_PER_MINUTE = 18
"""Documented 20/min per team for most endpoints (same page)."""
AFTER_429_PER_MINUTE = 18
"""After a 429 a bucket drops to this for the client's lifetime: the old API limits events at
20/min, and other tools on the same team share the budget."""


def pace_bucket(path: str) -> str:
    """The upstream budget a path draws from: groups share one, every other path has its own."""
    return "/teams/groups" if path.startswith("/teams/groups") else path


def limit(bucket: str) -> int:
    """Requests a minute ``bucket`` may send."""
    return EVENTS_PER_MINUTE if bucket == EVENTS_PATH else OTHER_PER_MINUTE
