"""One alert evaluation at 2,000,000 events and 400 people: time, queries and memory, then the
forecast's backtest and the anomaly rule's false positives on the same quiet history.

    .venv/bin/python benchmarks/alerts.py                              # 2,000,000 events, SQLite
    .venv/bin/python benchmarks/alerts.py --database /tmp/alerts.db    # keep the store, reuse it
    .venv/bin/python benchmarks/alerts.py --postgres                   # a throwaway PostgreSQL
    .venv/bin/python benchmarks/alerts.py --events 200000 --runs 3

The store is ``benchmarks/anomalies.py``'s: the simulator's ordinary history (400 members, 365
days, no planted spike; a few members idle for 45 days) stored through the sync's own write path
without HTTP, then the roster, the spend snapshot (Cursor's cycle start) and the billing groups
(the people directory's teams) through a real one-day ``CursorSync`` against the simulator on
127.0.0.1, at a fixed present (2026-12-09 12:00 UTC). On it: a configured seat price and 50
budgets of every scope (the organisation, the integration, each team, persons), measure, period
and provider. Then ``alerts.evaluate.candidates`` (every rule over one snapshot: integration
health, the budgets and their forecasts, anomalies for every person and team over the latest
complete days, the idle-seats digest) is timed ``--runs`` times, each rule alone too, with the
SQL statements each sends counted (a ``before_cursor_execute`` listener on the engine).

Then, from the same store, the forecast's backtest (``benchmarks/forecast.py``: MAPE by day of
the month over every complete month) and the anomaly rule's false positives per 100 people per
month with the defaults (``benchmarks/anomalies.py``; ``--sweep`` for its whole grid of factors
and floors). Prints figures; asserts nothing about them.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select

sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks.*, and tests.postgres

from benchmarks import anomalies as quiet
from benchmarks import forecast as backtesting
from benchmarks import reports as loading

from pumpview.alerts import budget_rules, health, usage_rules
from pumpview.alerts.evaluate import RULES, candidates
from pumpview.alerts.rule import Rule
from pumpview.reports import baselines, billing
from pumpview.simulator import SimConfig
from pumpview.simulator.data import Team
from pumpview.store import budgets, stored_settings, tables
from pumpview.store.engine import open_store

NOW_MS = quiet.NOW_MS  # 2026-12-09T12:00:00Z
MEMBERS = 400
EVENTS = 2_000_000
PER_DAY_EVENTS, FIXED_EVENTS = 115_100, 58_300
"""The simulator's 400 members over 365 days make about FIXED + PER_DAY x events_per_member_day
events (measured at 0.63 and 12.7 a member-day: at least one event on an active day)."""
IDLE = 10
"""Paid-seat members idle for 45 days: the digest has seats to name."""
SEAT_PRICE = "40"
RULE_NAMES: dict[Rule, str] = {
    health.integration_health: "integration",
    budget_rules.budget: "budget + forecast",
    usage_rules.anomaly: "anomaly",
    usage_rules.idle_seats: "idle_seats",
}


def config(events: int) -> SimConfig:
    """The simulated team; 10 of its paid-seat members idle for 45 days."""
    per_day = max(0.1, (events - FIXED_EVENTS) / PER_DAY_EVENTS)
    plain = SimConfig(members=MEMBERS, days=365, now_ms=NOW_MS, hourly_lag=False,
                      rate_limits=False, events_per_member_day=per_day)  # fmt: skip
    paid = [m.index for m in Team(plain).members if m.paid_seat]
    return replace(plain, idle_members=tuple(paid[5::40][:IDLE]))


def add_budgets(engine: Engine) -> int:
    """A seat price, and 50 budgets of mixed scopes, measures, periods and providers (once)."""
    with engine.begin() as conn:
        existing = len(budgets.listing(conn))
        if existing:
            return existing
        stored_settings.write(conn, {billing.SEAT_PRICE: SEAT_PRICE}, NOW_MS)
        integration = str(conn.execute(select(tables.integrations.c.name)).scalar_one())
        teams = budgets.teams(conn)
        members = tables.cursor_members
        people = [str(e) for (e,) in conn.execute(
            select(members.c.email).distinct().order_by(members.c.email))]  # fmt: skip
        scopes: list[tuple[str, str | None, Decimal]] = [
            ("organization", None, Decimal(800_000)),
            ("organization", None, Decimal(2_500_000)),
            ("organization", None, Decimal(1_500_000)),
            ("integration", integration, Decimal(900_000)),
            ("integration", integration, Decimal(300_000)),
        ]
        scopes += [("team", t, Decimal(200_000 + 50_000 * i)) for i, t in enumerate(teams)]
        scopes += [("team", t, Decimal(40_000 + 10_000 * i)) for i, t in enumerate(teams)]
        step = max(1, len(people) // (50 - len(scopes)))
        scopes += [("person", p, Decimal(1_000 + 250 * (i % 12))) for i, p in
                   enumerate(people[::step][: 50 - len(scopes)])]  # fmt: skip
        for i, (scope, value, cents) in enumerate(scopes):
            measure = ("usage", "on_demand", "bill")[i % 3]
            provider = "cursor" if scope == "integration" or i % 4 else "all"
            budgets.add(
                conn,
                {"name": f"{scope} {value or 'all'} {measure} #{i}", "scope": scope,
                 "scope_value": value, "provider": provider,
                 "period": ("cycle", "month")[i % 2], "measure": measure,
                 "amount_cents": str(cents * (4 if measure == "bill" else 1)),
                 "thresholds": [50, 80, 100]},
                NOW_MS,
            )  # fmt: skip
        return len(scopes)


@contextmanager
def counting(engine: Engine) -> Iterator[list[int]]:
    """A list whose one item counts the statements sent to the database meanwhile."""
    count = [0]

    def seen(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def timed(engine: Engine, rules: Sequence[Rule], runs: int) -> tuple[list[float], int, int]:
    """Seconds per evaluation over ``runs``, the statements of one, and the candidates found."""
    seconds, queries, found = [], 0, 0
    for _ in range(runs):
        with counting(engine) as count:
            begun = time.perf_counter()
            found = len(candidates(engine, NOW_MS, rules, billing.DEFAULTS))
            seconds.append(time.perf_counter() - begun)
        queries = count[0]
    return seconds, queries, found


def ms(values: list[float], q: float) -> float:
    return loading.p(values, q)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def evaluation(engine: Engine, runs: int) -> None:
    print(f"\n== one evaluation, {runs} runs (p50 / p95 ms), statements per evaluation ==")
    candidates(engine, NOW_MS, RULES, billing.DEFAULTS)  # warm: the first reads the disk
    before = rss_mb()
    rows = [(name, *timed(engine, (rule,), runs)) for rule, name in RULE_NAMES.items()]
    rows.append(("every rule (RULES)", *timed(engine, RULES, runs)))
    print(f"{'rule':<20} {'p50':>8} {'p95':>8} {'queries':>8} {'alerts':>7}")
    for name, seconds, queries, found in rows:
        print(f"{name:<20} {ms(seconds, 0.5):>8.1f} {ms(seconds, 0.95):>8.1f} {queries:>8}"
              f" {found:>7}")  # fmt: skip
    whole = rows[-1][1]
    print(
        f"one evaluation: p50 {ms(whole, 0.5):.0f} ms, p95 {ms(whole, 0.95):.0f} ms"
        f" (aim <= 1000 ms); peak RSS {rss_mb():.0f} MB ({before:.0f} MB before the runs;"
        " the process's peak: the load's too, when it stored the events)"
    )
    for c in candidates(engine, NOW_MS, RULES, billing.DEFAULTS)[:12]:
        print(f"  {c.rule}: {c.message[:150]}")


def forecast_backtest(engine: Engine) -> None:
    print("\n== the forecast's backtest on this store (benchmarks/forecast.py) ==")
    table = {}
    for measure in ("usage", "on_demand"):
        errors = backtesting.backtest(backtesting.series(engine, measure))
        split = statistics.fmean(float(e) for d, es in errors.items() if d > 0 for e in es)
        table[measure] = errors
        print(f"organisation {measure}: {len(errors[1])} complete months, MAPE over every day"
              f" {split:.2f} %")  # fmt: skip

    def mean(measure: str, day: int) -> str:
        return f"{statistics.fmean(float(e) for e in table[measure][day]):.1f}"

    cells = [f"{d}: {mean('usage', d)} / {mean('on_demand', d)}" for d in range(1, 32)
             if d in table["usage"]]  # fmt: skip
    print("MAPE (%) by day of the month, usage / on-demand: " + ", ".join(cells))


def false_positives(engine: Engine, sweep: bool) -> None:
    print("\n== anomaly false positives on this quiet history (benchmarks/anomalies.py) ==")
    first, last, months = quiet.judged_days(engine, 6)
    print(f"judged: {first} to {last} ({months:.2f} months)")
    if sweep:
        quiet.report(engine, first, last, months)
        return
    people = quiet.people_judged(engine, first, last)
    persons, teams, seconds = quiet.flagged(engine, first, last, baselines.FACTOR,
                                            baselines.FLOOR_CENTS)  # fmt: skip
    per = Decimal(100) / (Decimal(max(people, 1)) * months)
    print(f"defaults (factor {baselines.FACTOR}, floor ${baselines.FLOOR_CENTS / 100:.0f}):"
          f" {persons} person-days, {teams} team-days flagged among {people} people:"
          f" {persons * per:.2f} / {teams * per:.2f} per 100 people per month"
          f" (persons / teams; sweep {seconds:.1f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--runs", type=int, default=7, help="evaluations timed per rule")
    parser.add_argument("--database", type=Path, help="a SQLite file to keep the store in, and "
                        "to reuse when it exists (same --events)")  # fmt: skip
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--sweep", action="store_true", help="every factor and floor")
    parser.add_argument("--skip-history", action="store_true",
                        help="the evaluation only: no backtest, no false positives")  # fmt: skip
    args = parser.parse_args()
    print(f"started {time.strftime('%Y-%m-%d %H:%M')} UTC; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="pumpview-alerts-") as folder:
        if args.postgres:
            engines = loading.database(postgres=True, folder=Path(folder), name="alerts")
        else:
            engines = sqlite(args.database or Path(folder) / "alerts.db")
        with engines as engine:
            with engine.connect() as conn:
                stored = conn.execute(select(func.count()).select_from(tables.usage_events))
                events = int(stored.scalar_one())
            if not events:
                begun = time.perf_counter()
                events = quiet.load(engine, config(args.events))
                print(f"stored {events:,} events in {time.perf_counter() - begun:.0f} s")
            made = add_budgets(engine)
            with engine.connect() as conn:
                people = conn.execute(
                    select(func.count(func.distinct(tables.cursor_members.c.email)))
                ).scalar_one()
                teams = budgets.teams(conn)
            print(f"{engine.dialect.name}: {events:,} events, {people} people in the roster,"
                  f" {len(teams)} teams ({', '.join(teams)}), {made} budgets, seat price"
                  f" ${SEAT_PRICE} (configured)")  # fmt: skip
            evaluation(engine, args.runs)
            if not args.skip_history:
                forecast_backtest(engine)
                false_positives(engine, args.sweep)


@contextmanager
def sqlite(path: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
