"""Page and API latency of the web app at millions of events, over real HTTP against
``pumpview serve``, idle and while syncs write.

    .venv/bin/python benchmarks/web.py                     # 2,000,000 events, SQLite
    .venv/bin/python benchmarks/web.py --events 200000 --samples 10

Loads the events as ``benchmarks/reports.py`` does (the sync's own write path, no HTTP), starts
``pumpview serve`` on them as a process of its own, signs in, and times every page and JSON
twin (the top spender's and the top model's drill-downs among them) for the last 7 and the last
365 days (``--samples`` each, cookies and all, as a browser asks), printing p50 and p95, three
times:

1. idle;
2. while another process re-stores the newest 7-day window in a loop, as a ``pumpview sync``
   beside the server would, without pause (the database's readers and its writer meet);
3. while the server backfills a second Cursor team from the simulator, as after Connect (in a
   sync process of its own): with Cursor's limits on and the server pacing itself, as it would
   against Cursor (a burst of 58 pages a minute, then the wait); with ``--flat-out``, limits
   and pacing off, the backfill as fast as this machine goes, the simulator beside it.

With ``--fixed-rate 10,20`` it measures a load instead, open-loop: requests of the heaviest JSON
routes over 365 days of the loaded team (``MIX``, in turn) are started on a schedule, R a second
for ``--duration`` seconds whatever the answers, while the server backfills the second team
(paced, as against Cursor); each request's time runs from its scheduled start (a late start
counts), and p50, p95, p99, errors and the rate achieved are printed for each rate and each
``--workers`` count (``pumpview serve --workers N``; ``1,2,1,2`` alternates them, against the
machine's drift), on SQLite or the PostgreSQL database ``--db`` names:

    .venv/bin/python benchmarks/web.py --fixed-rate 10,20 --workers 1,2 --events 1000000
    .venv/bin/python benchmarks/web.py --fixed-rate 10,20 --db postgresql://me@host/empty_db
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import reports as loading
from first_data import free_port, start_simulator
from pumpview import accounts
from pumpview.simulator import DEMO_KEY
from pumpview.store.engine import open_store
from pumpview.timeutil import Window, day_of, day_start_ms, now_ms

PATHS = ("/", "/people", "/models", "/requests", "/api/overview", "/api/people", "/api/models",
         "/api/requests", "/api/daily", "/api/integrations", "/settings/integrations",
         "/docs")  # fmt: skip
ADMIN, PASSWORD = "bench@acme.dev", "a long passphrase"  # a throwaway account of the benchmark
MIX = ("/api/overview", "/api/people", "/api/models", "/api/requests", "/api/daily")
"""The heaviest JSON routes, with the top spender's and the top model's twins (``drill_downs``)."""


def csrf(html: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    return token.group(1)


def sign_in(client: httpx.Client) -> None:
    token = csrf(client.get("/sign-in").text)
    answer = client.post(
        "/sign-in", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 200, answer.status_code  # followed to the Overview


def drill_downs(client: httpx.Client) -> tuple[str, ...]:
    """The top spender's and the top model's pages and twins, the widest drill-downs."""
    year = {"since": str(day_of(now_ms()) - timedelta(days=364))}  # a range is at most ten years
    person = client.get("/api/people", params=year).json()[0]["email"]
    model = client.get("/api/models", params=year).json()[0]["model"]
    return (f"/people/{person}", f"/api/people/{person}", f"/models/{model}",
            f"/api/models/{model}")  # fmt: skip


def timings(
    client: httpx.Client, paths: tuple[str, ...], samples: int
) -> dict[tuple[str, int], list[float]]:
    today = day_of(now_ms())
    out: dict[tuple[str, int], list[float]] = {}
    for days in (7, 365):
        params = {"since": str(today - timedelta(days=days - 1)), "until": str(today)}
        for path in paths:
            for _ in range(samples):
                begun = time.perf_counter()
                answer = client.get(path, params=params)
                out.setdefault((path, days), []).append(time.perf_counter() - begun)
                assert answer.status_code == 200, (path, answer.status_code)
    return out


def show(title: str, got: dict[tuple[str, int], list[float]]) -> float:
    print(f"\n{title}\n{'path':<40}{'7 d p50/p95':>16}{'365 d p50/p95':>18}   (ms)")
    worst = 0.0
    for path in dict.fromkeys(path for path, _days in got):
        cells = []
        for days in (7, 365):
            values = sorted(got[(path, days)])
            p95 = values[int(len(values) * 0.95) - 1] * 1000
            worst = max(worst, p95)
            cells.append(f"{statistics.median(values) * 1000:.1f}/{p95:.1f}")
        print(f"{path:<40}{cells[0]:>16}{cells[1]:>18}")
    print(f"worst p95 {worst:.1f} ms (target 200 ms)")
    return worst


def rewrite_windows(url: str, events: int) -> None:
    """Re-store the newest 7-day window again and again, as a sync replaces windows; one line
    per write (its seconds) on stdout. Runs until killed, in a process of its own."""
    from pumpview import money  # noqa: PLC0415
    from pumpview.integrations.cursor import usage_events  # noqa: PLC0415
    from pumpview.simulator.config import SimConfig  # noqa: PLC0415
    from pumpview.simulator.data import Team  # noqa: PLC0415
    from pumpview.store.usage import Staged, replace_window  # noqa: PLC0415

    per_day = loading.EVENTS_PER_MEMBER_DAY_FOR_1M * events / 1_000_000
    team = Team(SimConfig(members=loading.MEMBERS, days=365, events_per_member_day=per_day,
                          hourly_lag=False))  # fmt: skip
    engine = open_store(url)
    window = Window(day_start_ms(day_of(team.now) - timedelta(days=6)), team.now)
    batch = team.events_between(window.start, window.end)
    pages = [usage_events.to_records([money.loads(e.json) for e in batch[at : at + 1000]], 1)
             for at in range(0, len(batch), 1000)]  # fmt: skip
    while True:
        staged = Staged(window)
        for records in pages:
            staged.add(records)
        staged.rollup_records(1)
        begun = time.perf_counter()
        with engine.begin() as conn:
            replace_window(conn, 1, staged, team.now)
        print(f"{time.perf_counter() - begun:.3f}", flush=True)
        staged.close()


def start_server(
    folder: str, url: str, cursor: str, *, pacing: bool, workers: int = 1
) -> tuple[subprocess.Popen[str], str]:
    """``pumpview serve`` on the store, its Connect pointed at ``cursor``, with ``workers``
    processes; waits until it listens (it prints its URL then)."""
    port = free_port()
    # No PUMPVIEW_SECRET_KEY: the folder's secret.key, so a server started again reads the key
    # the first one stored at Connect.
    env = {**os.environ, "PUMPVIEW_HOME": folder, "PUMPVIEW_DATABASE_URL": url,
           "PUMPVIEW_SYNC_INTERVAL": "off",
           "PUMPVIEW_RATE_LIMIT": "on" if pacing else "off",
           "PUMPVIEW_CURSOR_BASE_URL": cursor}  # fmt: skip
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pumpview", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    line = server.stdout.readline()
    assert "Pump View on" in line, line
    return server, f"http://127.0.0.1:{port}"


async def open_loop(
    base: str, cookies: httpx.Cookies, paths: tuple[str, ...], rate: float, seconds: float
) -> tuple[list[float], Counter[str], float]:
    """Start ``rate`` requests a second for ``seconds`` (``paths`` in turn, over the last 365
    days), each at its scheduled instant whether or not the earlier ones were answered; each
    one's seconds from that instant to its answer, the errors by kind (a status, an exception),
    and the rate answered."""
    today = day_of(now_ms())
    # The loaded team's figures alone: the second team's backfill, writing beside the load,
    # does not grow what is read from one worker count to the next.
    params = {"since": str(today - timedelta(days=364)), "until": str(today),
              "integration": "cursor"}  # fmt: skip
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=120,
                                 limits=limits) as client:  # fmt: skip

        async def one(path: str, due: float) -> None:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                answer = await client.get(path, params=params)
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] += 1
                return
            if answer.status_code == 200:
                latencies.append(time.perf_counter() - due)
            else:
                errors[str(answer.status_code)] += 1

        begun = time.perf_counter() + 0.2
        count = round(rate * seconds)
        await asyncio.gather(*(one(paths[i % len(paths)], begun + i / rate) for i in range(count)))
        elapsed = time.perf_counter() - begun
    return latencies, errors, count / elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else 0.0


def fixed_rate(args: argparse.Namespace, folder: str, url: str, cursor: str) -> None:
    """Per ``--workers`` count: ``pumpview serve`` with that many, the second team's backfill
    running in it (connected by the first, resumed with Sync now by the next), a warm-up, then
    the open loop at each ``--fixed-rate``."""
    rates = [float(r) for r in args.fixed_rate.split(",")]
    print(f"\nfixed rate, {args.duration:.0f} s each, 365 days, while the server backfills a "
          f"second team (paced); store {url.split(':', maxsplit=1)[0]}")  # fmt: skip
    print(f"{'workers':>8}{'rate/s':>8}{'answered/s':>12}{'p50':>9}{'p95':>9}{'p99':>9}"
          f"{'errors':>8}   (ms)")  # fmt: skip
    for workers in (int(w) for w in args.workers.split(",")):
        server, base = start_server(folder, url, cursor, pacing=True, workers=workers)
        try:
            with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as client:
                sign_in(client)
                paths = (
                    MIX + drill_downs(client)[1::2]
                )  # the twins: /api/people/..., /api/models/...
                token = csrf(client.get("/settings/integrations").text)
                known = {i["name"] for i in client.get("/api/integrations").json()}
                if "second" in known:
                    client.post("/api/integrations/second/sync", headers={"X-CSRF-Token": token})
                else:
                    form = {"api_key": DEMO_KEY, "name": "second", "csrf_token": token}
                    client.post("/settings/integrations/connect", data=form)
                second = next(i for i in client.get("/api/integrations").json()
                              if i["name"] == "second")  # fmt: skip
                assert second["syncing"], second
                cookies = client.cookies
            asyncio.run(open_loop(base, cookies, paths, 5, 10))  # warm-up: every worker
            for rate in rates:
                got, errors, achieved = asyncio.run(
                    open_loop(base, cookies, paths, rate, args.duration)
                )
                print(f"{workers:>8}{rate:>8.0f}{achieved:>12.1f}{percentile(got, 0.5):>9.0f}"
                      f"{percentile(got, 0.95):>9.0f}{percentile(got, 0.99):>9.0f}"
                      f"{errors.total():>8}  {' '.join(f'{k}x{n}' for k, n in errors.items())}",
                      flush=True)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=120)


def page_timings(args: argparse.Namespace, folder: str, url: str, cursor: str) -> None:
    """Every page and twin idle, beside the rewriting process, then during the server's own
    backfill of the second team."""
    server, base = start_server(folder, url, cursor, pacing=not args.flat_out)
    try:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
            sign_in(client)
            paths = PATHS + drill_downs(client)
            timings(client, paths, 2)  # warm-up
            show("idle", timings(client, paths, args.samples))

            writer = subprocess.Popen(  # noqa: S603 - this script
                [sys.executable, __file__, "--rewrite", url, "--events", str(args.events)],
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert writer.stdout is not None
            first = float(writer.stdout.readline())  # writing from here on
            got = timings(client, paths, args.samples)
            writer.kill()
            writes = [first] + [float(w) for w in writer.stdout.read().split()]
            show("while another process rewrites a 7-day window in a loop", got)
            print(f"windows rewritten meanwhile: {len(writes)}, "
                  f"{statistics.median(writes) * 1000:.0f} ms each (median)")  # fmt: skip

            token = csrf(client.get("/settings/integrations").text)
            form = {"api_key": DEMO_KEY, "name": "second", "csrf_token": token}
            connected = client.post("/settings/integrations/connect", data=form)
            assert connected.status_code == 200, connected.status_code
            got = timings(client, paths, args.samples)
            second = next(i for i in client.get("/api/integrations").json()
                          if i["name"] == "second")  # fmt: skip
            limits = "limits and pacing off" if args.flat_out else "Cursor's limits, paced"
            show(f"while the server backfills a second team (the simulator, {limits})", got)
            print(f"the server's backfill meanwhile: {second['run']['events']:,} events, "
                  f"{second['run']['requests']} requests, "
                  f"{second['run']['days_done']} of {second['run']['days_total']} days, "
                  f"still running: {second['syncing']}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--flat-out", action="store_true",
                        help="the second team's backfill with limits and pacing off")  # fmt: skip
    parser.add_argument(
        "--fixed-rate",
        metavar="R,R",
        help="requests/s of the open-loop load instead of the page timings",
    )
    parser.add_argument("--workers", default="1,2", help="pumpview serve --workers, each")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per rate")
    parser.add_argument("--db", help="an empty database to load instead of SQLite's file")
    parser.add_argument("--rewrite", metavar="URL", help=argparse.SUPPRESS)  # the writer's own
    args = parser.parse_args()
    if args.rewrite:
        rewrite_windows(args.rewrite, args.events)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{folder}/web.db"
        engine = open_store(url)
        _team, seconds, _writes = loading.load(engine, args.events)
        print(f"loaded {args.events:,} events in {seconds:.0f} s")
        accounts.add_user(engine, ADMIN, "admin", PASSWORD, now_ms())
        engine.dispose()
        # The second team's simulator: as large again.
        simulator_args = argparse.Namespace(
            members=loading.MEMBERS,
            days=365,
            events_per_day=loading.EVENTS_PER_MEMBER_DAY_FOR_1M * 2,
        )
        simulator, cursor = start_simulator(simulator_args, rate_limits=not args.flat_out)
        try:
            if args.fixed_rate:
                fixed_rate(args, folder, url, cursor)
            else:
                page_timings(args, folder, url, cursor)
        finally:
            simulator.kill()


if __name__ == "__main__":
    main()
