"""The web app's background syncs: after a connect, on "Sync now", and every interval.

Each is the importer's one sync (``runner.run_sync``) on a thread of its own; the lease in the
store keeps it to one per integration whichever process asks, so a sync the CLI is running
simply makes this one step aside.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, select

from pumpview.errors import PumpViewError
from pumpview.integrations.cursor import runner
from pumpview.store import integrations, runs, tables
from pumpview.timeutil import now_ms
from pumpview.vault import Vault

log = logging.getLogger("pumpview.web")


class Syncs:
    def __init__(self, engine: Engine, vault: Vault, *, pacing: bool) -> None:
        self._engine, self._vault, self._pacing = engine, vault, pacing
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def start(self, name: str) -> bool:
        """Start syncing ``name`` in the background unless this process already is."""
        with self._lock:
            running = self._threads.get(name)
            if running is not None and running.is_alive():
                return False
            thread = threading.Thread(target=self._run, args=(name,), name=f"sync-{name}")
            thread.daemon = True
            self._threads[name] = thread
            thread.start()
            return True

    def _run(self, name: str) -> None:
        try:
            runner.run_sync(self._engine, self._vault, name, pacing=self._pacing)
        except runner.SyncBusy:
            pass  # another process is syncing it: its run shows on the page all the same
        except runner.SyncStopped:
            pass  # asked to stop (a disconnect, the server shutting down): its run says so
        except PumpViewError as exc:  # recorded on the run and the integration already
            log.warning("sync of %s ended: %s", name, exc)

    def every(self, minutes: int) -> None:
        """Sync every connected integration now and every ``minutes`` until ``close``."""

        def loop() -> None:
            while not self._stop.is_set():
                with self._engine.connect() as conn:
                    names = conn.execute(
                        select(tables.integrations.c.name).where(
                            tables.integrations.c.key_ciphertext.is_not(None)
                        )
                    ).scalars()
                    for name in list(names):
                        self.start(name)
                self._stop.wait(minutes * 60)

        threading.Thread(target=loop, name="sync-schedule", daemon=True).start()

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the syncs this process started (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Stop scheduling, ask this process's running syncs to stop (each ends after the page
        it is on, its run recorded as interrupted) and give them ``timeout`` to do so."""
        self._stop.set()
        with self._lock:
            names = [name for name, thread in self._threads.items() if thread.is_alive()]
        for name in names:
            with self._engine.begin() as conn:
                row = integrations.find(conn, name)
                run = runs.running(conn, int(row.id), now_ms()) if row is not None else None
                if run is not None and run.owner == runner.owner():
                    runs.request_stop(conn, run.id)
        self.wait(timeout)
