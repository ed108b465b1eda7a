"""The web app's background syncs: after a connect, on "Sync now", and every interval (the
schedule, ``web.schedule``, starts those).

Each is the importer's one sync (``runner.run_sync``) in a process of its own, so the pages
never share an interpreter with it: a backfill at full speed is busy Python, and in the server's
process it made the Overview wait several times over for its turn. The lease in the store keeps
it to one per integration whichever process asks, so a sync the CLI is running simply makes
this one step aside; its run record is what the pages show.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any

from sqlalchemy import Engine

from pumpview.errors import PumpViewError
from pumpview.integrations import runner
from pumpview.integrations.http import quiet_retries
from pumpview.reports import snapshots
from pumpview.settings import Settings
from pumpview.store import integrations, runs
from pumpview.web.in_threads import InThreads

log = logging.getLogger("pumpview.web")
ALERTS_SECONDS = 60.0
"""How often the server evaluates the alerts and sends what is due: a retry's backoff starts
at one minute."""
CHECK_SECONDS = 60.0
"""How often the schedule looks for a spend snapshot due between its full syncs."""
_SPAWN = multiprocessing.get_context("spawn")
"""A fresh interpreter per sync: no fork of a server's threads and sockets."""


def sync_in_process(
    settings: Settings, name: str, log_level: int, under_way: Event, spend_only: bool = False
) -> None:
    """A sync process's whole life: its own store connection and vault, one run; it logs to
    the server's stderr at the server's level, and sets ``under_way`` once its run is
    recorded (or it ended without one). ``spend_only``: the spend snapshot alone."""

    logging.basicConfig(level=log_level, format=f"sync {name}: %(name)s %(levelname)s %(message)s")
    quiet_retries()  # each is on the run's record
    engine = settings.open_store()
    try:
        runner.run_sync(engine, settings.vault(), name, pacing=settings.rate_limit,
                        on_progress=lambda _run: under_way.set(), clock=settings.clock,
                        spend_only=spend_only)  # fmt: skip
    except runner.SyncBusy:
        pass  # another process is syncing it: its run shows on the page all the same
    except runner.SyncStopped:
        pass  # asked to stop (a disconnect, the server shutting down): its run says so
    except PumpViewError as exc:  # recorded on the run and the integration already
        log.warning("sync of %s ended: %s", name, exc)
    finally:
        under_way.set()
        check_alerts(settings, engine)  # after every sync, whichever way it ended
        engine.dispose()


def check_alerts(settings: Settings, engine: Engine) -> None:
    """Evaluate the alert rules and deliver what is due; a failure is logged, never raised (a
    sync, or the schedule, goes on)."""
    from pumpview.alerts.evaluate import run  # noqa: PLC0415 - httpx and the rules, when used

    try:
        created, _sent = run(engine, settings.vault(), settings.clock(), base_url=settings.base_url,
                             defaults=settings.billing)  # fmt: skip
    except Exception:  # logged with its traceback; the next run tries again
        log.exception("evaluating the alerts failed")
        return
    for alert in created:
        log.info("alert %s (%s) created", alert.id, alert.rule)


class Syncs:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings, self._engine = settings, engine
        self._processes: dict[str, BaseProcess] = {}
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self._settings

    def start(self, name: str, wait_seconds: float = 15.0, *, spend_only: bool = False) -> bool:
        """Start syncing ``name`` in the background unless this server already is; return once
        its run is recorded, so the page that follows shows it (a new interpreter takes a
        moment). ``spend_only``: the spend snapshot alone (``snapshot_if_due``)."""
        with self._lock:
            running = self._processes.get(name)
            if running is not None and running.is_alive():
                return False
            context: Any = InThreads if self._settings.embedded_facts else _SPAWN
            level, under_way = logging.getLogger().getEffectiveLevel(), context.Event()
            process = context.Process(  # daemonic: a server that exits takes its syncs along
                target=sync_in_process,
                args=(self._settings, name, level, under_way, spend_only),
                name=f"sync-{name}", daemon=True,
            )  # fmt: skip
            process.start()
            self._processes[name] = process
        under_way.wait(wait_seconds)
        return True

    def snapshot_if_due(self) -> list[str]:
        """Start a spend-only sync of each connected integration whose snapshot is due at the
        present (``reports.snapshots.due``: the last hour of a known cycle, none in the last
        minutes); the names started. The lease keeps it to one sync per integration."""
        now = self._settings.clock()
        with self._engine.connect() as conn:
            ids = integrations.ids(conn)
            due = [name for name in integrations.connected(conn)
                   if snapshots.due(conn, ids[name], now)]  # fmt: skip
        return [name for name in due if self.start(name, spend_only=True)]

    def wait(self, timeout: float = 300.0) -> None:
        """Wait for the syncs this server started to end (tests); ``TimeoutError`` naming
        those still running after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            processes = list(self._processes.values())
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        if running := self.running():
            msg = f"still syncing after {timeout:g} s: {', '.join(running)}"
            raise TimeoutError(msg)

    def running(self) -> list[str]:
        """The integrations this server is syncing now."""
        with self._lock:
            return sorted(name for name, p in self._processes.items() if p.is_alive())

    def close(self, timeout: float = 30.0) -> None:
        """Ask this server's syncs to stop, each as soon as its run is under way (it ends
        within a second or a page, recorded as interrupted); after ``timeout``, end what is
        left (its lease then expires and the next run says so)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            processes = dict(self._processes)
        while (alive := {n: p for n, p in processes.items() if p.is_alive()}) and (
            time.monotonic() < deadline
        ):
            for name, process in alive.items():
                self._ask_to_stop(name, runner.owner(getattr(process, "pid", None) or os.getpid()))
            next(iter(alive.values())).join(0.2)
        for process in alive.values():
            if hasattr(process, "terminate"):  # a thread cannot be ended: it stops when asked
                process.terminate()

    def _ask_to_stop(self, name: str, owner: str) -> None:
        with self._engine.begin() as conn:
            row = integrations.find(conn, name)
            if row is None:
                return
            run = runs.running(conn, int(row.id), self._settings.clock())
            if run is not None and run.owner == owner and not run.stop_requested:
                runs.request_stop(conn, run.id)
