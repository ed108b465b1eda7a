"""A year's backfill of Claude Code and of GitHub Copilot from their simulators, with their rate
limits on: requests made against the minimum, time against the rate-limit bound, peak RSS.

    .venv/bin/python benchmarks/backfill_providers.py                       # 400 members, 365 days
    .venv/bin/python benchmarks/backfill_providers.py --members 50 --days 30
    .venv/bin/python benchmarks/backfill_providers.py --limits off          # as fast as it goes

Each simulator is served over real HTTP (in a thread of this process) and read by the provider's
own sync (``ClaudeCodeSync``, ``CopilotSync``) into a fresh SQLite file, with the limits a real
organisation has: Anthropic's simulator answers 429 past ``--anthropic-limit`` requests a minute
(60 by default, as ``pumpview simulator``) while our client paces itself at 50 a minute a path;
GitHub's past 900 points a minute per endpoint and 5,000 requests an hour, our client pacing
under both. Waiting out a year at those limits would take hours, so the limits run on a
virtual clock shared by the simulators and the clients: it moves with the wall clock and jumps
over every pacing wait. "Time" is that clock: the wall time plus the waits; "bound" is the
minimum requests over the limit (the earliest the last request may go).

The minimum requests, from the simulators' ground truth:
- Claude Code: one claude_code report request per day per page of 1,000 records (at least one),
  the users' pages (1,000 a page) and one cost report request per window of days the sync reads
  (a window's days fit one page of 31 buckets);
- Copilot: one billing aggregate per day, one billing request per user with usage on the day, the
  seat pages (100 a page), one usage-metrics report request per day it exists and its download
  links.

Peak RSS is this process's: the importer and the simulator together.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from pumpview.integrations.claude_code import connection as claude_code
from pumpview.integrations.claude_code.client import AnthropicClient
from pumpview.integrations.claude_code.client import make_http as anthropic_http
from pumpview.integrations.claude_code.sync import ClaudeCodeSync
from pumpview.integrations.copilot import connection as copilot
from pumpview.integrations.copilot.client import GitHubClient
from pumpview.integrations.copilot.client import make_http as github_http
from pumpview.integrations.copilot.sync import CopilotSync
from pumpview.integrations.syncing import pending_windows
from pumpview.simulator.anthropic import (
    DEMO_ANTHROPIC_KEY,
    AnthropicConfig,
    create_anthropic_simulator,
)
from pumpview.simulator.github import DEMO_GITHUB_TOKEN, GitHubConfig, create_github_simulator
from pumpview.simulator.github.truth import billing_truth
from pumpview.simulator.server import serve_in_thread
from pumpview.store.engine import open_store
from pumpview.timeutil import day_of
from pumpview.vault import Vault

NOW = 1_796_659_200_000  # 2026-12-07T16:00Z, the suite's present
CLAUDE_CODE_PER_MINUTE = 50
"""Our Anthropic client's pace a path (``claude_code.client.PER_MINUTE``)."""


class VirtualClock:
    """Wall time plus every wait slept on it: the limits hold, the waits cost nothing."""

    def __init__(self) -> None:
        self._base = time.time()
        self._started = time.perf_counter()
        self._slept = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._base + time.perf_counter() - self._started + self._slept

    def monotonic(self) -> float:
        return self.now() - self._base

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._slept += max(0.0, seconds)

    @property
    def slept(self) -> float:
        return self._slept


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _days(days: int) -> list[date]:
    today = day_of(NOW)
    return [today - timedelta(days=n) for n in range(days)]


def claude_code_run(args: argparse.Namespace, folder: Path, clock: VirtualClock) -> dict[str, Any]:
    limit = args.anthropic_limit if args.limits else None
    app = create_anthropic_simulator(AnthropicConfig(
        members=args.members, days=args.days, now_ms=NOW, rate_limit_per_minute=limit,
        clock=clock.now,
    ))  # fmt: skip
    sim = app.state.sim
    engine = open_store(f"sqlite:///{folder / 'claude-code.db'}")
    vault = Vault(Fernet.generate_key())
    with serve_in_thread(app) as url:
        iid = claude_code.connect(engine, vault, DEMO_ANTHROPIC_KEY, base_url=url, team_name=None,
                                  name="claude-code", now_ms=NOW, pacing=False)  # fmt: skip
        windows = len(pending_windows(engine, iid, NOW, args.days, 7))
        sim.calls.clear()
        http = anthropic_http(DEMO_ANTHROPIC_KEY, url)
        client = AnthropicClient(http, pacing=args.limits, clock=clock.monotonic,
                                 sleep=clock.sleep)  # fmt: skip
        begun, slept = clock.now(), clock.slept
        wall = time.perf_counter()
        with http:
            result = ClaudeCodeSync(engine, client, iid, now_ms=NOW,
                                    backfill_days=args.days).run()  # fmt: skip
        elapsed, wall = clock.now() - begun, time.perf_counter() - wall
    engine.dispose()
    org = sim.org
    made = Counter(_claude_code_kind(c.path) for c in sim.calls)
    minimum = {
        "claude_code": sum(max(1, math.ceil(len(org.records(d)) / 1000)) for d in _days(args.days)),
        "users": max(1, math.ceil(len(org.users) / 1000)),
        "cost_report": windows,
    }
    statuses = Counter(c.status for c in sim.calls)
    # Our pace is per path; the simulator's limit is the organisation's, across paths.
    bound = max(*(_bound(n, CLAUDE_CODE_PER_MINUTE, 60) for n in minimum.values()),
                _bound(sum(minimum.values()), limit or 10**9, 60))  # fmt: skip
    return {"made": made, "minimum": minimum, "time": elapsed, "wall": wall,
            "waits": clock.slept - slept, "bound": bound,
            "limits": f"{CLAUDE_CODE_PER_MINUTE} a minute a path, {limit} a minute in all",
            "429": statuses.get(429, 0), "rows": result.events}  # fmt: skip


