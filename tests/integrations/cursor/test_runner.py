"""Sync runs are recorded, exclusive per integration across processes, and stoppable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import stamina
from sqlalchemy import func, insert, select

from pumpview.errors import AuthError
from pumpview.integrations import runner
from pumpview.integrations.cursor import connection, usage_events
from pumpview.integrations.cursor.pacing import EVENTS_PATH, EVENTS_PER_MINUTE
from pumpview.integrations.runner import SyncBusy, SyncStopped, run_sync
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
def live(serve, instant):
    """A simulator whose present is the runner's: each of the fixed instants in turn."""
    return serve(now_ms=instant, days=12, members=8)


def _connect(engine, vault, served, backfill_days: int = 12) -> int:
    return connection.connect(
        engine, vault, DEMO_KEY, base_url=served.url, team_name="Acme", now_ms=served.sim.team.now,
        pacing=False, backfill_days=backfill_days,
    )  # fmt: skip


def _stored_events(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.usage_events)).scalar_one())


def test_a_run_is_recorded_from_start_to_finish(engine, vault, live, clock):
    """The run row ends ok with every day done, the events and requests it made."""
    iid = _connect(engine, vault, live)
    seen: list[runs.Run] = []
    result = run_sync(engine, vault, clock=clock, pacing=False, on_progress=seen.append)
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
        assert runs.running(conn, iid, clock()) is None  # the lease is released
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


def test_a_second_sync_is_refused_naming_the_running_one(engine, vault, live, clock):
    """A live lease held by another process refuses the sync; nothing of it is recorded."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:
        other = runs.start(conn, iid, "elsewhere pid 7", clock())
    with pytest.raises(
        SyncBusy, match=rf"already running \(run {other} started .* by elsewhere pid 7"
    ):
        run_sync(engine, vault, clock=clock, pacing=False)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.sync_runs)).scalar_one() == 1
    assert _stored_events(engine) == 0


def test_a_killed_runs_lease_expires_and_the_run_is_marked_interrupted(engine, vault, live, clock):
    """A run that stopped renewing 2 minutes ago is taken over and recorded as interrupted."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:
        killed = runs.start(conn, iid, "gone pid 9", clock() - LEASE_MS - 1)
    run_sync(engine, vault, clock=clock, pacing=False)
    with engine.connect() as conn:
        old = conn.execute(select(tables.sync_runs).where(tables.sync_runs.c.id == killed)).one()
        assert runs.latest(conn, iid).outcome == "ok"
    assert old.outcome == "interrupted"
    assert "stopped before it finished" in old.message


def test_wait_watches_the_other_run_then_syncs(engine, vault, live, clock):
    """With wait, the other run's progress is shown until its lease goes, then the sync runs."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:
        other = runs.start(conn, iid, "elsewhere pid 7", clock())
    watched: list[int] = []

    def show(run: runs.Run) -> None:
        watched.append(run.id)
        if run.id == other:  # the other process finishes while we watch
            with engine.begin() as conn:
                runs.finish(conn, other, clock(), "ok", None)

    run_sync(engine, vault, clock=clock, pacing=False, wait=True, on_progress=show, poll_seconds=0)
    assert watched[0] == other
    assert watched[-1] != other
    assert _stored_events(engine) > 0


def test_disconnect_stops_a_running_sync_and_says_so(engine, vault, live, clock):
    """A disconnect during a sync stops it at its next step; the key is gone, the run says why,
    and no event is stored after the disconnect."""
    iid = _connect(engine, vault, live, backfill_days=30)
    stopped: list[runs.Run | None] = []
    disconnecting = threading.Thread(
        target=lambda: stopped.append(runner.disconnect(engine, "cursor", purge=False, clock=clock))
    )

    def show(run: runs.Run) -> None:
        if run.stage == "window" and not disconnecting.is_alive() and not stopped:
            disconnecting.start()
            while True:  # until the disconnect has asked the run to stop
                with engine.connect() as conn:
                    if runs.stop_requested(conn, run.id):
                        return

    with pytest.raises(SyncStopped):
        run_sync(engine, vault, clock=clock, pacing=False, on_progress=show)
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


def test_a_stop_is_heeded_between_pages_not_only_between_windows(engine, vault, serve, clock):
    """A window of many pages takes minutes at Cursor's pace: a stop asked for after its second
    page ends the run before the window's other pages are requested, with nothing stored.
    Enough events that even a weekend's thin days (a Monday just after midnight) fill pages."""
    served = serve(now_ms=clock(), days=3, members=8, events_per_member_day=3000)
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
        run_sync(engine, vault, clock=clock, pacing=False, on_progress=stop_after_two_pages)
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
    assert run.outcome == "interrupted"
    assert _stored_events(engine) == 0
    # The read-ahead may have asked a few pages more (at most AHEAD), never the whole window.
    assert sum(1 for c in served.sim.calls if c.path == usage_events.PATH) < pages


