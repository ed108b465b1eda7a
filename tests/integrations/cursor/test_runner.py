"""Sync runs are recorded, exclusive per integration across processes, and stoppable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import stamina
from sqlalchemy import func, insert, select

from pumpview.errors import AuthError
from pumpview.integrations.cursor import connection, runner, usage_events
from pumpview.integrations.cursor.pacing import EVENTS_PATH, EVENTS_PER_MINUTE
from pumpview.integrations.cursor.runner import SyncBusy, SyncStopped, run_sync
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.store import integrations, runs, tables
from pumpview.store.runs import LEASE_MS
from pumpview.timeutil import day_start_ms, now_ms
from pumpview.vault import Vault

SECRET = b"m4Gv0E0w8y4mD2G1l0ZrFJ0nP8QH4o2f5kR7a9s1t3w="


@pytest.fixture(autouse=True)
def _no_sleep() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture
def vault() -> Vault:
    return Vault(SECRET)


@pytest.fixture
def live(serve):
    """A simulator whose present is the wall clock, as the runner's is."""
    return serve(now_ms=None, days=12, members=8)


def _connect(engine, vault, served, backfill_days: int = 12) -> int:
    return connection.connect(
        engine, vault, DEMO_KEY, base_url=served.url, team_name="Acme", now_ms=now_ms(),
        pacing=False, backfill_days=backfill_days,
    )  # fmt: skip


def _stored_events(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.usage_events)).scalar_one())


def test_a_run_is_recorded_from_start_to_finish(engine, vault, live):
    """The run row ends ok with every day done, the events and requests it made."""
    iid = _connect(engine, vault, live)
    seen: list[runs.Run] = []
    result = run_sync(engine, vault, pacing=False, on_progress=seen.append)
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
        assert runs.running(conn, iid, now_ms()) is None  # the lease is released
    assert run is not None
    assert (run.outcome, run.message, run.stage) == ("ok", None, "done")
    assert run.events == result.events == _stored_events(engine)
    team = live.sim.team
    assert run.events == len(gt.visible_events(team, day_start_ms(team.first_day), team.now))
    assert run.days_done == run.days_total == 12
    assert run.windows_done == run.windows_total == 3  # two days, then up to 7 days each
    assert run.requests >= 5  # members, three windows, spend, groups
    assert seen[0].stage == "members"
    assert all(s.id == run.id and s.outcome is None for s in seen)  # watched while running


def test_a_second_sync_is_refused_naming_the_running_one(engine, vault, live):
    """A live lease held by another process refuses the sync; nothing of it is recorded."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:
        other = runs.start(conn, iid, "elsewhere pid 7", now_ms())
    with pytest.raises(
        SyncBusy, match=rf"already running \(run {other} started .* by elsewhere pid 7"
    ):
        run_sync(engine, vault, pacing=False)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.sync_runs)).scalar_one() == 1
    assert _stored_events(engine) == 0


def test_a_killed_runs_lease_expires_and_the_run_is_marked_interrupted(engine, vault, live):
    """A run that stopped renewing 2 minutes ago is taken over and recorded as interrupted."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:
        killed = runs.start(conn, iid, "gone pid 9", now_ms() - LEASE_MS - 1)
    run_sync(engine, vault, pacing=False)
    with engine.connect() as conn:
        old = conn.execute(select(tables.sync_runs).where(tables.sync_runs.c.id == killed)).one()
        assert runs.latest(conn, iid).outcome == "ok"
    assert old.outcome == "interrupted"
    assert "stopped before it finished" in old.message


