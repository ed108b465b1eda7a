"""Report latency at millions of events, exactness checked, and how it grows with history.

    .venv/bin/python benchmarks/reports.py                    # 200k and 2,000,000 events, SQLite
    .venv/bin/python benchmarks/reports.py --postgres         # 200k and 10,000,000, PostgreSQL
    .venv/bin/python benchmarks/reports.py --events 500000 --small 50000

Events come from the simulator's generator (300 members, 365 days) and are stored through the
sync's own write path (``usage_events.to_records`` -> ``store.usage.Staged`` -> one
``replace_window`` transaction per 7-day window), without HTTP. Then every report runs over
ranges of 1, 7, 30, 90 and 365 days placed at random in the history (so they start and end
mid-month), and the script prints p50/p95 per report and range, the row counts and database
size, the growth (p95 at the large size over p95 at the small one), what the per-person and
per-model indexes buy, and a check that the 365-day totals equal the generator's ground truth.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text

sys.path.insert(0, str(Path(__file__).parents[1]))  # for tests.postgres, the throwaway cluster

from pumpview import money
from pumpview.integrations.cursor import usage_events
from pumpview.integrations.syncing import plan_windows
from pumpview.reports import usage
from pumpview.simulator import SimConfig
from pumpview.simulator import truth as gt
from pumpview.simulator.data import Team
from pumpview.store import integrations, tables
from pumpview.store.engine import open_store, refresh_statistics
from pumpview.store.usage import Staged, replace_window
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms, now_ms

MEMBERS = 300
EVENTS_PER_MEMBER_DAY_FOR_1M = 12 * 1_000_000 / 1_094_209  # as benchmarks/backfill.py
RANGES = (1, 7, 30, 90, 365)
SAMPLES = 40


def load(engine: Engine, events: int) -> tuple[Team, float, list[float]]:
    """Generate ``events`` and store them window by window; returns the team, the seconds taken
    and each window's write-transaction time."""
    per_day = EVENTS_PER_MEMBER_DAY_FOR_1M * events / 1_000_000
    team = Team(
        SimConfig(members=MEMBERS, days=365, events_per_member_day=per_day, hourly_lag=False)
    )
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": "cursor", "base_url": "http://simulated", "status": "connected",
             "connected_at_ms": team.now, "backfill_days": 365},
        )  # fmt: skip
    windows = plan_windows(team.first_day, day_of(team.now), {}, team.now)
    started, writes, stored = time.perf_counter(), [], 0
    for window in windows:
        staged = Staged(window)
        batch = team.events_between(window.start, window.end)
        for at in range(0, len(batch), 1000):  # pages, as the API sends them
            page = [money.loads(e.json) for e in batch[at : at + 1000]]
            staged.add(usage_events.to_records(page, iid))
        staged.rollup_records(iid)
        begun = time.perf_counter()
        with engine.begin() as conn:
            replace_window(conn, iid, staged, team.now)
        writes.append(time.perf_counter() - begun)
        staged.close()
        stored += len(batch)
        print(f"\r  loaded {stored:,} events", end="", file=sys.stderr)
    print(file=sys.stderr)
    refresh_statistics(engine)  # as a sync does when it ends
    return team, time.perf_counter() - started, writes


def latencies(engine: Engine, team: Team, seed: int = 7) -> dict[tuple[str, int], list[float]]:
    """Seconds per call of every report over ranges of each length at random places."""
    rng = random.Random(seed)
    last = day_of(team.now)
    out: dict[tuple[str, int], list[float]] = {}
    for days in RANGES:
        for _ in range(SAMPLES):
            end = last - timedelta(days=rng.randrange(max(1, 366 - days)))
            start = end - timedelta(days=days - 1)
            for kind in usage.REPORTS:
                begun = time.perf_counter()
                usage.run(engine, kind, start, end)
                out.setdefault((kind, days), []).append(time.perf_counter() - begun)
    return out


def p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] * 1000


def check_exact(engine: Engine, team: Team) -> str:
    """The 365-day per-person totals against the generator's ground truth, event by event."""
    first, last = team.first_day, day_of(team.now)
    want = gt.totals(team, day_start_ms(first), day_start_ms(last) + MS_PER_DAY - 1, gt.by_user)
    got = {u.email: u for u in usage.run(engine, "users", first, last)}
    wrong = [
        email for email, t in want.items()
        if (got[email].events, got[email].spend_cents, got[email].on_demand_cents,
            got[email].token_fee_cents) != (t.events, t.spend_cents, t.on_demand_cents,
                                            t.token_fee_cents)
    ]  # fmt: skip
    spend = sum((t.spend_cents for t in want.values()), start=money.ZERO)
    if wrong or set(got) != set(want):
        return f"MISMATCH for {len(wrong)} people"
    return f"exact: {len(want)} people, {spend / 100:,.2f} USD to the last of its decimals"


