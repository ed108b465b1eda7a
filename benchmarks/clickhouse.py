"""Report latency on the facts in ClickHouse (embedded chDB) at millions of events, exact.

    .venv/bin/python benchmarks/clickhouse.py                    # 2,000,000 and 10,000,000 events
    .venv/bin/python benchmarks/clickhouse.py --compare-sql      # and the small size on SQLite
    .venv/bin/python benchmarks/clickhouse.py --events 500000 --small 100000
    .venv/bin/python benchmarks/clickhouse.py --keep /tmp/ch     # keep the stores; reuse them

As ``reports.py``, for the facts in ClickHouse: events come from the simulator's generator (300
members, 365 days) and go through the sync's own write path without HTTP (``to_records`` ->
``Staged`` -> ``store.usage.store_window`` per window of ``plan_windows``: the events and the
daily rollup under a new version, then the days' bookmarks in the SQLite metadata store). Both
sizes live in one chDB folder (chDB opens one path per process), a database each. The script
prints the load rate (end to end, generator included, and the write path alone), the chDB folder
and each table's size on disk, the process's peak RSS, then p50/p95 of every report (``usage.run``
users, models, requests and daily, the Overview and a person's page) over 1, 30 and 365 days
placed at random, the growth (p95 at the large size over the small), and a check that the 365-day
per-person totals equal the generator's ground truth, every measure. ``--compare-sql`` runs the
small size on SQLite facts too and prints ClickHouse's p95 over SQLite's. ``--keep DIR`` keeps
the stores (and each one's ground truth) in ``DIR``; a size already there is not loaded again,
only its reports timed (a change to the read side, measured without the load's minutes).
"""

from __future__ import annotations

import argparse
import gc
import pickle
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from pumpview import money
from pumpview.integrations.cursor import usage_events
from pumpview.integrations.cursor.sync import plan_windows
from pumpview.reports import overview, person, usage
from pumpview.reports.ranges import Range
from pumpview.simulator import SimConfig
from pumpview.simulator import truth as gt
from pumpview.simulator.data import Team
from pumpview.simulator.events import Event
from pumpview.store import integrations, tables
from pumpview.store.clickhouse import connection
from pumpview.store.engine import open_store, refresh_statistics
from pumpview.store.facts import clickhouse
from pumpview.store.measures import MEASURES
from pumpview.store.usage import Staged, collect, store_window
from pumpview.timeutil import day_of, now_ms

MEMBERS = 300
EVENTS_PER_MEMBER_DAY_FOR_1M = 12 * 1_000_000 / 1_094_209  # as benchmarks/reports.py
RANGES = (1, 30, 365)
SAMPLES = 40
TARGET_MS = 200
KINDS = (*usage.REPORTS, "overview", "person")


def tally(into: dict[str | None, gt.Totals], events: Iterable[Event], old_api: bool) -> None:
    """Add ``events`` to the ground truth per person (``truth.totals``, one window at a time:
    the generator's year is never held in memory at once)."""
    for event in events:
        key = gt.by_user(event)
        totals = into.get(key)
        if totals is None:
            totals = into[key] = gt.Totals()
        totals.add(event, old_api=old_api)


class Loaded:
    """A store after ``load``: its team, ground truth and timings."""

    def __init__(self, team: Team, truth: dict[str | None, gt.Totals]) -> None:
        self.team = team
        self.truth = truth
        self.seconds = 0.0
        self.writes: list[float] = []
        """Each window's ``store_window``, seconds."""


def team_of(events: int, now: int | None = None) -> Team:
    per_day = EVENTS_PER_MEMBER_DAY_FOR_1M * events / 1_000_000
    return Team(
        SimConfig(
            members=MEMBERS, days=365, events_per_member_day=per_day, hourly_lag=False, now_ms=now
        )
    )


