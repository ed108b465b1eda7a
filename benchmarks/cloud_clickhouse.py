"""FOCUS costs in ClickHouse (embedded chDB): the import, then the cloud reports at 10M and 50M.

    .venv/bin/python benchmarks/cloud_clickhouse.py                     # 10M and 50M rows
    .venv/bin/python benchmarks/cloud_clickhouse.py --rows 100000 --sizes 200000,500000
    .venv/bin/python benchmarks/cloud_clickhouse.py --keep /tmp/cloudch   # reuse a loaded store

``focus_import.py``'s AWS-style file (daily rows of one billing period: 300 owners in five teams,
five services, 40 accounts, each row's owner and service at random, so a month's daily sums are
every day x owner x service: 45,000) is written, then imported with ``pumpview import focus``'s own
function into a store whose facts are in chDB: the rows per second, the loader's peak RSS and the
exact EffectiveCost against the generator's. Each size (``--sizes``) is that month copied inside
ClickHouse (``INSERT ... SELECT``), each copy a month earlier and its billing period named in the
metadata as a separate import would be: 10M rows are 5 months of a 2M-row bill, 50M rows 25
months; the importer's rate is the one measured on the file.
Then the cloud reports (``reports.spend.run`` providers, per service, people and teams, and the
day chart ``providers.provider_days``) over 40 ranges each of 1, 30 and 365 days at random
places, p50/p95, at each size, and the growth of p95.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

sys.path.insert(0, str(Path(__file__).parents[1]))  # benchmarks.*

from benchmarks.clickhouse import RANGES, p, peak_rss_mb, timed
from benchmarks.focus_import import generate

from pumpview.integrations.focus.importer import import_file
from pumpview.reports import cloud, providers, spend
from pumpview.store import tables
from pumpview.store.clickhouse import connection
from pumpview.store.engine import open_store, snapshot
from pumpview.store.facts import clickhouse

TARGET_MS = 200


def load(engine: Engine, folder: Path, rows: int) -> Decimal:
    """Write the file and import it; the generator's exact EffectiveCost."""
    path = folder / "aws.csv"
    begun = time.perf_counter()
    want = generate(path, rows, zipped=False, spread=True)
    print(f"wrote {rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB, in"
          f" {time.perf_counter() - begun:.0f} s")  # fmt: skip
    before = peak_rss_mb()
    begun = time.perf_counter()
    done = import_file(
        engine, path, source="aws", now_ms=0,
        on_progress=lambda p: print(f"\r  {p.rows:,} rows", end="", file=sys.stderr),
    )  # fmt: skip
    seconds = time.perf_counter() - begun
    print(file=sys.stderr)
    print(f"imported {done.rows:,} rows in {seconds:.0f} s: {done.rows / seconds:,.0f} rows/s;"
          f" peak RSS {peak_rss_mb():,.0f} MB (before the import {before:,.0f} MB)")  # fmt: skip
    path.unlink()
    return want


def copy_months(engine: Engine, have: int, copies: int) -> None:
    """The first import copied until there are ``copies`` months (``have`` now), each a month
    earlier, as separate imports would bring them."""
    client = clickhouse(engine)
    periods, imports = tables.cloud_periods, tables.cloud_imports
    with engine.begin() as conn:
        base = conn.execute(select(periods).order_by(periods.c.import_id).limit(1)).one()
        row = dict(
            conn.execute(select(imports).where(imports.c.id == base.import_id)).one()._mapping
        )
    for copy in range(have, copies):
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(imports).values({**row, "id": None, "file_name": f"copy {copy}"})
                .returning(imports.c.id)
            ).scalar_one()  # fmt: skip
            period = _months_back(base.billing_period_start, copy)
            conn.execute(insert(periods).values(source=base.source, billing_period_start=period,
                                                import_id=new_id, rows=base.rows))  # fmt: skip
        for table in ("cloud_costs", "cloud_daily"):
            columns = [
                name for (name,) in client.query(
                    "SELECT name FROM system.columns WHERE database = currentDatabase()"
                    " AND table = {t:String} ORDER BY position", parameters={"t": table},
                ).result_rows
            ]  # fmt: skip
            moved = {
                "import_id": "{new:UInt32}",
                "billing_period_start": "addMonths(billing_period_start, -{copy:Int32})",
                "charge_day": "addMonths(charge_day, -{copy:Int32})",
            }
            values = ", ".join(moved.get(name, name) for name in columns)
            sql = (  # our own table and column names
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values}"  # noqa: S608
                f" FROM {table} WHERE import_id = {{base:UInt32}}"
            )
            client.command(sql, {"new": new_id, "copy": copy, "base": base.import_id})


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def reports(engine: Engine) -> dict[str, Callable[[date, date], object]]:
    def run(kind: str, **options: bool) -> Callable[[date, date], object]:
        return lambda first, last: spend.run(engine, kind, first, last, **options)

    def days(first: date, last: date) -> object:
        with snapshot(engine) as conn:
            where = spend.scope(conn, first, last, None)
            return providers.provider_days(conn, where) if where else []

    return {
        "providers": run("providers"), "services": run("providers", by_service=True),
        "people": run("people"), "teams": run("teams"), "days": days,
    }  # fmt: skip