def _bound(requests: int, limit: int, seconds: int) -> float:
    """The earliest the last of ``requests`` may go at ``limit`` in any ``seconds``: request k
    (from 0) not before window k // limit."""
    return (requests - 1) // limit * seconds if requests else 0


def _claude_code_kind(path: str) -> str:
    for kind in ("claude_code", "users", "cost_report"):
        if path.endswith(kind):
            return kind
    return path


def copilot_run(args: argparse.Namespace, folder: Path, clock: VirtualClock) -> dict[str, Any]:
    config = GitHubConfig(members=args.members, days=args.days, now_ms=NOW, clock=clock.now)
    if not args.limits:
        config = replace(config, hourly_limit=10**9, secondary_per_minute=10**9)
    app = create_github_simulator(config)
    sim = app.state.sim
    engine = open_store(f"sqlite:///{folder / 'copilot.db'}")
    vault = Vault(Fernet.generate_key())
    with serve_in_thread(app) as url:
        iid = copilot.connect(engine, vault, DEMO_GITHUB_TOKEN, org=config.org, base_url=url,
                              team_name=None, name="copilot", now_ms=NOW, pacing=False)  # fmt: skip
        sim.calls.clear()
        sim.downloads.clear()
        http = github_http(DEMO_GITHUB_TOKEN, url)
        client = GitHubClient(http, pacing=args.limits, clock=clock.monotonic, sleep=clock.sleep,
                              wall=clock.now)  # fmt: skip
        begun, slept = clock.now(), clock.slept
        wall = time.perf_counter()
        with http:
            result = CopilotSync(engine, client, iid, now_ms=NOW, backfill_days=args.days).run()
        elapsed, wall = clock.now() - begun, time.perf_counter() - wall
    engine.dispose()
    org = sim.org
    made: Counter[str] = Counter()
    for call in sim.calls:
        made[_copilot_kind(call.path, call.query)] += 1
    made["downloads"] = len(sim.downloads)
    users = 0
    for day in _days(args.days):
        users += len({login for (login, _m, _s), line in billing_truth(org, day).items()
                      if line.gross_amount})  # fmt: skip
    reports = sum(1 for c in sim.calls if "/metrics/reports/" in c.path and c.status == 200)
    minimum = {
        "billing aggregate": args.days,
        "billing per user": users,
        "seats": max(1, math.ceil(len(org.seats()) / 100)),
        "metrics report": reports,
        "downloads": len(sim.downloads),
    }
    statuses = Counter(c.status for c in sim.calls)
    # The secondary limit is per endpoint (900 a minute), the primary per token (5,000 an hour).
    bound = max(
        *(_bound(n, config.secondary_per_minute, 60) for n in minimum.values()),
        _bound(sum(minimum.values()) - len(sim.downloads), config.hourly_limit, 3600),
    )
    return {"made": made, "minimum": minimum, "time": elapsed, "wall": wall,
            "waits": clock.slept - slept, "bound": bound,
            "limits": f"{config.secondary_per_minute} a minute an endpoint, "
                      f"{config.hourly_limit} an hour in all",
            "429": statuses.get(429, 0) + statuses.get(403, 0), "rows": result.events}  # fmt: skip


def _copilot_kind(path: str, query: str) -> str:
    if "/settings/billing/" in path:
        return "billing per user" if "user=" in query else "billing aggregate"
    if path.endswith("/copilot/billing/seats"):
        return "seats"
    if "/metrics/reports/" in path:
        return "metrics report"
    return path


def show(name: str, got: dict[str, Any]) -> None:
    made, minimum = got["made"], got["minimum"]
    total_made, total_min = sum(made.values()), sum(minimum.values())
    print(f"\n== {name}: {got['rows']:,} daily rows ==")
    for kind in sorted(set(made) | set(minimum)):
        print(f"  {kind:<18} {made.get(kind, 0):>7,} requests (minimum {minimum.get(kind, 0):,})")
    ratio = total_made / total_min if total_min else float("nan")
    print(f"  all                {total_made:>7,} requests (minimum {total_min:,}: x{ratio:.3f});"
          f" 429/403 answers: {got['429']}")  # fmt: skip
    print(f"  time {got['time']:,.1f} s (wall {got['wall']:,.1f} s + waits {got['waits']:,.1f} s)"
          f" against the rate-limit bound {got['bound']:,.0f} s ({got['limits']})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400, help="the Cursor roster's size")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--limits", choices=("on", "off"), default="on")
    parser.add_argument("--anthropic-limit", type=int, default=60,
                        help="the Anthropic simulator's requests a minute")  # fmt: skip
    parser.add_argument("--only", choices=("claude-code", "copilot"))
    args = parser.parse_args()
    args.limits = args.limits == "on"
    import stamina  # noqa: PLC0415

    stamina.set_testing(True, attempts=20)  # a 429's retry costs no real wait either
    print(f"{args.members} members, {args.days} days, limits {'on' if args.limits else 'off'}"
          f" (virtual clock); started {time.strftime('%Y-%m-%d %H:%M')} UTC")  # fmt: skip
    runs: list[tuple[str, Callable[..., dict[str, Any]]]] = [
        ("Claude Code", claude_code_run), ("Copilot", copilot_run)]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for name, run in runs:
            if args.only and args.only.replace("-", " ").lower() != name.lower():
                continue
            show(name, run(args, Path(folder), VirtualClock()))
            print(f"  peak RSS so far {peak_rss_mb():,.0f} MB", file=sys.stdout)


if __name__ == "__main__":
    main()
