"""A Cursor team's request budget, kept in the store so that every process draws on one.

Cursor limits requests per team and minute, whoever sends them. Each send is recorded as a row
of ``upstream_sends``; ``claim`` allows a send when the last ``WINDOW_MS`` hold fewer than the
limit, the same sliding window as the client's own pacing, serialised across processes: by the
write lock on SQLite (the ``DELETE`` takes it first), by an advisory lock on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.exc import OperationalError

from pumpview.store import tables

WINDOW_MS = 60_000


def claim(conn: Connection, team: str, bucket: str, limit: int, now_ms: int) -> int:
    """Record a send at ``now_ms`` and return 0 if the last minute holds fewer than ``limit``
    sends of ``team``'s ``bucket``; otherwise record nothing and return the milliseconds until
    the oldest of them leaves the minute. Runs in the caller's transaction: keep it alone."""
    sends = tables.upstream_sends
    mine = (sends.c.team == team, sends.c.bucket == bucket)
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{team}\n{bucket}"))))
    conn.execute(delete(sends).where(*mine, sends.c.sent_at_ms <= now_ms - WINDOW_MS))
    count, oldest = conn.execute(
        select(func.count(), func.min(sends.c.sent_at_ms)).where(*mine)
    ).one()
    if count < limit:
        conn.execute(insert(sends).values(team=team, bucket=bucket, sent_at_ms=now_ms))
        return 0
    return int(oldest) + WINDOW_MS - now_ms


class SharedBudget:
    """The budget of the Cursor team that integration ``team`` names, for ``CursorClient``."""

    def __init__(self, engine: Engine, team: str, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._team = team
        self._clock = clock

    def claim(self, bucket: str, limit: int) -> float:
        """0 once a send is recorded, else the seconds to wait before asking again."""
        while True:
            try:
                with self._engine.begin() as conn:
                    wait_ms = claim(conn, self._team, bucket, limit, round(self._clock() * 1000))
            except OperationalError as exc:
                if "locked" not in str(exc.orig):  # SQLite: a window is being written; retry
                    raise
                continue
            return wait_ms / 1000
