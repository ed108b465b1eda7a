"""The budget forecast's backtest: over every complete past month the data holds, the forecast
made at the start of each day of the month against the month's final actual, as the mean
absolute percentage error (MAPE) by day of the month.

    .venv/bin/python benchmarks/forecast.py                     # the demo's data and two more
    .venv/bin/python benchmarks/forecast.py --members 50 --seeds 1

Each simulated team (365 days of history ending at a fixed present, as ``pumpview demo`` makes
it: 50 members, seed 1; then other seeds and sizes) is served by the simulator over HTTP and
synced into a fresh SQLite store by the product's own sync. The daily series is read from the
store the way a budget reads it (``reports.budget_spend``: the organisation's usage value and
on-demand per UTC day), and the forecast is ``reports.forecast.forecast`` exactly as a budget's
status calls it, at each day's midnight, with the days complete at that instant (72 hours after
a day's end, ``store.usage.is_final``) as its basis. Every complete month is kept, the first
one too: its early forecasts use what complete history there was, as a new install's would.

Prints figures; asserts nothing about them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import Engine

from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.reports import budget_spend
from pumpview.reports.cycles import add_months
from pumpview.reports.forecast import BASIS_DAYS, forecast
from pumpview.simulator import DEMO_KEY, SimConfig, create_simulator
from pumpview.simulator.server import serve_in_thread
from pumpview.store import integrations
from pumpview.store.budgets import Budget
from pumpview.store.engine import open_store, snapshot
from pumpview.store.usage import is_final
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms

NOW_MS = 1_796_601_630_000  # 2026-12-07T00:00:30Z: the tests' Monday just after midnight
DAYS = 365
CONFIGS = ((1, 50), (2, 50), (3, 150))
"""(seed, members): the demo's team first."""


def synced(seed: int, members: int, folder: Path) -> Engine:
    """A fresh SQLite store holding the simulated team's 365 days, synced over HTTP."""
    engine = open_store(f"sqlite:///{folder / f'seed{seed}-{members}.db'}")
    app = create_simulator(
        SimConfig(seed=seed, members=members, days=DAYS, now_ms=NOW_MS, rate_limits=False)
    )
    with serve_in_thread(app) as url:
        with engine.begin() as conn:
            iid = integrations.save(
                conn,
                {"name": "cursor", "base_url": url, "status": "connected",
                 "connected_at_ms": NOW_MS, "backfill_days": DAYS},
            )  # fmt: skip
        with httpx.Client(base_url=url, auth=(DEMO_KEY, ""), timeout=60) as http:
            CursorSync(
                engine, CursorClient(http, pacing=False), iid, now_ms=NOW_MS, backfill_days=DAYS
            ).run()
    return engine


def series(engine: Engine, measure: str) -> dict[date, Decimal]:
    """The organisation's measure per UTC day over everything stored."""
    budget = Budget(0, "all", "organization", None, "cursor", "month", measure, Decimal(1),
                    (100,), 0)  # fmt: skip
    with snapshot(engine) as conn:
        scoped = budget_spend.resolve(conn, budget)
        first = budget_spend.first_day(conn, scoped)
        assert first is not None
        return {
            **{first + timedelta(days=i): Decimal(0) for i in range(DAYS)},
            **budget_spend.spend_days(conn, scoped, day_start_ms(first), NOW_MS),
        }


def complete_through(at_ms: int, first: date) -> date | None:
    """The last day final at ``at_ms`` had a sync run then (every day fetched at ``at_ms``)."""
    day = day_of(at_ms)
    while day >= first and not is_final(day, at_ms):
        day -= timedelta(days=1)
    return day if day >= first else None


def flat(actual: Decimal, daily: dict[date, Decimal], first: date, through: date | None,
         at: int, end: int) -> Decimal:  # fmt: skip
    """The same forecast without weekdays and weekends apart: one mean over the basis."""
    if through is None:
        return actual
    start = max(first, through - timedelta(days=BASIS_DAYS - 1))
    days = [start + timedelta(days=i) for i in range((through - start).days + 1)]
    mean = sum((daily[d] for d in days), Decimal(0)) / len(days)
    return actual + mean * Decimal(end - at) / MS_PER_DAY


def backtest(daily: dict[date, Decimal]) -> dict[int, list[Decimal]]:
    """Absolute percentage errors by day of the month, over every complete month stored."""
    first, last = min(daily), max(daily)
    errors: dict[int, list[Decimal]] = {}
    month = day_start_ms(first.replace(day=1))
    if day_of(month) < first:
        month = add_months(month, 1)
    while add_months(month, 1) <= day_start_ms(last):  # the month ends before today
        end = add_months(month, 1)
        days = [day_of(month) + timedelta(days=i) for i in range((end - month) // MS_PER_DAY)]
        final = sum((daily[d] for d in days), Decimal(0))
        for index, day in enumerate(days, start=1):
            at = day_start_ms(day)
            actual = sum((daily[d] for d in days if d < day), Decimal(0))
            through = complete_through(at, first)
            made = forecast(actual, daily, first, through, at, end)
            error = abs(made.total_cents - final) / final * 100 if final else Decimal(0)
            errors.setdefault(index, []).append(error)
            plain = flat(actual, daily, first, through, at, end)
            errors.setdefault(-index, []).append(abs(plain - final) / final * 100 if final else 0)
        month = end
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", help="only these configs' seeds")
    parser.add_argument("--members", type=int, help="one team of this size (seed 1 unless --seeds)")
    args = parser.parse_args()
    configs = list(CONFIGS)
    if args.members:
        configs = [(s, args.members) for s in (args.seeds or [1])]
    elif args.seeds:
        configs = [c for c in configs if c[0] in args.seeds]
    table: dict[str, dict[int, list[Decimal]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for seed, members in configs:
            started = time.perf_counter()
            engine = synced(seed, members, Path(folder))
            took = time.perf_counter() - started
            for measure in ("usage", "on_demand"):
                daily = series(engine, measure)
                errors = backtest(daily)
                months = len(errors[1])
                split = statistics.fmean(float(e) for d, es in errors.items() if d > 0 for e in es)
                one = statistics.fmean(float(e) for d, es in errors.items() if d < 0 for e in es)
                label = f"seed {seed}, {members} members, {measure}"
                table[label] = errors
                print(f"{label}: {months} complete months (synced in {took:.0f} s); MAPE over "
                      f"every day {split:.2f} %, without weekdays and weekends apart "
                      f"{one:.2f} %")  # fmt: skip
            engine.dispose()
    labels = list(table)
    print()
    print("MAPE (%) of the forecast made at the start of day N of the month vs the month's final")
    print("| day | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for day in range(1, 32):
        cells = []
        for label in labels:
            found = table[label].get(day)
            cells.append(f"{statistics.fmean(float(e) for e in found):.1f}" if found else "")
        print(f"| {day} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
