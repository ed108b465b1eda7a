"""The People, Overview, Teams and a person's reports with three providers: a Cursor team's events
beside a year of Claude Code and of GitHub Copilot for the same 400 people.

    .venv/bin/python benchmarks/reports_providers.py                     # 2,000,000 Cursor events
    .venv/bin/python benchmarks/reports_providers.py --events 200000 --samples 10

Cursor's events are stored as ``benchmarks/reports.py`` stores them (the sync's own write path,
a ``replace_window`` transaction per 7-day window, no HTTP), for 400 members. Claude Code's and
Copilot's daily rows come from their simulators' ground truth (``claude_code_truth``,
``billing_truth``) folded the importers' way (Copilot's through ``billing.fold`` itself) into
``usage_daily`` and ``activity_daily`` and stored by ``store_window``, a window at a time:
through the importers over HTTP would take far longer and measure them, not the reports. Then
each report runs over ranges of 7, 30, 90 and 365 days ending at random days of the history,
``--samples`` each, and the script prints p50/p95 per report and range and the rows stored.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select, text

sys.path.insert(0, str(Path(__file__).parent))

import reports as loading
from pumpview.integrations.claude_code.usage import KIND
from pumpview.integrations.copilot import billing
from pumpview.reports import overview, person, spend, usage
from pumpview.reports.ranges import Range
from pumpview.simulator.anthropic import AnthropicConfig
from pumpview.simulator.anthropic.data import Organisation as AnthropicOrg
from pumpview.simulator.anthropic.truth import claude_code_truth
from pumpview.simulator.github import GitHubConfig
from pumpview.simulator.github.data import Organisation as GitHubOrg
from pumpview.simulator.github.truth import billing_truth
from pumpview.store import integrations
from pumpview.store.engine import open_store, refresh_statistics
from pumpview.store.measures import MEASURES, MONEY
from pumpview.store.usage import Staged, store_window
from pumpview.timeutil import MS_PER_DAY, Window, day_of, day_start_ms

MEMBERS = 400
RANGES = (7, 30, 90, 365)
_AT = {name: i for i, name in enumerate(MEASURES)}
_ZEROS = tuple(Decimal(0) if name in MONEY else 0 for name in MEASURES)
_CLAUDE_AMOUNT = ("spend_cents", "on_demand_cents", "model_cost_cents", "list_cents",
                  "estimated_cents")  # fmt: skip
_CLAUDE_TOKENS = (("input_tokens", "input_tokens"), ("output_tokens", "output_tokens"),
                  ("cache_creation_tokens", "cache_write_tokens"),
                  ("cache_read_tokens", "cache_read_tokens"))  # fmt: skip
_CLAUDE_ACTIVITY = ("sessions", "lines_added", "lines_removed", "commits", "pull_requests")


def _integration(engine: Engine, name: str, provider: str, now: int) -> int:
    with engine.begin() as conn:
        return integrations.save(conn, {
            "name": name, "provider": provider, "account": name, "base_url": "http://simulated",
            "status": "connected", "connected_at_ms": now, "backfill_days": 365,
        })  # fmt: skip


def _windows(first: date, last: date) -> list[Window]:
    out, end = [], last
    while end >= first:
        start = max(first, end - timedelta(days=6))
        out.append(Window(day_start_ms(start), day_start_ms(end) + MS_PER_DAY - 1))
        end = start - timedelta(days=1)
    return out


def load_claude_code(engine: Engine, now: int, first: date, last: date) -> int:
    """A year of Claude Code for the Cursor team's people, from the simulator's truth."""
    iid = _integration(engine, "claude-code", "claude-code", now)
    org = AnthropicOrg(AnthropicConfig(members=MEMBERS, days=365, now_ms=now))
    rows = 0
    for window in _windows(first, last):
        per_day: Counter[date] = Counter()
        staged = Staged(window, rows_per_day=per_day, costs={})
        day = day_of(window.start)
        while day <= day_of(window.end):
            for (who, model), truth in claude_code_truth(org, day).items():
                if model is None:
                    for name in _CLAUDE_ACTIVITY:
                        if value := getattr(truth, name):
                            staged.activity[day, who, name] = value
                    continue
                sums = staged.acc.setdefault((day, who, model, KIND), list(_ZEROS))
                for name in _CLAUDE_AMOUNT:
                    sums[_AT[name]] += truth.estimated_cents
                for field, name in _CLAUDE_TOKENS:
                    sums[_AT[name]] += getattr(truth, field)
                per_day[day] += 1
            day += timedelta(days=1)
        store_window(engine, iid, staged, now)
        rows += len(staged.acc)
    return rows


def load_copilot(engine: Engine, now: int, first: date, last: date) -> int:
    """A year of Copilot billing for the same people, folded by the importer's ``fold``."""
    iid = _integration(engine, "copilot", "copilot", now)
    org = GitHubOrg(GitHubConfig(members=MEMBERS, days=365, now_ms=now))
    rows = 0
    for window in _windows(first, last):
        per_day: Counter[date] = Counter()
        lines: billing.Lines = {}
        staged = Staged(window, rows_per_day=per_day, costs=lines)
        day = day_of(window.start)
        while day <= day_of(window.end):
            bill = billing.DayBill()
            for (login, model, sku), line in billing_truth(org, day).items():
                items = bill.users.setdefault(login, {})
                items[sku, model] = (line.gross_amount, line.net_amount, line.discount_amount)
                g, n, d = bill.aggregate.get((sku, model), (Decimal(0),) * 3)
                bill.aggregate[sku, model] = (g + line.gross_amount, n + line.net_amount,
                                              d + line.discount_amount)  # fmt: skip
                staged.activity[day, f"github:{login}", "active_days"] = 1
            billing.fold(staged.acc, day, bill)
            billing.lines(lines, day, bill)
            day += timedelta(days=1)
        per_day.update(key[0] for key in staged.acc)
        store_window(engine, iid, staged, now)
        rows += len(staged.acc)
    return rows