def load(engine: Engine, events: int) -> Loaded:
    """Generate ``events`` and store them window by window, as a first backfill does."""
    team = team_of(events)
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": "cursor", "base_url": "http://simulated", "status": "connected",
             "connected_at_ms": team.now, "backfill_days": 365},
        )  # fmt: skip
    out = Loaded(team, {})
    windows = plan_windows(team.first_day, day_of(team.now), {}, team.now)
    started, stored = time.perf_counter(), 0
    for window in windows:
        # The generator calls gc.freeze() after each day it makes (no collector pauses over
        # its cache): the previous window's garbage cycles are collected first, or they would be
        # frozen with it and never freed (3.3 GB of peak RSS at 2M events, 6.4 GB at 10M).
        gc.collect()
        staged = Staged(window)
        batch = team.events_between(window.start, window.end)
        # It also keeps its newest 96 days in an LRU, and each day is read once here: dropped,
        # or the cache would be most of the peak RSS (2.6M events at 10M).
        team._cache.clear()
        tally(out.truth, batch, team.config.old_api)
        for at in range(0, len(batch), 1000):  # pages, as the API sends them
            page = [money.loads(e.json) for e in batch[at : at + 1000]]
            staged.add(usage_events.to_records(page, iid))
        staged.rollup_records(iid)  # as the sync does, before it stores the window
        begun = time.perf_counter()
        store_window(engine, iid, staged, team.now)
        out.writes.append(time.perf_counter() - begun)
        staged.close()
        stored += len(batch)
        del batch
        print(f"\r  loaded {stored:,} events", end="", file=sys.stderr)
    print(file=sys.stderr)
    refresh_statistics(engine)  # as a sync does when it ends
    out.seconds = time.perf_counter() - started
    return out


def timed_reports(engine: Engine, loaded: Loaded) -> dict[str, Callable[[date, date], object]]:
    """Each report as a call over ``[start, end]``; a person's page is a random member's."""
    rng = random.Random(11)
    emails = sorted(email for email in loaded.truth if email)

    def run(kind: str) -> Callable[[date, date], object]:
        return lambda start, end: usage.run(engine, kind, start, end)

    return {
        **{kind: run(kind) for kind in usage.REPORTS},
        "overview": lambda start, end: overview.build(engine, Range("custom", start, end)),
        "person": lambda start, end: person.build(
            engine, rng.choice(emails), Range("custom", start, end)
        ),
    }


def latencies(engine: Engine, loaded: Loaded, seed: int = 7) -> dict[tuple[str, int], list[float]]:
    """Seconds per call of every report over ranges of each length at random places."""
    return timed(timed_reports(engine, loaded), day_of(loaded.team.now), 366, seed)


def timed(
    calls: dict[str, Callable[[date, date], object]], last: date, days_held: int, seed: int = 7
) -> dict[tuple[str, int], list[float]]:
    """Seconds per call of each of ``calls`` over ``SAMPLES`` ranges of each length in
    ``RANGES``, ending at random among the ``days_held`` up to ``last``."""
    rng = random.Random(seed)
    out: dict[tuple[str, int], list[float]] = {}
    for days in RANGES:
        for _ in range(SAMPLES):
            end = last - timedelta(days=rng.randrange(max(1, days_held - days)))
            start = end - timedelta(days=days - 1)
            for kind, call in calls.items():
                begun = time.perf_counter()
                call(start, end)
                out.setdefault((kind, days), []).append(time.perf_counter() - begun)
    return out


def p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] * 1000


