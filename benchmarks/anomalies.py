"""Anomaly false positives on quiet history: how often the rule flags an ordinary day.

    .venv/bin/python benchmarks/anomalies.py                      # 400 people, 365 days, SQLite
    .venv/bin/python benchmarks/anomalies.py --members 100 --months 3

The simulator's ordinary history (no planted spike: every day of every member drawn from the same
distribution, weekends thinned) is stored through the sync's own write path (``to_records`` ->
``Staged`` -> one ``replace_window`` per 7-day window, without HTTP), and the roster, the spend
snapshot and the billing groups (the teams of the people directory) through a real one-day
``CursorSync`` against the simulator served on 127.0.0.1. The present is fixed (2026-12-09
12:00 UTC), so every run sees the same data. Then every complete day of the last ``--months``
months is judged, per person and per team, for a few factors and floors: every anomaly found is
a false positive. It prints them per 100 people per month and the time each sweep took, then
``find`` with the defaults (drivers read) and ``latest`` (what an alert rule reads).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import Engine

from pumpview import money
from pumpview.integrations.cursor import usage_events
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync, plan_windows
from pumpview.reports import anomalies, baselines, usage
from pumpview.reports.completeness import complete_through
from pumpview.reports.scope import integration_ids, scope
from pumpview.simulator import DEMO_KEY, SimConfig, create_simulator
from pumpview.simulator.data import Team
from pumpview.simulator.server import serve_in_thread
from pumpview.store import integrations
from pumpview.store.engine import open_store, refresh_statistics, snapshot
from pumpview.store.usage import Staged, replace_window
from pumpview.timeutil import day_of

NOW_MS = 1_796_817_600_000  # 2026-12-09T12:00:00Z, a Wednesday (tests.conftest.INSTANTS)
FACTORS = (Decimal("3.5"), Decimal(4), Decimal(5), Decimal(6), Decimal(8), Decimal(10))
FLOORS = (Decimal(0), Decimal(100), Decimal(200), Decimal(500), Decimal(1000), Decimal(2500))
DAYS_PER_MONTH = Decimal("30.4375")


def load(engine: Engine, config: SimConfig) -> int:
    """Store the simulator's history as a sync would; returns the events stored."""
    team = Team(config)
    with engine.begin() as conn:
        iid = integrations.save(
            conn,
            {"name": "cursor", "base_url": "http://simulated", "status": "connected",
             "connected_at_ms": team.now, "backfill_days": config.days},
        )  # fmt: skip
    stored = 0
    for window in plan_windows(team.first_day, day_of(team.now), {}, team.now):
        staged = Staged(window)
        batch = team.events_between(window.start, window.end)
        for at in range(0, len(batch), 1000):  # pages, as the API sends them
            page = [money.loads(e.json) for e in batch[at : at + 1000]]
            staged.add(usage_events.to_records(page, iid))
        with engine.begin() as conn:
            replace_window(conn, iid, staged, team.now)
        staged.close()
        stored += len(batch)
        print(f"\r  loaded {stored:,} events", end="", file=sys.stderr)
    print(file=sys.stderr)
    # The roster, spend and billing groups (the directory's teams): a real sync of the last day.
    with (
        serve_in_thread(create_simulator(config)) as url,
        httpx.Client(base_url=url, auth=(DEMO_KEY, ""), timeout=60) as http,
    ):
        CursorSync(engine, CursorClient(http, pacing=False), iid, now_ms=team.now,
                   backfill_days=1).run()  # fmt: skip
    refresh_statistics(engine)
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--months", type=int, default=6, help="months of days judged")
    parser.add_argument(
        "--database",
        type=Path,
        help="a SQLite file to keep the store in, and "
        "to reuse when it exists (same --members and --days)",
    )
    args = parser.parse_args()
    config = SimConfig(members=args.members, days=args.days, now_ms=NOW_MS, hourly_lag=False,
                       rate_limits=False)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="pumpview-anomalies-") as folder:
        path = args.database or Path(folder) / "bench.db"
        stored = path.exists()
        engine = open_store(f"sqlite:///{path}")
        if not stored:
            begun = time.perf_counter()
            events = load(engine, config)
            print(f"{events:,} events, {args.members} members, {args.days} days, stored in "
                  f"{time.perf_counter() - begun:.0f} s (SQLite)")  # fmt: skip
        first, last, months = judged_days(engine, args.months)
        judged = (last - first).days + 1
        print(f"judged: {first} to {last}, {judged} complete days ({months:.2f} months)")
        report(engine, first, last, months)
        engine.dispose()


def judged_days(engine: Engine, months: int) -> tuple[date, date, Decimal]:
    """The last ``months`` months of complete days: first, last, and how many months exactly."""
    with snapshot(engine) as conn:
        last = complete_through(conn, integration_ids(conn, None))
    assert last is not None
    first = last - timedelta(days=round(months * DAYS_PER_MONTH) - 1)
    return first, last, Decimal((last - first).days + 1) / DAYS_PER_MONTH


def people_judged(engine: Engine, first: date, last: date) -> int:
    """People with usage in the judged days (the rate's denominator)."""
    with snapshot(engine) as conn:
        where = scope(conn, first, last)
        assert where is not None
        return sum(1 for u in usage.users(conn, where) if u.email)


def flagged(
    engine: Engine, first: date, last: date, factor: Decimal, floor: Decimal
) -> tuple[int, int, float]:
    """Anomalies found over the judged days, persons and teams, and the sweep's seconds."""
    with snapshot(engine) as conn:
        begun = time.perf_counter()
        found = anomalies.detect(conn, first, last, factor=factor, floor_cents=floor)
        seconds = time.perf_counter() - begun
    return (sum(v.scope == "person" for v in found), sum(v.scope == "team" for v in found),
            seconds)  # fmt: skip


def report(engine: Engine, first: date, last: date, months: Decimal) -> None:
    """False positives per 100 people per month for each factor and floor, and the time taken."""
    people = people_judged(engine, first, last)
    print(f"{people} people with usage in the judged days")
    print(f"{'factor':>7} {'floor':>7} {'persons':>8} {'per 100/mo':>11} {'teams':>6}"
          f" {'per 100/mo':>11}  seconds")  # fmt: skip
    per = Decimal(100) / (Decimal(max(people, 1)) * months)
    for floor in FLOORS:
        for factor in FACTORS:
            persons, teams, seconds = flagged(engine, first, last, factor, floor)
            default = (factor, floor) == (baselines.FACTOR, baselines.FLOOR_CENTS)
            print(f"{factor:>7} {f'${floor / 100:.0f}':>7} {persons:>8} {persons * per:>11.2f}"
                  f" {teams:>6} {teams * per:>11.2f}  {seconds:6.2f}"
                  f"{'  <- the defaults' if default else ''}")  # fmt: skip
    with snapshot(engine) as conn:
        begun = time.perf_counter()
        explained = anomalies.find(conn, first, last)
        seconds = time.perf_counter() - begun
    print(f"find() over the {months:.1f} months with the defaults, drivers read: {seconds:.2f} s,"
          f" {len(explained)} anomalies")  # fmt: skip
    for a in explained[:10]:
        print(f"  {a.message}")
    for days in (1, 3):
        with snapshot(engine) as conn:
            begun = time.perf_counter()
            latest = anomalies.latest(conn, days=days)
            seconds = time.perf_counter() - begun
        print(f"latest(days={days}), defaults: {seconds * 1000:.0f} ms, {len(latest)} anomalies")


if __name__ == "__main__":
    main()
