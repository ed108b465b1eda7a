"""Time from clicking Connect to per-person costs on the Overview, with Cursor's rate limits on.

    .venv/bin/python benchmarks/first_data.py                  # 50 members, 365 days, 3 runs
    .venv/bin/python benchmarks/first_data.py --members 1000 --runs 1
    .venv/bin/python benchmarks/first_data.py --linger 75      # stop the app mid-pacing

Each run starts a fresh simulator process (``pumpview simulator --rate-limits``: Cursor's
documented per-minute limits enforced, hourly lag on, ``--prepare-ahead`` as in ``backfill.py``)
and a fresh web app (``create_app``: pacing on, its Cursor the simulator, a new SQLite store,
scheduled syncs off) served by uvicorn on 127.0.0.1 with its lifespan on, as ``pumpview serve``
does. It signs in as an admin, POSTs the Connect form with the simulator's key, and from that
moment polls ``/api/overview`` (the Overview's default range, the last 30 days) and
``/api/integrations`` every ``--poll`` seconds. It prints one line per run, times in seconds
from sending the Connect POST:

- ``key check``: when the Connect POST answered (the key verified, the backfill started);
- ``first data``: the first poll at which ``/api/overview`` reported events (what it showed:
  events, people, spend; and that the Overview page then answers 200, not the redirect);
- ``window 1``: the first poll at which the run's progress said 7 days were done;
- each with the run's progress at that poll (days and events done, requests, rate-limit waits)
  and how old it was: a run writes its progress once a second, and counts a window as done only
  once the next window has been read;
- ``after --linger``: the progress ``--linger`` seconds later, when asked for;
- ``stop``: how long the app's shutdown (its lifespan, ``Syncs.close``: the sync process asked
  to stop and waited for) took, and how the run was recorded (``interrupted``). Unstopped, the
  backfill would pace on for many minutes.

Then the median, min and max time to first data against the 60 s target.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from cryptography.fernet import Fernet

from pumpview import accounts
from pumpview.money import format_dollars
from pumpview.reports import integrations as report
from pumpview.settings import load_settings
from pumpview.simulator import DEMO_KEY
from pumpview.simulator.server import serve_in_thread
from pumpview.timeutil import now_ms
from pumpview.web.app import create_app

TARGET_SECONDS = 60.0
ADMIN, PASSWORD = "bench@acme.dev", "a long passphrase"  # a throwaway account of the benchmark
CONNECT = "/settings/integrations/connect"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulator(
    args: argparse.Namespace, *, rate_limits: bool = True
) -> tuple[subprocess.Popen[bytes], str]:
    """``pumpview simulator`` as a process of its own, with Cursor's rate limits on (or off)."""
    port = free_port()
    command = [
        sys.executable, "-m", "pumpview", "simulator", "--port", str(port),
        "--members", str(args.members), "--days", str(args.days),
        "--events-per-day", str(args.events_per_day),
        "--rate-limits" if rate_limits else "--no-rate-limits", "--prepare-ahead",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 - our own CLI
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(f"{url}/_simulator/mutations", timeout=1)  # a control route: no budget
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    sys.exit("the simulator did not start")


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: httpx.Client) -> None:
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"email": ADMIN, "password": PASSWORD,
                                           "csrf_token": csrf(page.text)})  # fmt: skip
    assert answer.status_code == 303, answer.text


@dataclass(frozen=True)
class Seen:
    """The backfill's progress as ``/api/integrations`` reported it at one poll."""

    at: float
    """Seconds since the Connect POST was sent."""
    requests: int
    wait_ms: int
    days: int
    events: int
    age_ms: int
    """How old the figures were: the run writes its progress once a second (its heartbeat)."""

    @classmethod
    def of(cls, run: dict[str, Any], at: float, wall_ms: int) -> Seen:
        if not run:  # no run recorded yet
            return cls(at, 0, 0, 0, 0, 0)
        return cls(at, run["requests"], run["rate_limit_wait_ms"], run["days_done"],
                   run["events"], wall_ms - run["heartbeat_at_ms"])  # fmt: skip

    def __str__(self) -> str:
        return (
            f"{self.at:5.2f} s (progress {self.age_ms / 1000:.1f} s old: {self.days} days, "
            f"{self.events:,} events, {self.requests} requests, {self.wait_ms / 1000:.1f} s "
            "waited)"
        )


@dataclass
class Run:
    key_check: float = 0.0
    first_data: Seen | None = None
    events: int = 0
    people: int = 0
    spend_cents: Decimal = Decimal(0)
    page: int = 0
    """The Overview page's status at first data: 200, no longer the redirect to Settings."""
    window: Seen | None = None
    ended: str | None = None
    """How the backfill ended, if it ended before the first window was done."""
    lingered: Seen | None = None
    """The progress after ``--linger`` more seconds, just before the app stopped."""
    stop: float = 0.0
    outcome: str | None = None