def check_exact(engine: Engine, loaded: Loaded) -> str:
    """The 365-day per-person totals against the generator's ground truth, every measure."""
    team, want = loaded.team, loaded.truth
    got = {u.email: u for u in usage.run(engine, "users", team.first_day, day_of(team.now))}
    wrong = [
        email
        for email, t in want.items()
        if email not in got
        or any(getattr(got[email], name) != getattr(t, name) for name in MEASURES)
    ]
    spend = sum((t.spend_cents for t in want.values()), start=money.ZERO)
    if wrong or set(got) != set(want):
        return f"MISMATCH for {len(wrong)} people"
    return (
        f"exact: {len(want)} people, {sum(t.events for t in want.values()):,} events,"
        f" {spend / 100:,.2f} USD to the last of its decimals, every measure"
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def clickhouse_tables(client: Any) -> list[tuple[str, int, float, int]]:
    """(table, rows, MB on disk, active parts) of the client's database."""
    rows = client.query(
        "SELECT table, sum(rows), sum(bytes_on_disk), count() FROM system.parts"
        " WHERE database = currentDatabase() AND active AND table LIKE 'usage%'"
        " GROUP BY table ORDER BY table"
    ).result_rows
    return [(name, int(n), int(size) / 1e6, int(parts)) for name, n, size, parts in rows]


def sql_counts(engine: Engine) -> list[tuple[str, int, float, int]]:
    with engine.connect() as conn:
        return [
            (name, int(conn.execute(select(func.count()).select_from(text(name))).scalar_one()),
             0.0, 0)
            for name in ("usage_events", "usage_daily")
        ]  # fmt: skip


def load_or_reuse(engine: Engine, events: int, kept: Path) -> Loaded:
    """``load``, or the store loaded before into ``kept`` (its ground truth and present)."""
    if kept.exists():
        with kept.open("rb") as file:
            # Our own file, written by this script: nothing untrusted.
            now, truth = pickle.load(file)  # noqa: S301
        return Loaded(team_of(events, now), truth)
    loaded = load(engine, events)
    with kept.open("wb") as file:
        pickle.dump((loaded.team.now, loaded.truth), file)
    return loaded


def copied_name(email: str | None, copy: int) -> str | None:
    """A person's name in copy ``copy`` of a store (``copy_store``); the unattributed bucket
    stays one bucket."""
    return email if copy == 0 or not email else f"copy{copy}.{email}"


COPIED_EMAIL = "if(copy = 0 OR email = '', email, concat('copy', toString(copy), '.', email))"
"""``copied_name`` in ClickHouse."""


def copy_store(source: Engine, target: Engine, copies: int, truths: tuple[Path, Path]) -> Loaded:
    """``target`` as ``copies`` copies of ``source``'s facts, each copy's people renamed
    (``copied_name``): a team ``copies`` times the size over the same days, made inside
    ClickHouse (``INSERT ... SELECT``) from the rows the write path stored, with the same
    versions, so ``source``'s day bookmarks name them. Its blocks are built by the caller.
    ``truths``: the ground truth files of ``source`` (read) and ``target`` (written)."""
    with truths[0].open("rb") as file:
        now, truth = pickle.load(file)  # noqa: S301 - our own file, written by this script
    client = clickhouse(target)
    database = clickhouse(source).database
    for table in ("usage_events", "usage_daily"):
        columns = [
            name for (name,) in client.query(
                "SELECT name FROM system.columns WHERE database = currentDatabase()"
                " AND table = {t:String} ORDER BY position", parameters={"t": table}
            ).result_rows
        ]  # fmt: skip
        values = ", ".join(COPIED_EMAIL if name == "email" else name for name in columns)
        sql = (  # our own table and column names
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values}"  # noqa: S608
            f" FROM {database}.{table} ARRAY JOIN range({copies}) AS copy"
        )
        client.command(sql, settings={"max_insert_threads": 2})
    with source.connect() as conn, target.begin() as into:
        for table in (tables.integrations, tables.fact_writes, tables.sync_days):
            rows = [dict(row._mapping) for row in conn.execute(select(table))]
            into.execute(insert(table), rows)
    copied: dict[str | None, gt.Totals] = {}
    for email, totals in truth.items():
        for copy in range(copies):
            into_totals = copied.setdefault(copied_name(email, copy), gt.Totals())
            for name in MEASURES:
                setattr(into_totals, name, getattr(into_totals, name) + getattr(totals, name))
    with truths[1].open("wb") as file:
        pickle.dump((now, copied), file)
    return Loaded(team_of(0, now), copied)


def run_size(
    engine: Engine,
    events: int,
    label: str,
    folder: Path,
    size: Callable[[], str],
    loaded: Loaded | None = None,
) -> dict[tuple[str, int], list[float]]:
    loaded = loaded or load_or_reuse(engine, events, folder / f"{label}.truth")
    client = clickhouse(engine)
    stored = clickhouse_tables(client) if client is not None else sql_counts(engine)
    count = sum(t.events for t in loaded.truth.values())
    print(f"\n== {label}: {count:,} events ({'chDB' if client is not None else 'SQLite'}) ==")
    if loaded.writes:
        print_load(loaded, count)
    else:
        print(f"reused the store loaded before in {folder}")
    if client is not None:  # the blocks a store loaded before this code had are built here
        begun = time.perf_counter()
        with engine.connect() as conn:
            ids = list(integrations.ids(conn).values())
        for iid in ids:
            collect(engine, iid)
        print(f"  blocks collected and built in {time.perf_counter() - begun:.1f} s")
    for name, rows, mb, parts in stored:
        print(
            f"  {name}: {rows:,} rows" + (f", {mb:,.0f} MB on disk, {parts} parts" if parts else "")
        )
    print(f"  {size()}; peak RSS so far {peak_rss_mb():,.0f} MB")
    timings = latencies(engine, loaded)
    print(f"{'report':<10}" + "".join(f"{f'{d} d':>16}" for d in RANGES) + "   (p50 / p95 ms)")
    for kind in KINDS:
        cells = "".join(
            f"{p(timings[kind, d], 0.5):>8.1f}/{p(timings[kind, d], 0.95):<7.1f}" for d in RANGES
        )
        print(f"{kind:<10}{cells}")
    worst = max(timings, key=lambda key: p(timings[key], 0.95))
    ms = p(timings[worst], 0.95)
    verdict = "within" if ms <= TARGET_MS else "OVER"
    print(f"worst p95 {ms:.1f} ms ({worst[0]}, {worst[1]} d): {verdict} {TARGET_MS} ms")
    print(check_exact(engine, loaded))
    print(f"peak RSS so far {peak_rss_mb():,.0f} MB")
    return timings


