"""The schedule's lease: one server of those on a store runs the scheduled work.

``pumpview serve --workers N`` starts N processes, and two servers may share one PostgreSQL;
each would sync every integration on the hour and check the alerts every minute. The lease is a
row per schedule naming its holder and when the holder's claim expires, the pattern of the sync
leases (``store.runs``): the holder renews it with every tick of its schedule, a server that
stops ``release``s it, and a killed one simply stops renewing, so after ``LEASE_MS`` the next
server to tick takes it over.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from pumpview.store import tables

LEASE_MS = 120_000
"""A holder that has not renewed for 2 minutes is taken to be gone (it renews every tick)."""
SCHEDULE = "schedule"

leases = tables.schedule_leases


def hold(conn: Connection, holder: str, now_ms: int, name: str = SCHEDULE) -> bool:
    """Take the lease ``name`` for ``holder``, or renew it, unless another holder's is live;
    whether ``holder`` holds it now (until ``now_ms + LEASE_MS``)."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    take = dialect_insert(leases).values(name=name, holder=holder, expires_at_ms=now_ms + LEASE_MS)
    conn.execute(
        take.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": take.excluded.holder, "expires_at_ms": take.excluded.expires_at_ms},
            where=(leases.c.holder == holder) | (leases.c.expires_at_ms < now_ms),
        )
    )
    found = conn.execute(select(leases.c.holder).where(leases.c.name == name)).scalar_one()
    return bool(found == holder)


def holder(conn: Connection, now_ms: int, name: str = SCHEDULE) -> str | None:
    """Who holds a live lease ``name``, if anyone."""
    return conn.execute(
        select(leases.c.holder).where(leases.c.name == name, leases.c.expires_at_ms >= now_ms)
    ).scalar()


def release(conn: Connection, holder: str, name: str = SCHEDULE) -> None:
    """End ``holder``'s lease now (its server stops), so another takes it at its next tick;
    nothing when another holds it."""
    conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
