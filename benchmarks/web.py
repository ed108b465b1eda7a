"""Page and API latency of the web app at millions of events, over real HTTP, also while a sync
writes.

    .venv/bin/python benchmarks/web.py                     # 2,000,000 events, SQLite
    .venv/bin/python benchmarks/web.py --events 200000

Loads the events as ``benchmarks/reports.py`` does (the sync's own write path, no HTTP), serves
``create_app`` on 127.0.0.1 with uvicorn, signs in, and times every page and JSON twin (the top
spender's and the top model's drill-downs among them) for the last 7 and the last 365 days (``--samples`` each, cookies and all, as a browser asks), printing
p50 and p95. Then it does it again while a thread re-stores 7-day windows in a loop, as a
backfill would, so the figures show whether reading waits for the writer.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).parent))

import reports as loading
from pumpview import accounts
from pumpview.settings import load_settings
from pumpview.simulator.server import serve_in_thread
from pumpview.store.engine import open_store
from pumpview.store.usage import Staged, replace_window
from pumpview.timeutil import day_of, now_ms
from pumpview.web.app import create_app

PATHS = ("/", "/people", "/models", "/requests", "/api/overview", "/api/people", "/api/models",
         "/api/requests", "/api/daily", "/api/integrations", "/settings/integrations",
         "/docs")  # fmt: skip
PASSWORD = "a long passphrase"  # noqa: S105 - a throwaway account of the benchmark


def sign_in(client: httpx.Client) -> None:
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/sign-in", data={"email": "bench@acme.dev", "password": PASSWORD,
                                  "csrf_token": token.group(1)})  # fmt: skip


def drill_downs(client: httpx.Client) -> tuple[str, ...]:
    """The top spender's and the top model's pages and twins, the widest drill-downs."""
    person = client.get("/api/people", params={"since": "2000-01-01"}).json()[0]["email"]
    model = client.get("/api/models", params={"since": "2000-01-01"}).json()[0]["model"]
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


def rewrite_windows(url: str, team: object, stop: threading.Event, writes: list[float]) -> None:
    """Re-store the newest 7-day window again and again, as a sync replaces windows."""
    from pumpview import money  # noqa: PLC0415
    from pumpview.integrations.cursor import usage_events  # noqa: PLC0415
    from pumpview.integrations.cursor.sync import plan_windows  # noqa: PLC0415

    engine = open_store(url)
    window = plan_windows(day_of(team.now) - timedelta(days=6), day_of(team.now), {},  # type: ignore[attr-defined]
                          team.now)[0]  # type: ignore[attr-defined]  # fmt: skip
    batch = team.events_between(window.start, window.end)  # type: ignore[attr-defined]
    pages = [usage_events.to_records([money.loads(e.json) for e in batch[at : at + 1000]], 1)
             for at in range(0, len(batch), 1000)]  # fmt: skip
    while not stop.is_set():
        staged = Staged(window)
        for records in pages:
            staged.add(records)
        staged.rollup_records(1)
        begun = time.perf_counter()
        with engine.begin() as conn:
            replace_window(conn, 1, staged, team.now)  # type: ignore[attr-defined]
        writes.append(time.perf_counter() - begun)
        staged.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/web.db"
        engine = open_store(url)
        team, seconds, _writes = loading.load(engine, args.events)
        print(f"loaded {args.events:,} events in {seconds:.0f} s")
        accounts.add_user(engine, "bench@acme.dev", "viewer", PASSWORD, now_ms())
        engine.dispose()
        settings = load_settings(home=folder, database_url=url, sync_interval=None,
                                 secret_key=Fernet.generate_key().decode())  # fmt: skip
        with (
            serve_in_thread(create_app(settings)) as base,
            httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client,
        ):
            sign_in(client)
            paths = PATHS + drill_downs(client)
            timings(client, paths, 2)  # warm-up
            show("idle", timings(client, paths, args.samples))
            stop, writes = threading.Event(), []
            writer = threading.Thread(target=rewrite_windows, args=(url, team, stop, writes))
            writer.start()
            try:
                show(
                    "while a sync rewrites a 7-day window in a loop",
                    timings(client, paths, args.samples),
                )
            finally:
                stop.set()
                writer.join()
            print(f"windows rewritten meanwhile: {len(writes)}, "
                  f"{statistics.median(writes) * 1000:.0f} ms each (median)")  # fmt: skip


if __name__ == "__main__":
    main()
