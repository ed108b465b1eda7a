"""``kill -9`` of a sync writing to ClickHouse leaves the reports exactly as before the window
it was writing, and the next sync makes them exact: killed between the two inserts of a window
(its events sent, not its rollup) and between the facts' write and the bookmarks' commit.

Each sync runs in a process of its own that kills itself (SIGKILL, nothing flushed) at the
chosen point: at its ClickHouse client's insert of the rollup, or at the metadata store's
statement that writes the day bookmarks (a SQLAlchemy event). chDB is one process's at a time,
so this test's process never opens it: the reports are read by a third process, which prints
them as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pumpview import money
from pumpview.simulator import DEMO_KEY
from pumpview.simulator import truth as gt
from pumpview.store import integrations, tables
from pumpview.store.engine import open_store
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from tests.conftest import NOW_MS

pytestmark = pytest.mark.clickhouse

BACKFILL_DAYS = 20
ROOT = Path(__file__).parents[3]

SYNC = """
import os, signal, sys
import httpx
from sqlalchemy import event
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.store.engine import open_store
from pumpview.store.facts import clickhouse

db, facts, url, key, now, days, kill_at = sys.argv[1:8]
engine = open_store(db, facts)
windows = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

client = clickhouse(engine)
real_insert = client.insert

def insert(table, *args, **kwargs):  # the ClickHouse client's boundary
    global windows
    if table == "usage_daily":
        windows += 1
        if kill_at == "between-inserts" and windows == 2:
            die()
    return real_insert(table, *args, **kwargs)

client.insert = insert

def bookmark(_conn, _cursor, statement, *_rest):
    if kill_at == "before-bookmarks" and windows == 2 and "INTO sync_days" in statement:
        die()

event.listen(engine, "before_cursor_execute", bookmark)
with httpx.Client(base_url=url, auth=(key, "")) as http:
    CursorSync(engine, CursorClient(http, pacing=False), 1, now_ms=int(now),
               backfill_days=int(days)).run()
"""

REPORT = """
import json, sys
from pumpview.money import format_cents
from pumpview.reports import usage
from pumpview.store.engine import open_store
from pumpview.store.facts import clickhouse

db, facts = sys.argv[1:3]
engine = open_store(db, facts)
rows = usage.run(engine, "users")
kept = dict(clickhouse(engine).query(
    "SELECT version, count() FROM usage_events GROUP BY version").result_rows)
print(json.dumps({"users": {r.email or "": [r.events, format_cents(r.spend_cents)] for r in rows},
                  "kept": kept}))
"""


def _run(script: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(  # noqa: S603 - our own scripts, our own arguments
        [sys.executable, "-c", script, *argv],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


def _users(db: str, facts: str) -> tuple[dict[str, list[object]], dict[int, int]]:
    """The users report as another process reads it, and the event rows ClickHouse keeps per
    version."""
    done = _run(REPORT, db, facts)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    return read["users"], {int(version): rows for version, rows in read["kept"].items()}


def _truth(served, start_ms: int, end_ms: int) -> dict[str, list[object]]:
    totals = gt.totals(served.sim.team, start_ms, end_ms, gt.by_user)
    return {
        email or "": [t.events, money.format_cents(t.spend_cents)] for email, t in totals.items()
    }


@pytest.mark.parametrize("kill_at", ["between-inserts", "before-bookmarks"])
def test_a_sync_killed_mid_window_leaves_the_reports_as_before_then_exact(serve, tmp_path, kill_at):
    served = serve()
    db, facts = f"sqlite:///{tmp_path / 'pumpview.db'}", f"chdb://{tmp_path / 'facts'}"
    with open_store(db).begin() as conn:  # the metadata alone: this process never opens chDB
        integrations.save(conn, {"name": "cursor", "base_url": served.url,
                                 "status": "connected", "connected_at_ms": NOW_MS,
                                 "backfill_days": BACKFILL_DAYS})  # fmt: skip
    argv = (db, facts, served.url, DEMO_KEY, str(NOW_MS), str(BACKFILL_DAYS))

    killed = _run(SYNC, *argv, kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    with open_store(db).connect() as conn:
        days = sorted(conn.execute(select(tables.sync_days.c.day)).scalars())
        dead = conn.execute(select(func.max(tables.fact_writes.c.id))).scalar_one()
    first_window = (day_of(NOW_MS) - days[0]).days + 1
    assert days[-1] == day_of(NOW_MS)
    assert first_window < BACKFILL_DAYS  # the newest window alone was committed
    before = _truth(served, day_start_ms(days[0]), NOW_MS)
    users, kept = _users(db, facts)
    assert users == before  # the killed window's rows are not seen...
    assert kept[dead] > 0  # ...though they are there

    again = _run(SYNC, *argv, "never")
    assert again.returncode == 0, again.stderr
    start = day_start_ms(day_of(NOW_MS) - timedelta(days=BACKFILL_DAYS - 1))
    users, kept = _users(db, facts)
    assert users == _truth(served, start, NOW_MS + MS_PER_DAY)
    assert dead not in kept  # the killed write's rows were collected
    with open_store(db).connect() as conn:
        named = {*conn.execute(select(tables.sync_days.c.version)).scalars(),
                 *conn.execute(select(tables.fact_writes.c.id)).scalars()}  # fmt: skip
    assert set(kept) <= named  # and what is left is visible, or will be collected