def test_a_stop_ends_a_pacing_wait_at_once(engine, vault, live, clock):
    """Cursor's budget for the minute is spent (by another process, say): the sync waits for
    it, and a stop asked for meanwhile ends the run within a heartbeat or two, not a minute."""
    iid = _connect(engine, vault, live)
    with engine.begin() as conn:  # 58 event requests in the last second: the minute is spent
        conn.execute(insert(tables.upstream_sends), [
            {"team": "cursor", "bucket": EVENTS_PATH, "sent_at_ms": now_ms()}  # pacing: real time
        ] * EVENTS_PER_MINUTE)  # fmt: skip
    windows = threading.Event()
    ended: list[BaseException] = []
    checked = len(live.sim.calls)  # the connect's key check asked for one event

    def sync() -> None:
        try:
            run_sync(
                engine,
                vault,
                clock=clock,
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


def test_a_revoked_key_ends_the_run_as_revoked(engine, vault, live, clock):
    iid = _connect(engine, vault, live)
    live.sim.revoke(DEMO_KEY)
    with pytest.raises(AuthError):
        run_sync(engine, vault, clock=clock, pacing=False)
    with engine.connect() as conn:
        run = runs.latest(conn, iid)
    assert run.outcome == "revoked"
    assert "revoked" in run.message


HOLDER = """
import sys
from pumpview.integrations import runner
from pumpview.store import runs
from pumpview.store.engine import make_engine

engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    run = runs.start(conn, int(sys.argv[2]), runner.owner(), int(sys.argv[3]))
print(run, flush=True)
sys.stdin.read()  # holds the lease, never renewing it, until killed
"""


@pytest.fixture
def holder(db_url, clock):
    """Start a real process of this host that takes the integration's lease as a sync does;
    returns it once the lease is committed, with its run's id. Killed after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(integration_id: int) -> tuple[subprocess.Popen[str], int]:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", HOLDER, db_url, str(integration_id), str(clock())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ,
        )  # fmt: skip
        started.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the lease is committed once it says its run
        assert line.strip().isdigit(), line
        return proc, int(line)

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.mark.parametrize("reaped", [True, False], ids=["reaped", "zombie"])
def test_a_sync_killed_on_this_host_is_taken_over_at_once(
    engine, vault, live, clock, holder, reaped
):
    """``kill -9`` of the process holding the lease (reaped, or a zombie its parent has not
    waited for yet): the next sync on this host takes the lease at once, well within its 2
    minutes, and the dead run is marked interrupted."""
    iid = _connect(engine, vault, live)
    proc, dead = holder(iid)
    with engine.connect() as conn:
        assert runs.running(conn, iid, clock()).id == dead  # a live lease, far from expiry
    proc.kill()  # SIGKILL
    if reaped:
        proc.wait()
    else:  # dead but not reaped: wait for its exit without collecting it
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    result = run_sync(engine, vault, clock=clock, pacing=False)
    with engine.connect() as conn:
        old = conn.execute(select(tables.sync_runs).where(tables.sync_runs.c.id == dead)).one()
        latest = runs.latest(conn, iid)
    assert latest is not None
    assert (latest.outcome, latest.events) == ("ok", result.events)
    assert old.owner == f"{socket.gethostname()} pid {proc.pid}"
    assert old.outcome == "interrupted"
    assert "stopped before it finished" in old.message


def test_a_live_process_of_this_host_holding_the_lease_is_waited_for(
    engine, vault, live, clock, holder
):
    """A holder alive on this host is alive, whatever it runs (a reused pid): refused."""
    iid = _connect(engine, vault, live)
    _proc, other = holder(iid)
    with pytest.raises(SyncBusy, match=rf"already running \(run {other} started"):
        run_sync(engine, vault, clock=clock, pacing=False)
    not_a_sync = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        with engine.begin() as conn:
            runs.finish(conn, other, clock(), "ok", None)
            mine = runs.start(conn, iid, runner.owner(not_a_sync.pid), clock())
        with pytest.raises(SyncBusy, match=rf"already running \(run {mine} started"):
            run_sync(engine, vault, clock=clock, pacing=False)
    finally:
        not_a_sync.kill()
        not_a_sync.wait()
        assert not_a_sync.stdin is not None
        not_a_sync.stdin.close()
    assert _stored_events(engine) == 0
