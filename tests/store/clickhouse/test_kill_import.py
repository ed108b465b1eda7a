"""``kill -9`` of a FOCUS import writing to ClickHouse leaves every cloud figure exactly as
before the file, and the next import of the file makes them exactly as after: killed mid-staging
(a batch of rows sent, the next not) and between the daily sums' insert and the swap's commit.

As in ``test_kill``, each import runs in a process of its own that kills itself (SIGKILL) at its
ClickHouse client's insert, and the figures are read by another process (chDB is one process's
at a time), printed as JSON: the cloud report's sums and days, the periods' rows, the listing,
and the rows ClickHouse keeps per import.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pumpview.integrations.focus import importer
from tests.integrations.focus.test_importer import month
from tests.integrations.focus.test_reader import write

pytestmark = pytest.mark.clickhouse

ROOT = Path(__file__).parents[3]
NOW = 1_800_000_000_000

IMPORT = """
import os, signal, sys
from pathlib import Path
from pumpview.integrations.focus import importer
from pumpview.store.engine import open_store
from pumpview.store.facts import clickhouse

db, facts, path, kill_at, abandoned_ms, now = sys.argv[1:7]
engine = open_store(db, facts)
importer.ABANDONED_MS = int(abandoned_ms)
client = clickhouse(engine)
real_insert = client.insert
batches = 0

def insert(table, *args, **kwargs):  # the ClickHouse client's boundary
    global batches
    if table == "cloud_costs":
        batches += 1
        if kill_at == "mid-staging" and batches == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    done = real_insert(table, *args, **kwargs)
    if table == "cloud_daily" and kill_at == "before-swap":
        os.kill(os.getpid(), signal.SIGKILL)
    return done

client.insert = insert
importer.import_file(engine, Path(path), source="aws", now_ms=int(now))
"""

REPORT = """
import json, sys, time
from datetime import date
from pumpview.reports import cloud as report
from pumpview.store import cloud
from pumpview.store.engine import open_store, snapshot
from pumpview.store.facts import clickhouse

db, facts = sys.argv[1:3]
engine = open_store(db, facts)
with snapshot(engine) as conn:
    span = report.days(conn)
    sums = {by: [[list(map(str, key)), [str(c) for c in (costs.billed_cost, costs.effective_cost,
             costs.list_cost, costs.contracted_cost)]]
             for key, costs in report.sums(conn, date(2026, 1, 1), date(2026, 12, 31),
                                           by.split(",") if by else ())]
            for by in ("", "provider,service,currency", "charge_day", "owner,team")}
    periods = {str(p): n for p, n in cloud.period_rows(conn, "aws").items()}
    listing = [[str(v) for v in row] for row in cloud.listing(conn)]
client = clickhouse(engine)
for _ in range(600):  # the queued DELETEs (an import does not wait for them) done
    if not client.query("SELECT count() FROM system.mutations WHERE database = currentDatabase()"
                        " AND NOT is_done").result_rows[0][0]:
        break
    time.sleep(0.1)
kept = {table: dict(client.query(f"SELECT import_id, count() FROM {table} GROUP BY import_id")
                    .result_rows) for table in ("cloud_costs", "cloud_daily")}
print(json.dumps({"figures": {"days": [str(d) for d in span or ()], "sums": sums,
                              "periods": periods, "listing": listing},
                  "kept": kept}))
"""


def _run(script: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(  # noqa: S603 - our own scripts, our own arguments
        [sys.executable, "-c", script, *argv],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=180, check=False,
    )  # fmt: skip


def _import(store: tuple[str, str], path: Path, kill_at: str = "never", abandoned_ms: int = 0):
    """Import ``path`` in a process of its own; ``abandoned_ms`` as the importer's
    ``ABANDONED_MS`` (0: a staging import of a dead process is discarded at once)."""
    return _run(IMPORT, *store, str(path), kill_at, str(abandoned_ms), str(NOW))


def _read(store: tuple[str, str]) -> tuple[dict[str, object], dict[str, dict[int, int]]]:
    """Every cloud figure as another process reads it, and ClickHouse's rows per import."""
    done = _run(REPORT, *store)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    kept = {table: {int(i): n for i, n in rows.items()} for table, rows in read["kept"].items()}
    return read["figures"], kept


@pytest.mark.parametrize("kill_at", ["mid-staging", "before-swap"])
def test_an_import_killed_leaves_the_figures_as_before_then_the_next_makes_them_exact(
    tmp_path, kill_at
):
    old = write(tmp_path, month("2026-03", "3.30", "1.25"), "old.csv")
    new = write(tmp_path, month("2026-03", *(f"{i}.01" for i in range(2 * importer.BATCH + 7)))
                + month("2026-04", "0.000000000000000000000001").split("\n", 1)[1],
                "new.csv")  # fmt: skip
    store = (f"sqlite:///{tmp_path / 'pumpview.db'}", f"chdb://{tmp_path / 'facts'}")
    clean = (f"sqlite:///{tmp_path / 'clean.db'}", f"chdb://{tmp_path / 'clean'}")
    for path in (old, new):  # the after state, on a store no import was killed on
        assert _import(clean, path).returncode == 0
    after, _kept = _read(clean)

    assert _import(store, old).returncode == 0
    before, kept = _read(store)
    (live,) = kept["cloud_costs"]
    killed = _import(store, new, kill_at, abandoned_ms=10 * 60_000)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    figures, kept = _read(store)
    assert figures == before  # nothing of the killed file is seen...
    assert kept["cloud_costs"][live + 1] > 0  # ...though its rows are there
    assert (live + 1 in kept["cloud_daily"]) == (kill_at == "before-swap")

    again = _import(store, new)  # the dead import is discarded as abandoned, its rows deleted
    assert again.returncode == 0, again.stderr
    figures, kept = _read(store)
    assert figures == after
    assert before != after
    # The dead import's rows are gone; the new one's id may be the dead one's again (SQLite
    # gives the highest id again once the collection forgot it): safe, no row carries it.
    (new_id,) = set(kept["cloud_costs"]) - {live}
    assert kept == {"cloud_costs": {live: 2, new_id: 2 * importer.BATCH + 8},
                    "cloud_daily": {live: 1, new_id: 2}}  # fmt: skip

    later = write(tmp_path, month("2026-05", "7"), "may.csv")
    assert _import(store, later).returncode == 0  # the replaced rows go at the next import
    _figures, kept = _read(store)
    (may_id,) = set(kept["cloud_costs"]) - {new_id}
    assert kept == {"cloud_costs": {new_id: 2 * importer.BATCH + 8, may_id: 1},
                    "cloud_daily": {new_id: 2, may_id: 1}}  # fmt: skip
    assert live not in (new_id, may_id)
