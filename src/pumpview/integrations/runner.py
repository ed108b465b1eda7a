"""``run_sync``: one recorded, exclusive sync of one integration, whichever its provider.

The one way to sync, for the CLI, the web app and a scheduler alike. It takes the integration's
lease (or refuses, naming the run that holds it, or waits for it), records the run as it goes
(``store.runs``), renews the lease from a heartbeat thread, stops when a disconnect asks it to,
and records how the run ended: ok, revoked, error or interrupted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pumpview.errors import PumpViewError, UpstreamError, UserInputError
from pumpview.integrations.cursor import NAME
from pumpview.integrations.providers import provider
from pumpview.integrations.syncing import Progress, SyncResult, status_of
from pumpview.store import integrations, runs
from pumpview.store.budget import SharedBudget
from pumpview.store.engine import refresh_statistics
from pumpview.store.usage import drop_facts
from pumpview.timeutil import Clock, from_ms
from pumpview.vault import Vault

HEARTBEAT_SECONDS = 1.0
"""How often a running sync writes its progress and renews its lease."""


class SyncBusy(UserInputError):
    """Another process is syncing this integration."""


class SyncStopped(PumpViewError):
    """The run was asked to stop (a disconnect, the server shutting down) or lost its lease."""


STOPPED = "the sync was asked to stop (a disconnect, or the server shutting down)"


def owner(pid: int | None = None) -> str:
    """Who runs a sync: this host and process (or process ``pid`` of this host)."""
    return f"{socket.gethostname()} pid {pid or os.getpid()}"


def describe(run: runs.Run) -> str:
    """A running sync in one line, for messages."""
    started = from_ms(run.started_at_ms).strftime("%Y-%m-%d %H:%M UTC")
    progress = f"{run.windows_done}/{run.windows_total} windows" if run.windows_total else run.stage
    return f"run {run.id} started {started} by {run.owner}, {progress}"


def run_sync(
    engine: Engine,
    vault: Vault,
    name: str = NAME,
    *,
    pacing: bool = True,
    backfill_days: int | None = None,
    wait: bool = False,
    on_progress: Callable[[runs.Run], None] | None = None,
    poll_seconds: float = 1.0,
    clock: Clock,
    spend_only: bool = False,
) -> SyncResult:
    """Sync integration ``name`` up to ``clock``'s present; ``on_progress`` sees the run record
    as it changes (while waiting with ``wait``, the other process's run). ``spend_only``: the
    members and the spend snapshot alone (``CursorSync.snapshot_spend``), under the same lease."""
    integration = stored(engine, vault, name)
    upstream = provider(integration.provider)
    run_id = _take_lease(engine, integration.integration_id, wait, on_progress, poll_seconds,
                         clock)  # fmt: skip
    state = _Heartbeat(engine, run_id, clock)
    http = upstream.make_http(integration.api_key, integration.base_url)
    client = upstream.client(http, pacing=pacing, budget=SharedBudget(engine, name),
                             sleep=state.pause)  # fmt: skip

    def progress(p: Progress) -> None:
        stats = client.stats
        state.progress = {
            "stage": p.stage, "windows_done": p.windows_done, "windows_total": p.windows_total,
            "days_done": p.days_done, "days_total": p.days_total, "events": p.events,
            "requests": stats.requests,
            "rate_limit_wait_ms": round((stats.pacing_seconds + stats.backoff_seconds) * 1000),
        }  # fmt: skip
        if on_progress is not None and state.run is not None:
            on_progress(replace(state.run, **state.progress))
        if state.must_stop():
            raise SyncStopped(STOPPED)

    outcome, message = "interrupted", "the sync was interrupted before it finished"
    state.start()
    try:
        with http:
            sync = upstream.sync(
                engine, client, integration.integration_id, now_ms=clock(),
                backfill_days=backfill_days or integration.backfill_days, on_progress=progress,
            )  # fmt: skip
            result = sync.snapshot_spend() if spend_only else sync.run()
        outcome = "ok"
        message = "; ".join(result.notes)
        if not spend_only:
            refresh_statistics(engine)
        return result
    except SyncStopped as exc:
        message = str(exc)
        raise
    except (UpstreamError, UserInputError) as exc:
        outcome, message = status_of(exc), str(exc)
        raise
    finally:
        state.finish(outcome, message or None)


@dataclass(frozen=True)
class Stored:
    """A stored integration, its key unsealed: only ever held in memory for one sync."""

    integration_id: int
    provider: str
    api_key: str = field(repr=False)
    base_url: str
    backfill_days: int


def stored(engine: Engine, vault: Vault, name: str = NAME) -> Stored:
    """The connected integration ``name`` with its key, or a clear error saying what to do."""
    with engine.connect() as conn:
        row = integrations.require(conn, name)
    if row.key_ciphertext is None:
        msg = f"the integration {name} has no key (disconnected); connect it again to sync"
        raise UserInputError(msg, web=f"The integration {name} is disconnected: connect it again.")
    return Stored(int(row.id), row.provider, vault.open(row.key_ciphertext), row.base_url,
                  int(row.backfill_days))  # fmt: skip


def _take_lease(
    engine: Engine,
    integration_id: int,
    wait: bool,
    on_progress: Callable[[runs.Run], None] | None,
    poll_seconds: float,
    clock: Clock,
) -> int:
    while True:
        with engine.connect() as conn:
            transaction = conn.begin()
            run_id = runs.start(conn, integration_id, owner(), clock())
            if run_id is None:
                transaction.rollback()  # nothing of the refused run is kept
            else:
                transaction.commit()
        if run_id is not None:
            return run_id
        with engine.connect() as conn:
            other = runs.running(conn, integration_id, clock())
        if other is None:
            continue  # it just finished
        if _gone(other.owner):  # killed on this machine: no need to wait out its lease
            with engine.begin() as conn:
                runs.release(conn, integration_id, other.id)
            continue
        if not wait:
            msg = (
                f"a sync of this integration is already running ({describe(other)}); "
                "wait for it with: pumpview sync --wait"
            )
            raise SyncBusy(msg)
        if on_progress is not None:
            on_progress(other)
        time.sleep(poll_seconds)


def _gone(holder: str) -> bool:
    """Whether ``holder`` (an ``owner()``) names a process of this host that no longer exists
    (or is a zombie: killed, not yet reaped by its parent). Any live process counts as the sync,
    whatever it runs now: its pid may have been reused, and only the lease's expiry can tell.
    Another host's process, or a system without POSIX signals, is never judged here."""
    host, said, number = holder.rpartition(" pid ")
    if not said or host != socket.gethostname() or not number.isdigit() or os.name != "posix":
        return False
    pid = int(number)
    if pid <= 1 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: no signal sent, only whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, another user's
        return False
    try:  # Linux: state "Z" after the command (which may hold spaces and parentheses)
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


class _Heartbeat:
    """Writes the run's progress and renews its lease every ``HEARTBEAT_SECONDS`` on a daemon
    thread; ``must_stop`` when a disconnect asked the run to stop or the lease was lost."""

    def __init__(self, engine: Engine, run_id: int, clock: Clock) -> None:
        self.engine = engine
        self.run_id = run_id
        self.clock = clock
        self.progress: dict[str, Any] = {}
        self.run: runs.Run | None = None
        self.stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="sync-heartbeat", daemon=True)

    def start(self) -> None:
        self._write()
        self._thread.start()

    def _write(self) -> None:
        with self.engine.begin() as conn:
            run = runs.heartbeat(conn, self.run_id, self.clock(), **self.progress)
        self.run = run
        if run is None or run.stop_requested:  # the lease was lost, or a stop was asked for
            self.stop.set()

    def must_stop(self) -> bool:
        """Checked at each step of the sync (a window, spend, groups): one small read."""
        if not self.stop.is_set():
            with self.engine.connect() as conn:
                if runs.stop_requested(conn, self.run_id):
                    self.stop.set()
        return self.stop.is_set()

    def pause(self, seconds: float) -> None:
        """The client's pacing wait: a minute at Cursor's pace, so a stop (seen by the next
        beat) ends it at once rather than after it."""
        if self.stop.wait(seconds):
            raise SyncStopped(STOPPED)

    def _beat(self) -> None:
        while not self._done.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(Exception):  # a busy database now and then: the next beat
                self._write()

    def finish(self, outcome: str, message: str | None) -> None:
        self._done.set()
        self._thread.join(timeout=30)
        with self.engine.begin() as conn:
            runs.heartbeat(conn, self.run_id, self.clock(), **self.progress)
            runs.finish(conn, self.run_id, self.clock(), outcome, message)


def disconnect(
    engine: Engine,
    name: str,
    *,
    purge: bool,
    stop_timeout_seconds: float = 120.0,
    clock: Clock,
) -> runs.Run | None:
    """Forget integration ``name``'s key (with ``purge``, its data too), after stopping a sync
    that is running on it, in this process or another; returns the run that was stopped."""
    with engine.connect() as conn:
        integration_id = int(integrations.require(conn, name).id)
        active = runs.running(conn, integration_id, clock())
    if active is not None:
        with engine.begin() as conn:
            runs.request_stop(conn, active.id)
        deadline = time.monotonic() + stop_timeout_seconds
        while True:
            with engine.connect() as conn:
                still = runs.running(conn, integration_id, clock())
            if still is None or still.id != active.id:
                break
            if time.monotonic() > deadline:
                msg = (
                    f"the running sync ({describe(active)}) did not stop within "
                    f"{stop_timeout_seconds:.0f} s; nothing was changed, try again"
                )
                raise UserInputError(msg)
            time.sleep(0.2)
    with engine.begin() as conn:
        integration_id = integrations.forget_key(conn, name, purge=purge)
    if purge:
        drop_facts(engine, integration_id)  # after the commit: unnamed, its rows were invisible
    return active