def report(engine: Engine, label: str, want: Decimal) -> dict[tuple[str, int], list[float]]:
    client = clickhouse(engine)
    with snapshot(engine) as conn:
        span = cloud.days(conn)
        assert span is not None
        ((_key, costs),) = cloud.sums(conn, *span, ())
        rows = conn.execute(select(func.sum(tables.cloud_periods.c.rows))).scalar_one()
    print(f"\n== {label}: {rows:,} cost rows, {span[0]} .. {span[1]} ==")
    for table, n, mb in client.query(
        "SELECT table, sum(rows), sum(bytes_on_disk) / 1e6 FROM system.parts WHERE active AND"
        " database = currentDatabase() AND table LIKE 'cloud%' GROUP BY table ORDER BY table"
    ).result_rows:
        print(f"  {table}: {n:,} rows, {mb:,.0f} MB on disk")
    exact = costs.effective_cost == want
    print(f"  EffectiveCost stored {costs.effective_cost}, generated {want}:"
          f" {'exact' if exact else 'NOT EXACT'}")  # fmt: skip
    timings = timed(reports(engine), span[1], days_held=180)
    print(f"{'report':<10}" + "".join(f"{f'{d} d':>16}" for d in RANGES) + "   (p50 / p95 ms)")
    for kind in reports(engine):
        print(f"{kind:<10}" + "".join(
            f"{p(timings[kind, d], 0.5):>8.1f}/{p(timings[kind, d], 0.95):<7.1f}" for d in RANGES
        ))  # fmt: skip
    worst = max(timings, key=lambda key: p(timings[key], 0.95))
    ms = p(timings[worst], 0.95)
    print(f"worst p95 {ms:.1f} ms ({worst[0]}, {worst[1]} d):"
          f" {'within' if ms <= TARGET_MS else 'OVER'} {TARGET_MS} ms")  # fmt: skip
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="the file imported: a month")
    parser.add_argument(
        "--sizes", default="10000000,50000000", help="cost rows at each size timed (copied months)"
    )
    parser.add_argument("--keep", type=Path, help="keep the store in this folder; reuse it")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"started {time.strftime('%Y-%m-%d %H:%M')} UTC")
    with tempfile.TemporaryDirectory(prefix="pumpview-bench-cloud-") as name:
        folder = args.keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        facts = f"chdb://{folder / 'chdb'}?database=cloud_{args.rows}"
        engine = open_store(f"sqlite:///{folder / f'cloud_{args.rows}'}.db", facts)
        truth = folder / f"cloud_{args.rows}.truth"
        if truth.exists():
            want = Decimal(truth.read_text())
            print(f"reused the store loaded before in {folder}")
        else:
            want = load(engine, folder, args.rows)
            truth.write_text(str(want))
        try:
            timings = []
            for size in sizes:
                months = size // args.rows
                with engine.connect() as conn:
                    have = conn.execute(select(func.count()).select_from(tables.cloud_periods))
                    loaded = have.scalar_one()
                if loaded < months:
                    begun = time.perf_counter()
                    copy_months(engine, loaded, months)
                    print(f"\ncopied to {months} months in {time.perf_counter() - begun:.0f} s")
                timings.append(report(engine, f"{months} months", want * months))
            for (small, big), (before, after) in zip(
                itertools.pairwise(sizes), itertools.pairwise(timings), strict=True
            ):
                print(f"\ngrowth: p95 at {big:,} rows / p95 at {small:,}")
                print(f"{'report':<10}" + "".join(f"{f'{d} d':>8}" for d in RANGES))
                for kind in reports(engine):
                    print(f"{kind:<10}" + "".join(
                        f"{p(after[kind, d], 0.95) / p(before[kind, d], 0.95):>8.2f}"
                        for d in RANGES
                    ))  # fmt: skip
            print(f"peak RSS {peak_rss_mb():,.0f} MB")
        finally:
            engine.dispose()
            connection.close(facts)


if __name__ == "__main__":
    main()