def counts(engine: Engine) -> dict[str, int]:
    names = ("usage_events", "usage_daily", "person_blocks", "model_blocks", "integration_blocks")
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(text(name))).scalar_one())
            for name in names
        }


def index_effect(engine: Engine, team: Team) -> list[str]:
    """p50 of the drill-down query the per-person index serves (one person's models over 365
    days), with the index and without it."""
    last = day_of(team.now)
    first = last - timedelta(days=364)
    person = next(m.event_email for m in team.members if m.event_email)
    daily = tables.usage_daily

    def breakdown(key: str, value: str, by: str) -> None:
        with engine.connect() as conn:
            conn.execute(
                select(daily.c[by], func.sum(daily.c.events))
                .where(
                    daily.c.integration_id == 1,
                    daily.c[key] == value,
                    daily.c.day.between(first, last),
                )
                .group_by(daily.c[by])
            ).all()

    def timed(key: str, value: str, by: str, runs: int) -> float:
        values = []
        for _ in range(runs):
            begun = time.perf_counter()
            breakdown(key, value, by)
            values.append(time.perf_counter() - begun)
        return statistics.median(values) * 1000

    queries = (("one person's models", "email", person, "model", "ix_usage_daily_person"),)
    with_ix = [timed(key, value, by, 5) for _label, key, value, by, _ix in queries]
    with engine.begin() as conn:
        for *_rest, index in queries:
            conn.execute(text(f"DROP INDEX {index}"))
    without = [timed(key, value, by, 3) for _label, key, value, by, _ix in queries]
    return [
        f"{label}, 365 d: {a:.1f} ms with {index}, {b:.0f} ms without"
        for (label, *_rest, index), a, b in zip(queries, with_ix, without, strict=True)
    ]


@contextmanager
def database(postgres: bool, folder: Path, name: str) -> Iterator[Engine]:
    if not postgres:
        engine = open_store(f"sqlite:///{folder / name}.db")
        yield engine
        engine.dispose()
        return
    import psycopg  # noqa: PLC0415
    from tests.postgres import cluster  # noqa: PLC0415

    base = Path(tempfile.mkdtemp(prefix="pumpview-bench-pg-"))
    try:
        with cluster(base) as admin:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            engine = open_store(admin.rsplit("/", 1)[0] + f"/{name}")
            yield engine
            engine.dispose()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def size_mb(engine: Engine, folder: Path, name: str) -> float:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return (
                int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
                / 1e6
            )
    return sum(f.stat().st_size for f in folder.glob(f"{name}.db*")) / 1e6


def run_size(
    postgres: bool, folder: Path, events: int, label: str
) -> dict[tuple[str, int], list[float]]:
    with database(postgres, folder, label) as engine:
        team, seconds, writes = load(engine, events)
        rows = counts(engine)
        timings = latencies(engine, team)
        writes.sort()
        print(f"\n== {rows['usage_events']:,} events ({engine.dialect.name}) ==")
        rate = rows["usage_events"] / seconds
        print(f"loaded in {seconds:.0f} s ({rate:,.0f} events/s without HTTP); write transaction")
        print(f"  per window p50 {p(writes, 0.5):.0f} ms, p95 {p(writes, 0.95):.0f} ms, max"
              f" {writes[-1] * 1000:.0f} ms")  # fmt: skip
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        print(f"database size {size_mb(engine, folder, label):,.0f} MB")
        print(f"{'report':<10}" + "".join(f"{f'{d} d':>16}" for d in RANGES) + "   (p50 / p95 ms)")
        for kind in usage.REPORTS:
            cells = "".join(
                f"{p(timings[kind, d], 0.5):>8.1f}/{p(timings[kind, d], 0.95):<7.1f}"
                for d in RANGES
            )
            print(f"{kind:<10}{cells}")
        worst = max(p(v, 0.95) for v in timings.values())
        print(f"worst p95 {worst:.1f} ms (target 50 ms)")
        print(check_exact(engine, team))
        for line in index_effect(engine, team):
            print(line)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument(
        "--events", type=int, help="large size (2,000,000; 10,000,000 on --postgres)"
    )
    parser.add_argument("--small", type=int, default=200_000, help="small size, for the growth")
    args = parser.parse_args()
    large = args.events or (10_000_000 if args.postgres else 2_000_000)
    print(f"started {time.strftime('%Y-%m-%d %H:%M')} UTC; wall clock now_ms {now_ms()}")
    with tempfile.TemporaryDirectory() as folder:
        small = run_size(args.postgres, Path(folder), args.small, "small")
        big = run_size(args.postgres, Path(folder), large, "large")
    print("\ngrowth: p95 at the large size / p95 at the small size (aim <= 2)")
    for kind in usage.REPORTS:
        print(f"{kind:<10}" + "".join(
            f"{p(big[(kind, d)], 0.95) / p(small[(kind, d)], 0.95):>8.2f}" for d in RANGES
        ))  # fmt: skip


if __name__ == "__main__":
    main()