def print_load(loaded: Loaded, count: int) -> None:
    write = sum(loaded.writes)
    loaded.writes.sort()
    print(f"loaded in {loaded.seconds:.0f} s: {count / loaded.seconds:,.0f} events/s end to end"
          f" (the generator and parsing included); store_window alone {write:.0f} s,"
          f" {count / write:,.0f} events/s")  # fmt: skip
    print(f"  {len(loaded.writes)} windows: store_window p50 {p(loaded.writes, 0.5):.0f} ms, p95"
          f" {p(loaded.writes, 0.95):.0f} ms, max {loaded.writes[-1] * 1000:.0f} ms")  # fmt: skip


def ratios(
    title: str, over: dict[tuple[str, int], list[float]], under: dict[tuple[str, int], list[float]]
) -> None:
    print(f"\n{title}")
    print(f"{'report':<10}" + "".join(f"{f'{d} d':>8}" for d in RANGES))
    for kind in KINDS:
        print(f"{kind:<10}" + "".join(
            f"{p(over[kind, d], 0.95) / p(under[kind, d], 0.95):>8.2f}" for d in RANGES
        ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="large size")
    parser.add_argument("--small", type=int, default=2_000_000, help="small size, for the growth")
    parser.add_argument(
        "--compare-sql", action="store_true", help="the small size on SQLite facts too"
    )
    parser.add_argument("--keep", type=Path, help="keep the stores in this folder; reuse them")
    parser.add_argument(
        "--copies", type=int, default=0,
        help="and a size this many times the large one: its facts copied, people renamed",
    )  # fmt: skip
    args = parser.parse_args()
    print(f"started {time.strftime('%Y-%m-%d %H:%M')} UTC; wall clock now_ms {now_ms()}")
    with tempfile.TemporaryDirectory(prefix="pumpview-bench-ch-") as name:
        folder = args.keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        chdb = folder / "chdb"

        opened: list[str] = []

        def store(label: str, sql: bool = False) -> Engine:
            facts = None if sql else f"chdb://{chdb}?database={label}"
            opened.extend([facts] if facts else [])
            return open_store(f"sqlite:///{folder / label}.db", facts)

        def on(events: int, label: str, sql: bool = False) -> dict[tuple[str, int], list[float]]:
            label = f"{label}_{events}"  # a kept folder holds each size once
            engine = store(label, sql)
            loaded, truth = None, folder / f"{label}.truth"
            if label.startswith("huge") and not truth.exists():
                source = store(f"large_{args.events}")
                begun = time.perf_counter()
                truths = (folder / f"large_{args.events}.truth", truth)
                loaded = copy_store(source, engine, args.copies, truths)
                print(f"\ncopied {label} in {time.perf_counter() - begun:.0f} s")
                source.dispose()
            try:
                return run_size(
                    engine, events, label, folder, lambda: sizes(folder, label, sql), loaded
                )
            finally:
                engine.dispose()
                for url in opened:
                    connection.close(url)
                opened.clear()

        small = on(args.small, "small")
        big = on(args.events, "large")
        ratios("growth: p95 at the large size / p95 at the small size (aim <= 2)", big, small)
        if args.copies:
            huge = on(args.events * args.copies, "huge")
            ratios("growth: p95 at the copied size / p95 at the large size (aim <= 2)", huge, big)
        if args.compare_sql:
            sql = on(args.small, "sqlite", sql=True)
            ratios("ClickHouse / SQLite: p95 at the small size", small, sql)


def sizes(folder: Path, label: str, sql: bool) -> str:
    files = sum(f.stat().st_size for f in folder.glob(f"{label}.db*")) / 1e6
    if sql:
        return f"database {files:,.0f} MB"
    return f"chDB folder {folder_mb(folder / 'chdb'):,.0f} MB, metadata {files:,.1f} MB"


if __name__ == "__main__":
    main()
