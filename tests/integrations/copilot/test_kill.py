"""``kill -9`` of a Copilot sync while it stores a window: the store keeps whole windows only (the
killed window's usage, activity, bill lines and bookmarks all gone, the windows before it exact),
and the next sync takes the dead run's lease at once and ends exact against the GitHub
simulator's ground truth, on SQLite and PostgreSQL.

The sync runs in a process of its own (``tests.integrations.killing``). Inside
its second window's transaction, at the statement that writes the window's bookmarks (its usage,
activity and bill lines are written by then), it says so on stdout and waits; this test reads
that line (an event, not a sleep) and sends SIGKILL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

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
from tests.integrations.killing import days_of, kill_while_storing_window_2

DAYS = 12  # windows: today and yesterday, then 7 days, then the 3 oldest
TODAY = day_of(NOW)
ALL_DAYS = [TODAY - timedelta(days=i) for i in range(DAYS)]
FIRST_WINDOW = ALL_DAYS[:2]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_kill_mid_window_keeps_whole_windows_and_a_re_sync_ends_exact(engine, db_url, github):
    """After SIGKILL inside the second window's transaction the store holds the first window
    alone, exact; the next sync takes over the dead run and every day is exact."""
    served = github(days=DAYS)
    vault = Vault(SECRET)
    iid = _connect(engine, vault, served)
    pid = kill_while_storing_window_2(db_url, SECRET, NOW, DAYS, "copilot", "INTO sync_days")

    window = set(FIRST_WINDOW)
    assert days_of(engine, tables.sync_days) == window  # the first window's bookmarks alone
    for table in (tables.usage_daily, tables.activity_daily, tables.provider_costs):
        assert days_of(engine, table) <= window, table.name  # nothing of the killed window
    assert _truth(served.sim, FIRST_WINDOW)  # the window holds usage: the checks are not vacuous
    assert _stored(engine, FIRST_WINDOW) == _truth(served.sim, FIRST_WINDOW)
    assert _activity(engine) == _activity_truth(served.sim, FIRST_WINDOW)
    lines = {k: v for k, v in _org_lines(served.sim, FIRST_WINDOW).items() if v}
    assert {k: v for k, v in _stored_lines(engine).items() if v} == lines

    result = runner.run_sync(engine, vault, "copilot", pacing=False, backfill_days=DAYS,
                             clock=lambda: NOW)  # fmt: skip
    assert result.windows >= 2  # the killed window and the one after it, at least
    assert days_of(engine, tables.sync_days) == set(ALL_DAYS)
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