def timings(engine: Engine, last: date, samples: int) -> dict[tuple[str, int], list[float]]:
    rng = random.Random(7)
    top = usage.run(engine, "users", last - timedelta(days=364), last)
    emails = [u.email for u in top[:50] if u.email]
    out: dict[tuple[str, int], list[float]] = {}
    for days in RANGES:
        for _ in range(samples):
            until = last - timedelta(days=rng.randrange(max(1, 366 - days)) if days < 365 else 0)
            span = Range("custom", until - timedelta(days=days - 1), until)
            who = rng.choice(emails)
            for name, call in (
                ("People", lambda s=span: usage.run(engine, "users", s.since, s.until)),
                ("Overview", lambda s=span: overview.build(engine, s)),
                ("Teams", lambda s=span: spend.run(engine, "teams", s.since, s.until)),
                ("person", lambda s=span, w=who: person.build(engine, w, s)),
            ):
                begun = time.perf_counter()
                call()
                out.setdefault((name, days), []).append(time.perf_counter() - begun)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="Cursor events")
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    loading.MEMBERS = MEMBERS
    print(f"started {time.strftime('%Y-%m-%d %H:%M')} UTC")
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'three.db'}")
        started = time.perf_counter()
        # load() sizes its events for its own 300 members: ask for as many at 400
        team, _seconds, _writes = loading.load(engine, args.events * 300 // MEMBERS)
        cursor_s = time.perf_counter() - started
        first, last = team.first_day, day_of(team.now)
        started = time.perf_counter()
        claude = load_claude_code(engine, team.now, first, last)
        claude_s = time.perf_counter() - started
        started = time.perf_counter()
        github = load_copilot(engine, team.now, first, last)
        github_s = time.perf_counter() - started
        refresh_statistics(engine)
        with engine.connect() as conn:
            counted = {name: int(conn.execute(select(func.count()).select_from(text(name)))
                                 .scalar_one())
                       for name in ("usage_events", "usage_daily", "activity_daily",
                                    "provider_costs", "person_blocks")}  # fmt: skip
        size = sum(f.stat().st_size for f in Path(folder).glob("three.db*")) / 1e6
        print(f"loaded: Cursor {cursor_s:.0f} s, Claude Code {claude:,} daily rows in"
              f" {claude_s:.0f} s, Copilot {github:,} in {github_s:.0f} s")  # fmt: skip
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counted.items())
              + f"; database {size:,.0f} MB")  # fmt: skip
        got = timings(engine, last, args.samples)
        engine.dispose()
    print(f"{'report':<10}" + "".join(f"{f'{d} d':>16}" for d in RANGES) + "   (p50 / p95 ms)")
    for name in ("People", "Overview", "Teams", "person"):
        cells = "".join(
            f"{loading.p(got[name, d], 0.5):>8.1f}/{loading.p(got[name, d], 0.95):<7.1f}"
            for d in RANGES
        )
        print(f"{name:<10}{cells}")
    print(f"worst p95 {max(loading.p(v, 0.95) for v in got.values()):.1f} ms")


if __name__ == "__main__":
    main()
