"""Backfill N events from the simulator (run as its own process) and print the figures.

    .venv/bin/python benchmarks/backfill.py                      # 1,000,000 events, limits off
    .venv/bin/python benchmarks/backfill.py --events 100000 --rate-limits

Prints events/s end to end, requests made vs the minimum possible (sum of ceil(events per window
/ 1000), at least one per window), 429s, peak RSS of the importer process, and the database size.
With --rate-limits the simulator enforces Cursor's documented limits, the client paces itself,
and the wall time is set against the rate-limit bound (the earliest the last usage-events request
can go at 58 in any 60 s).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from pumpview.integrations.cursor.client import CursorClient, make_http
from pumpview.integrations.cursor.sync import CursorSync
from pumpview.simulator import DEMO_KEY
from pumpview.store import integrations, tables
from pumpview.store.engine import open_store
from pumpview.timeutil import now_ms

MEMBERS = 300
EVENTS_PER_MEMBER_DAY_FOR_1M = 12 * 1_000_000 / 1_094_209  # measured: 300 members, 365 days


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulator(events: int, rate_limits: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    per_day = EVENTS_PER_MEMBER_DAY_FOR_1M * events / 1_000_000
    command = [
        sys.executable, "-m", "pumpview", "simulator", "--port", str(port),
        "--members", str(MEMBERS), "--days", "365", "--events-per-day", f"{per_day:.6f}",
        "--no-hourly-lag", "--prepare-ahead",
        "--rate-limits" if rate_limits else "--no-rate-limits",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 - our own CLI
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/_simulator/mutations", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    sys.exit("the simulator did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate-limits", action="store_true")
    args = parser.parse_args()
    process, url = start_simulator(args.events, args.rate_limits)
    try:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "bench.db"
            engine = open_store(f"sqlite:///{db}")
            with engine.begin() as conn:
                iid = integrations.save(
                    conn,
                    {"name": "cursor", "base_url": url, "status": "connected",
                     "connected_at_ms": now_ms(), "backfill_days": 365},
                )  # fmt: skip
            with make_http(DEMO_KEY, url, timeout=120) as http:
                client = CursorClient(http, pacing=args.rate_limits)
                started = time.perf_counter()
                sync = CursorSync(engine, client, iid, now_ms=now_ms(), backfill_days=365)
                result = sync.run()
                elapsed = time.perf_counter() - started
            with engine.connect() as conn:
                windows = _window_counts(conn)
            minimum = sum(max(1, math.ceil(n / 1000)) for n in windows)
            made = client.stats.requests_by_path["/teams/filtered-usage-events"]
            size = sum(p.stat().st_size for p in Path(folder).glob("bench.db*"))
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"events            {result.events:,}")
            print(f"wall time         {elapsed:.1f} s")
            print(f"events/s          {result.events / elapsed:,.0f}")
            print(
                f"event requests    {made} (minimum {minimum}, +{(made / minimum - 1) * 100:.2f}%)"
            )
            print(
                f"all requests      {client.stats.requests}, 429s seen {client.stats.rate_limited}"
            )
            print(f"peak RSS          {peak_mb:.0f} MB (importer process)")
            locks = sorted(sync.write_seconds)
            print(
                f"write transaction {locks[len(locks) // 2] * 1000:.0f} ms p50, "
                f"{locks[int(len(locks) * 0.95)] * 1000:.0f} ms p95, {locks[-1] * 1000:.0f} ms max "
                f"per window ({len(locks)} windows, {sum(locks):.1f} s in all)"
            )
            print(f"database size     {size / 1e6:.0f} MB (SQLite, WAL included)")
            if args.rate_limits:
                # At most 58 sends in any 60 s: request k (from 0) cannot go before k // 58 minutes.
                bound = (made - 1) // 58 * 60
                print(f"rate-limit bound  {bound} s: the last of {made} event requests at 58/min")
            engine.dispose()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _window_counts(conn: object) -> list[int]:
    """Events per sync window, re-derived from the per-day bookmarks (7-day windows)."""
    from pumpview.integrations.cursor.sync import plan_windows  # noqa: PLC0415
    from pumpview.timeutil import day_of  # noqa: PLC0415

    days = dict(conn.execute(select(tables.sync_days.c.day, tables.sync_days.c.events)).all())  # type: ignore[attr-defined]
    first, last = min(days), max(days)
    windows = plan_windows(first, last, {}, now_ms())
    return [
        sum(n for d, n in days.items() if day_of(w.start) <= d <= day_of(w.end)) for w in windows
    ]


if __name__ == "__main__":
    os.environ.setdefault("PUMPVIEW_RATE_LIMIT", "off")
    main()
