"""``kill -9`` of a Copilot sync while it stores a window: the store keeps whole windows only (the
killed window's usage, activity, bill lines and bookmarks all gone, the windows before it exact),
and the next sync takes the dead run's lease at once and ends exact against the GitHub
simulator's ground truth, on SQLite and PostgreSQL.

The sync runs in a process of its own (``runner.run_sync``, as ``pumpview sync`` runs it). Inside
its second window's transaction, at the statement that writes the window's bookmarks (its usage,
activity and bill lines are written by then), it says so on stdout and waits; this test reads
that line (an event, not a sleep) and sends SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from pumpview.integrations import runner
from pumpview.store import runs, tables
from pumpview.timeutil import day_of
from pumpview.vault import Vault
from tests.integrations.copilot.test_sync import (
    NOW,
    SECRET,
    _activity,
    _activity_truth,
    _connect,
    _org_lines,
    _stored,
    _stored_lines,
    _truth,
)

DAYS = 12  # windows: today and yesterday, then 7 days, then the 3 oldest
TODAY = day_of(NOW)
ALL_DAYS = [TODAY - timedelta(days=i) for i in range(DAYS)]
FIRST_WINDOW = ALL_DAYS[:2]
ROOT = Path(__file__).parents[3]

SYNC = """
import sys
from sqlalchemy import event
from pumpview.integrations import runner
from pumpview.store.engine import open_store
from pumpview.vault import Vault

db, secret, now, days = sys.argv[1:5]
engine = open_store(db)
windows = 0

def hold(_conn, _cursor, statement, *_rest):
    global windows
    if "INTO sync_days" in statement:
        windows += 1
        if windows == 2:
            print("storing window 2", flush=True)
            sys.stdin.read()  # the transaction stays open until this process is killed

event.listen(engine, "before_cursor_execute", hold)
runner.run_sync(engine, Vault(secret.encode()), "copilot", pacing=False,
                backfill_days=int(days), clock=lambda: int(now))
print("finished", flush=True)
"""


def _kill_while_storing_window_2(db_url: str) -> int:
    """Run the sync in a process of its own, SIGKILL it inside its second window's transaction;
    its pid."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter, script and arguments
        [sys.executable, "-c", SYNC, db_url, SECRET.decode(), str(NOW), str(DAYS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the child is inside the transaction
        assert line == "storing window 2\n", (line, proc.stderr.read() if proc.stderr else "")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    return proc.pid


def _days_of(engine: Engine, table: object) -> set[date]:
    with engine.connect() as conn:
        return set(conn.execute(select(table.c.day).distinct()).scalars())  # type: ignore[attr-defined]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_kill_mid_window_keeps_whole_windows_and_a_re_sync_ends_exact(engine, db_url, github):
    """After SIGKILL inside the second window's transaction the store holds the first window
    alone, exact; the next sync takes over the dead run and every day is exact."""
    served = github(days=DAYS)
    vault = Vault(SECRET)
    iid = _connect(engine, vault, served)
    pid = _kill_while_storing_window_2(db_url)

    window = set(FIRST_WINDOW)
    assert _days_of(engine, tables.sync_days) == window  # the first window's bookmarks alone
    for table in (tables.usage_daily, tables.activity_daily, tables.provider_costs):
        assert _days_of(engine, table) <= window, table.name  # nothing of the killed window
    assert _truth(served.sim, FIRST_WINDOW)  # the window holds usage: the checks are not vacuous
    assert _stored(engine, FIRST_WINDOW) == _truth(served.sim, FIRST_WINDOW)
    assert _activity(engine) == _activity_truth(served.sim, FIRST_WINDOW)
    lines = {k: v for k, v in _org_lines(served.sim, FIRST_WINDOW).items() if v}
    assert {k: v for k, v in _stored_lines(engine).items() if v} == lines

    result = runner.run_sync(engine, vault, "copilot", pacing=False, backfill_days=DAYS,
                             clock=lambda: NOW)  # fmt: skip
    assert result.windows >= 2  # the killed window and the one after it, at least
    assert _days_of(engine, tables.sync_days) == set(ALL_DAYS)
    assert _stored(engine, ALL_DAYS) == _truth(served.sim, ALL_DAYS)
    assert _activity(engine) == _activity_truth(served.sim, ALL_DAYS)
    lines = {k: v for k, v in _org_lines(served.sim, ALL_DAYS).items() if v}
    assert {k: v for k, v in _stored_lines(engine).items() if v} == lines
    with engine.connect() as conn:
        (dead,) = (r for r in runs.finished(conn, iid) if r.owner.endswith(f" pid {pid}"))
        latest = runs.latest(conn, iid)
    assert dead.outcome == "interrupted"  # taken over at once: its pid is gone
    assert latest is not None
    assert latest.outcome == "ok"