def progress(client: httpx.Client) -> dict[str, Any]:
    """The Cursor integration's running (else latest) run, as Settings → Integrations shows it."""
    listed = client.get("/api/integrations").json()
    run = listed[0]["run"] if listed else None
    return run or {}


def one_run(args: argparse.Namespace) -> Run:
    process, cursor = start_simulator(args)
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings(
                home=folder, database_url=f"sqlite:///{folder}/pumpview.db",
                secret_key=Fernet.generate_key().decode(), rate_limit=True,
                cursor_base_url=cursor, sync_interval=None,
            )  # fmt: skip
            app = create_app(settings)
            web = app.state.web
            accounts.add_user(web.engine, ADMIN, "admin", PASSWORD, now_ms())
            run = Run()
            with serve_in_thread(app, lifespan=True) as base:
                with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
                    sign_in(client)
                    assert client.get("/api/overview").json() is None  # nothing stored yet
                    token = csrf(client.get("/settings/integrations").text)
                    form = {"csrf_token": token, "api_key": DEMO_KEY, "team_name": "Bench"}
                    begun = time.perf_counter()
                    answer = client.post(CONNECT, data=form)
                    run.key_check = time.perf_counter() - begun
                    assert answer.status_code == 303, answer.text
                    watch(client, run, begun, args)
                    if args.linger:
                        time.sleep(args.linger)
                        at = time.perf_counter() - begun
                        run.lingered = Seen.of(progress(client), at, now_ms())
                stopping = time.perf_counter()
            run.stop = time.perf_counter() - stopping  # the lifespan's shutdown: syncs.close()
            (listed,) = report.listing(web.engine, web.vault)
            run.outcome = listed.run.outcome if listed.run else None
            web.engine.dispose()
            return run
    finally:
        process.terminate()
        process.wait(timeout=10)


def watch(client: httpx.Client, run: Run, begun: float, args: argparse.Namespace) -> None:
    """Poll until the Overview shows events and the run says the first 7 days are done."""
    while run.first_data is None or run.window is None:
        polled = time.perf_counter()
        if polled - begun > args.give_up:
            return
        overview = client.get("/api/overview").json()  # the Overview's default range
        at = time.perf_counter() - begun
        state = progress(client)
        seen = Seen.of(state, at, now_ms())
        if run.first_data is None and overview and overview["total"]["events"] > 0:
            run.first_data, run.events = seen, overview["total"]["events"]
            run.people = overview["people"]
            run.spend_cents = Decimal(overview["total"]["spend_cents"])
            run.page = client.get("/").status_code
        if run.window is None and seen.days >= 7:
            run.window = seen
        if state.get("outcome") is not None and (run.first_data is None or run.window is None):
            run.ended = f"{state['outcome']}: {state.get('message')}"  # not to be waited for
            return
        time.sleep(max(0.0, args.poll - (time.perf_counter() - polled)))


def line(number: int, run: Run) -> str:
    first = (
        f"first data {run.first_data} -> {run.events:,} events, {run.people} people, "
        f"{format_dollars(run.spend_cents)}, Overview page {run.page}"
        if run.first_data is not None
        else "first data: none"
    )
    window = f"window 1 {run.window}" if run.window is not None else "window 1: not seen"
    if run.ended:
        window += f" (the backfill ended: {run.ended})"
    lingered = f" | after --linger {run.lingered}" if run.lingered else ""
    return (
        f"run {number}: key check {run.key_check:.2f} s | {first} | {window}{lingered} | "
        f"stop {run.stop:.1f} s ({run.outcome})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--events-per-day", type=float, default=12.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between polls")
    parser.add_argument("--give-up", type=float, default=300.0, help="seconds to wait at most")
    parser.add_argument(
        "--linger", type=float, default=0.0, help="seconds more to let the backfill pace on"
    )
    args = parser.parse_args()
    print(f"{args.members} members, {args.days} days, {args.events_per_day} events/member-day; "
          f"simulator with rate limits on, app pacing on; polling every {args.poll} s")  # fmt: skip
    firsts = []
    for number in range(1, args.runs + 1):
        run = one_run(args)
        print(line(number, run), flush=True)
        if run.first_data is not None:
            firsts.append(run.first_data.at)
    if not firsts:
        sys.exit("no run showed data")
    median = statistics.median(firsts)
    verdict = "met" if max(firsts) <= TARGET_SECONDS and len(firsts) == args.runs else "NOT met"
    print(f"time to first data: median {median:.2f} s, min {min(firsts):.2f} s, "
          f"max {max(firsts):.2f} s over {len(firsts)} of {args.runs} runs "
          f"(target {TARGET_SECONDS:.0f} s: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