def test_wait_watches_the_other_run_then_syncs(engine, vault, live):
    """With wait, the other run's progress is shown until its lease goes, then the sync runs."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:
        other = runs.start(conn, iid, "elsewhere pid 7", now_ms())
    watched: list[int] = []

    def show(run: runs.Run) -> None:
        watched.append(run.id)
        if run.id == other:  # the other process finishes while we watch
            with engine.begin() as conn:
                runs.finish(conn, other, now_ms(), "ok", None)

    run_sync(engine, vault, pacing=False, wait=True, on_progress=show, poll_seconds=0)
    assert watched[0] == other
    assert watched[-1] != other
    assert _stored_events(engine) > 0


def test_disconnect_stops_a_running_sync_and_says_so(engine, vault, live):
    """A disconnect during a sync stops it at its next step; the key is gone, the run says why,
    and no event is stored after the disconnect."""
    iid = _connect(engine, vault, live, backfill_days=30)
    stopped: list[runs.Run | None] = []
    disconnecting = threading.Thread(
        target=lambda: stopped.append(runner.disconnect(engine, "cursor", purge=False))
    )

    def show(run: runs.Run) -> None:
        if run.stage == "window" and not disconnecting.is_alive() and not stopped:
            disconnecting.start()
            while True:  # until the disconnect has asked the run to stop
                with engine.connect() as conn:
                    if runs.stop_requested(conn, run.id):
                        return

    with pytest.raises(SyncStopped):
        run_sync(engine, vault, pacing=False, on_progress=show)
    events_at_stop = _stored_events(engine)
    disconnecting.join(timeout=30)
    with engine.connect() as conn:
        row = integrations.require(conn, "cursor")
        run = runs.latest(conn, iid)
    assert (row.status, row.key_ciphertext) == ("disconnected", None)
    assert run.outcome == "interrupted"
    assert run.message == runner.STOPPED
    assert stopped[0].id == run.id
    assert _stored_events(engine) == events_at_stop
    assert run.windows_done < run.windows_total


def test_a_stop_is_heeded_between_pages_not_only_between_windows(engine, vault, serve):
    """A window of many pages takes minutes at Cursor's pace: a stop asked for after its second
    page ends the run before the window's other pages are requested, with nothing stored."""
    served = serve(now_ms=None, days=3, members=8, events_per_member_day=300)
    iid = _connect(engine, vault, served, backfill_days=3)
    pages = -(-len(served.sim.team.events_between(day_start_ms(served.sim.team.first_day),
                                                  served.sim.team.now)) // 1000)  # fmt: skip
    assert pages >= 6  # one window of several pages
    asked: list[int] = []

    def stop_after_two_pages(run: runs.Run) -> None:
        asked.append(sum(1 for c in served.sim.calls if c.path == usage_events.PATH))
        if asked[-1] >= 2 and not run.stop_requested:
            with engine.begin() as conn:
                runs.request_stop(conn, run.id)

    with pytest.raises(SyncStopped):
        run_sync(engine, vault, pacing=False, on_progress=stop_after_two_pages)
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
    assert run.outcome == "interrupted"
    assert _stored_events(engine) == 0
    # The read-ahead may have asked a few pages more (at most AHEAD), never the whole window.
    assert sum(1 for c in served.sim.calls if c.path == usage_events.PATH) < pages


def test_a_stop_ends_a_pacing_wait_at_once(engine, vault, live):
    """Cursor's budget for the minute is spent (by another process, say): the sync waits for
    it, and a stop asked for meanwhile ends the run within a heartbeat or two, not a minute."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:  # 58 event requests in the last second: the minute is spent
        conn.execute(insert(tables.upstream_sends), [
            {"team": "cursor", "bucket": EVENTS_PATH, "sent_at_ms": now_ms()}
        ] * EVENTS_PER_MINUTE)  # fmt: skip
    windows = threading.Event()
    ended: list[BaseException] = []
    checked = len(live.sim.calls)  # the connect's key check asked for one event

    def sync() -> None:
        try:
            run_sync(
                engine,
                vault,
                pacing=True,
                on_progress=lambda run: windows.set() if run.stage == "window" else None,
            )
        except SyncStopped as exc:
            ended.append(exc)

    thread = threading.Thread(target=sync)
    thread.start()
    assert windows.wait(timeout=30)  # about to ask for the first page: its wait begins
    with engine.begin() as conn:
        runs.request_stop(conn, runs.latest(conn, iid).id)
    asked = time.monotonic()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 10  # the wait was a minute long
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
    assert (run.outcome, run.message) == ("interrupted", runner.STOPPED)
    assert len(ended) == 1
    assert not [c for c in list(live.sim.calls)[checked:] if c.path == usage_events.PATH]  # no page


def test_a_revoked_key_ends_the_run_as_revoked(engine, vault, live):
    iid = _connect(engine, vault, live)
    live.sim.revoke(DEMO_KEY)
    with pytest.raises(AuthError):
        run_sync(engine, vault, pacing=False)
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
    assert run.outcome == "revoked"
    assert "revoked" in run.message
