"""The schedule: the server's full syncs every interval, the spend snapshots due between them and
the alert checks every minute, done by one server of all those on the store.

Every worker of ``pumpview serve --workers N``, and every server on one PostgreSQL, builds a
schedule and ticks it; a tick first takes or renews the schedule's lease (``store.schedule``),
and only its holder does the work, so each tick's work is done once. A holder that stops
releases the lease; one that is killed stops renewing it, and within ``LEASE_MS`` another
server's tick takes it over and starts with a full sync. What two holders could still do twice
(around a takeover) is safe: a sync holds its integration's lease (``store.runs``), an alert's
key is unique and each delivery is claimed by one sender (``store.alerts``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from pumpview.store import integrations
from pumpview.store import schedule as lease
from pumpview.timeutil import Clock
from pumpview.web.syncs import ALERTS_SECONDS, CHECK_SECONDS, Syncs, check_alerts

log = logging.getLogger("pumpview.web")
TICK_SECONDS = 20.0
"""How often each server ticks: it renews the lease six times within ``LEASE_MS``."""


@dataclass(frozen=True, slots=True)
class Tick:
    """What one tick did: whether this server held the lease, the integrations it started a
    full sync or a spend snapshot of, and whether it checked the alerts."""

    held: bool
    synced: tuple[str, ...] = ()
    snapshots: tuple[str, ...] = ()
    alerts: bool = False


class Schedule:
    """The schedule of one server: ``tick`` at a present, or ``start`` a thread that ticks.
    ``sync_minutes`` ``None``: the alert checks alone."""

    def __init__(
        self, syncs: Syncs, engine: Engine, clock: Clock, sync_minutes: int | None,
        alerts_seconds: float = ALERTS_SECONDS,
    ) -> None:  # fmt: skip
        self._syncs, self._engine, self._clock = syncs, engine, clock
        self._minutes, self._alerts_seconds = sync_minutes, alerts_seconds
        self.holder = f"{socket.gethostname()} pid {os.getpid()} {secrets.token_hex(4)}"
        """This server among those on the store (two apps of one process too)."""
        self._full_at = self._check_at = self._alerts_at = float("-inf")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now_ms: int) -> Tick:
        """Take or renew the lease at ``now_ms``; holding it, do what is due (by this
        process's monotonic clock, which the present may not move: ``PUMPVIEW_NOW``). Not
        holding it, do nothing, and do everything at once when it is taken over."""
        with self._engine.begin() as conn:
            held = lease.hold(conn, self.holder, now_ms)
        if not held:
            self._full_at = self._check_at = self._alerts_at = float("-inf")
            return Tick(held=False)
        at = time.monotonic()
        synced: list[str] = []
        snapshots: list[str] = []
        if self._minutes is not None and at >= self._full_at:
            with self._engine.connect() as conn:
                synced = [name for name in integrations.connected(conn) if self._syncs.start(name)]
            self._full_at, self._check_at = at + self._minutes * 60, at + CHECK_SECONDS
        elif self._minutes is not None and at >= self._check_at:
            snapshots = self._syncs.snapshot_if_due()
            self._check_at = at + CHECK_SECONDS
        alerts = at >= self._alerts_at
        if alerts:
            check_alerts(self._syncs.settings, self._engine)
            self._alerts_at = at + self._alerts_seconds
        return Tick(held=True, synced=tuple(synced), snapshots=tuple(snapshots), alerts=alerts)

    def start(self, tick_seconds: float = TICK_SECONDS) -> None:
        """Tick now and every ``tick_seconds`` in a thread of its own, until ``close``."""

        def loop() -> None:
            while True:
                try:
                    self.tick(self._clock())
                except Exception:  # a busy or unreachable database: the next tick
                    log.exception("the schedule's tick failed")
                if self._stop.wait(tick_seconds):
                    return

        self._thread = threading.Thread(target=loop, name="schedule", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Stop ticking (after the tick under way) and release the lease, so another server
        takes the schedule over at its next tick rather than after ``LEASE_MS``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        try:
            with self._engine.begin() as conn:
                lease.release(conn, self.holder)
        except Exception:  # the store gone first: the lease expires instead
            log.exception("releasing the schedule's lease failed")
