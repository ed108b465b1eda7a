"""Writing a million usage events to the facts on ClickHouse (embedded chDB), and collecting them.

    .venv/bin/python benchmarks/clickhouse_write.py                  # 1,000,000 events
    .venv/bin/python benchmarks/clickhouse_write.py --events 200000

Event records like the Cursor integration's (300 people, 365 days, five models, amounts with up
to 20 decimals, the optional columns filled as often as in the simulator's data) are built first,
in pages of 1,000, then timed through the store, into a fresh chDB directory:

- ``write_events`` of them all under one version (what a backfill of that size writes);
- of that, the money check alone (``write.exact`` on every amount), timed apart;
- ``write_daily`` of their rollup;
- ``collect_garbage`` after writing the last 7 days again (the week a sync re-reads), waiting for
  the ``DELETE``, then again without waiting.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

from pumpview.store import rollup
from pumpview.store.clickhouse import connection, write
from pumpview.store.clickhouse.schema import migrate

FIRST = date(2025, 12, 1)
MODELS = ("claude-4.5-sonnet", "gpt-5", "auto", "gemini-2.5-pro", "claude-4.1-opus")
PAGE = 1_000


def records(events: int, seed: int = 7) -> list[list[rollup.Record]]:
    """``events`` event records over 365 days, in pages of ``PAGE``, oldest first."""
    rng = random.Random(seed)
    people = [f"person{i}@acme.dev" for i in range(300)]
    per_day = events / 365
    pages: list[list[rollup.Record]] = []
    page: list[rollup.Record] = []
    for n in range(events):
        day = FIRST + timedelta(days=int(n / per_day))
        cost = Decimal(rng.randrange(10**22)).scaleb(-20)
        token_fee = Decimal(rng.randrange(10**18)).scaleb(-20) if n % 2 else None
        page.append(
            (1, (day - date(1970, 1, 1)).days * 86_400_000 + n % 86_400_000, day,
             rng.choice(people), rng.choice(MODELS), "Included in Business", n % 7 == 0,
             True, n % 3 == 0, None, rng.randrange(10**5), rng.randrange(10**4), 0,
             rng.randrange(10**6), cost + 1, None, token_fee, None, cost,
             Decimal(1) if n % 5 else None, None, f"conv-{n % 10_000}", None)
        )  # fmt: skip
        if len(page) == PAGE:
            pages.append(page)
            page = []
    if page:
        pages.append(page)
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    pages = records(args.events)
    with tempfile.TemporaryDirectory() as directory:
        url = f"chdb://{directory}/facts"
        client = connection.connect(url)
        migrate(client)

        started = time.perf_counter()
        written = write.write_events(client, 1, 1, pages)
        seconds = time.perf_counter() - started
        print(f"write_events: {written:,} events in {seconds:.1f} s, {written / seconds:,.0f}/s")

        started = time.perf_counter()
        for page in pages:
            write.check_money(page, write.EVENT_MONEY)
        print(f"  of which the money check: {time.perf_counter() - started:.2f} s")

        acc = rollup.fold({}, (record for page in pages for record in page))
        started = time.perf_counter()
        rows = write.write_daily(client, 1, 1, acc)
        print(f"write_daily: {rows:,} rows in {time.perf_counter() - started:.2f} s")

        last = max(key[0] for key in acc)
        week = [r for page in pages for r in page if r[2] > last - timedelta(days=7)]
        keep = {FIRST + timedelta(days=d): 1 for d in range(366)}
        for version, wait in ((2, True), (3, False)):
            write.write_events(client, 1, version, [week])
            keep.update({last - timedelta(days=d): version for d in range(7)})
            started = time.perf_counter()
            deleted = write.collect_garbage(
                client, 1, last - timedelta(days=6), last, keep, wait=wait
            )
            print(
                f"collect_garbage of a re-read week (wait={wait}): {deleted:,} rows in "
                f"{time.perf_counter() - started:.2f} s"
            )
        time.sleep(10)  # the queued DELETE runs
        (count,) = client.query("SELECT count() FROM usage_events").result_rows[0]
        print(f"usage_events after: {count:,} rows (expected {written:,})")
        connection.close(url)


if __name__ == "__main__":
    main()
