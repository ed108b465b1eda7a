"""Copying a million usage events from the SQL store into ClickHouse (embedded chDB), verified.

    .venv/bin/python benchmarks/copy_facts.py                      # 1,000,000 events, SQLite
    .venv/bin/python benchmarks/copy_facts.py --events 200000
    .venv/bin/python benchmarks/copy_facts.py --db postgresql://user@host/empty_db

The SQL store is filled first, untimed, as syncs fill it: ``clickhouse_write.records`` (300 people,
365 days, five models, 20-decimal amounts) stored a week at a time by ``usage.replace_window``
(events, rollup, blocks, bookmarks). Then ``copy_to_clickhouse`` copies it into a fresh chDB
directory, a week per chunk, and verifies every measure per day, person and model; the copy and
the verification are timed apart (the last chunk's progress report divides them).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks.*

from benchmarks.clickhouse_write import records

from pumpview.store import integrations, rollup, usage
from pumpview.store.clickhouse import connection, schema
from pumpview.store.copy_facts import CopyProgress, copy_to_clickhouse
from pumpview.store.engine import open_store
from pumpview.timeutil import MS_PER_DAY, Window, day_start_ms

WEEK = 7


def fill(engine: Engine, events: int) -> int:
    """The SQL store as syncs leave it: one integration, ``events`` events, a window per week."""
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": "cursor", "base_url": "http://127.0.0.1:1", "status": "connected",
             "connected_at_ms": 0, "backfill_days": 365},
        )  # fmt: skip
    assert iid == 1, "clickhouse_write.records are of integration 1"
    weeks: dict[int, list[rollup.Record]] = {}
    first: date | None = None
    for page in records(events):
        for record in page:
            day = record[rollup.AT["day"]]
            first = first or day
            weeks.setdefault((day - first).days // WEEK, []).append(record)
    assert first is not None
    for week, stored in sorted(weeks.items()):
        start = day_start_ms(first) + week * WEEK * MS_PER_DAY
        staged = usage.Staged(Window(start, start + WEEK * MS_PER_DAY - 1))
        for at in range(0, len(stored), 1_000):
            staged.add(stored[at : at + 1_000])
        with engine.begin() as conn:
            usage.replace_window(conn, iid, staged, fetched_at_ms=start + 400 * MS_PER_DAY)
        staged.close()
    return len(weeks)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", help="an empty database (default: a SQLite file, temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        engine = open_store(args.db or f"sqlite:///{directory}/pumpview.db")
        started = time.perf_counter()
        weeks = fill(engine, args.events)
        print(
            f"filled the SQL store: {weeks} weeks in {time.perf_counter() - started:.1f} s; "
            f"peak RSS {_peak_mb():,.0f} MB"
        )
        client = connection.connect(f"chdb://{directory}/facts")
        schema.migrate(client)

        last: list[float] = []

        def lap(progress: CopyProgress) -> None:
            if progress.days_done == progress.days_total:
                last.append(time.perf_counter())

        started = time.perf_counter()
        result = copy_to_clickhouse(engine, client, on_progress=lap)
        ended = time.perf_counter()
        copying = last[-1] - started
        print(
            f"copy_to_clickhouse: {result.events:,} events of {result.days} days in "
            f"{result.chunks} chunks, {result.seconds:.1f} s in all, "
            f"{result.events / result.seconds:,.0f} events/s"
        )
        print(
            f"  copying {copying:.1f} s ({result.events / copying:,.0f} events/s), "
            f"verifying {ended - last[-1]:.1f} s; peak RSS {_peak_mb():,.0f} MB"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
