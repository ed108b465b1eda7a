"""Sync runs as records, and the lease that lets one run at a time hold an integration.

A run's row is written as it goes (stage, windows and days done, events, requests, rate-limit
waits), so any process can watch a run another one is doing. The lease is a row per integration
that names the run holding it and when it expires; the running process renews it, and a killed
process simply stops renewing, so its lease expires after ``LEASE_MS`` and the next run takes it
(at once, with ``release``, when the caller knows the holder's process is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pumpview.store import tables

LEASE_MS = 120_000
"""A run that has not renewed its lease for 2 minutes is taken to be gone."""
OUTCOMES = ("ok", "revoked", "error", "interrupted")
PROGRESS = ("stage", "windows_done", "windows_total", "days_done", "days_total", "events",
            "requests", "rate_limit_wait_ms")  # fmt: skip
"""The fields a running sync updates."""


@dataclass(frozen=True, slots=True)
class Run:
    """One sync run as recorded."""

    id: int
    integration_id: int
    owner: str
    started_at_ms: int
    heartbeat_at_ms: int
    finished_at_ms: int | None
    stage: str
    windows_done: int
    windows_total: int
    days_done: int
    days_total: int
    events: int
    requests: int
    rate_limit_wait_ms: int
    outcome: str | None
    message: str | None
    stop_requested: bool

    @property
    def finished(self) -> bool:
        return self.outcome is not None


def _run(row: Any) -> Run:
    return Run(**row._asdict())


def start(conn: Connection, integration_id: int, owner: str, now_ms: int) -> int | None:
    """Record a new run and take the integration's lease for it; ``None`` (and nothing written,
    once the caller rolls back) when a live run holds the lease.

    Runs left unfinished by a process that stopped renewing are marked interrupted."""
    runs, leases = tables.sync_runs, tables.sync_leases
    run_id = conn.execute(
        insert(runs)
        .values(
            integration_id=integration_id, owner=owner, started_at_ms=now_ms,
            heartbeat_at_ms=now_ms, stage="starting", windows_done=0, windows_total=0,
            days_done=0, days_total=0, events=0, requests=0, rate_limit_wait_ms=0,
            stop_requested=False,
        )
        .returning(runs.c.id)
    ).scalar_one()  # fmt: skip
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    take = dialect_insert(leases).values(
        integration_id=integration_id, run_id=run_id, expires_at_ms=now_ms + LEASE_MS
    )
    conn.execute(
        take.on_conflict_do_update(
            index_elements=["integration_id"],
            set_={"run_id": take.excluded.run_id, "expires_at_ms": take.excluded.expires_at_ms},
            where=leases.c.expires_at_ms < now_ms,
        )
    )
    holder = conn.execute(
        select(leases.c.run_id).where(leases.c.integration_id == integration_id)
    ).scalar_one()
    if holder != run_id:
        return None
    conn.execute(
        update(runs)
        .where(runs.c.integration_id == integration_id, runs.c.outcome.is_(None))
        .where(runs.c.id != run_id)
        .values(
            outcome="interrupted", finished_at_ms=runs.c.heartbeat_at_ms,
            message="the process running this sync stopped before it finished (killed or crashed)",
        )
    )  # fmt: skip
    return int(run_id)


def release(conn: Connection, integration_id: int, run: int) -> None:
    """End the lease ``run`` holds on the integration now, its process known to be gone, so the
    next ``start`` takes it over (and marks ``run`` interrupted) without waiting ``LEASE_MS``;
    nothing when another run holds the lease by then."""
    leases = tables.sync_leases
    conn.execute(
        update(leases)
        .where(leases.c.integration_id == integration_id, leases.c.run_id == run)
        .values(expires_at_ms=-1)
    )


def heartbeat(conn: Connection, run: int, now_ms: int, **progress: Any) -> Run | None:
    """Write ``progress`` and renew the lease; the run as stored, or ``None`` if the lease is
    no longer this run's (it expired and another run took it)."""
    leases, runs = tables.sync_leases, tables.sync_runs
    renewed = conn.execute(
        update(leases).where(leases.c.run_id == run).values(expires_at_ms=now_ms + LEASE_MS)
    ).rowcount
    conn.execute(update(runs).where(runs.c.id == run).values(heartbeat_at_ms=now_ms, **progress))
    if not renewed:
        return None
    return _run(conn.execute(select(runs).where(runs.c.id == run)).one())


def finish(conn: Connection, run: int, now_ms: int, outcome: str, message: str | None) -> None:
    """Record how the run ended and release its lease."""
    if outcome not in OUTCOMES:
        msg = f"unknown outcome {outcome!r}"
        raise ValueError(msg)
    runs = tables.sync_runs
    conn.execute(
        update(runs)
        .where(runs.c.id == run)
        .values(outcome=outcome, message=message, finished_at_ms=now_ms, heartbeat_at_ms=now_ms)
    )
    conn.execute(delete(tables.sync_leases).where(tables.sync_leases.c.run_id == run))


def running(conn: Connection, integration_id: int, now_ms: int) -> Run | None:
    """The run holding a live lease on the integration, if any."""
    leases, runs = tables.sync_leases, tables.sync_runs
    row = conn.execute(
        select(runs)
        .join(leases, leases.c.run_id == runs.c.id)
        .where(leases.c.integration_id == integration_id, leases.c.expires_at_ms >= now_ms)
    ).first()
    return _run(row) if row is not None else None


def latest(conn: Connection, integration_id: int) -> Run | None:
    """The integration's most recent run."""
    runs = tables.sync_runs
    row = conn.execute(
        select(runs)
        .where(runs.c.integration_id == integration_id)
        .order_by(runs.c.started_at_ms.desc(), runs.c.id.desc())
        .limit(1)
    ).first()
    return _run(row) if row is not None else None


def request_stop(conn: Connection, run: int) -> None:
    """Ask a running sync to stop at its next step (a disconnect does)."""
    conn.execute(
        update(tables.sync_runs).where(tables.sync_runs.c.id == run).values(stop_requested=True)
    )


def stop_requested(conn: Connection, run: int) -> bool:
    """Whether someone asked the run to stop."""
    runs = tables.sync_runs
    return bool(conn.execute(select(runs.c.stop_requested).where(runs.c.id == run)).scalar())


def finished(conn: Connection, integration_id: int, limit: int = 50) -> list[Run]:
    """The integration's last ``limit`` finished runs, newest first (the health rule reads
    how the latest ended)."""
    runs = tables.sync_runs
    rows = conn.execute(
        select(runs)
        .where(runs.c.integration_id == integration_id, runs.c.outcome.is_not(None))
        .order_by(runs.c.started_at_ms.desc(), runs.c.id.desc())
        .limit(limit)
    )
    return [_run(row) for row in rows]
