"""Import of a large FOCUS CSV: rows per second, peak memory, exact totals.

    .venv/bin/python benchmarks/focus_import.py                 # 2,000,000 rows, SQLite
    .venv/bin/python benchmarks/focus_import.py --rows 200000 --gzip

Writes an AWS-style FOCUS 1.2 file (daily rows over one billing period: accounts, services,
regions, owner and team tags, ``x_`` columns, costs with up to 10 decimals), then imports it with
``pumpview import focus``'s own function into a fresh SQLite store in this process, and prints
the rows per second, the process's peak RSS (target: under 300 MB) and whether the stored
totals equal the generator's, summed exactly as it wrote them.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from pumpview.integrations.focus.importer import import_file
from pumpview.store import tables
from pumpview.store.engine import open_store

COLUMNS = ("BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd",
           "BillingPeriodStart", "ChargeCategory", "ChargePeriodEnd", "ChargePeriodStart",
           "ContractedCost", "EffectiveCost", "InvoiceId", "ListCost", "ProviderName",
           "PublisherName", "RegionId", "ServiceCategory", "ServiceName", "SubAccountId",
           "SubAccountName", "Tags", "x_ServiceCode", "x_UsageType")  # fmt: skip
SERVICES = (("Amazon EC2", "Compute", "AmazonEC2"), ("Amazon S3", "Storage", "AmazonS3"),
            ("Amazon RDS", "Databases", "AmazonRDS"), ("AWS Lambda", "Compute", "AWSLambda"),
            ("Amazon Bedrock", "AI and Machine Learning", "AmazonBedrock"))  # fmt: skip
OWNERS = [f"dev{i}@acme.dev" for i in range(300)]
TEAMS = ("web", "data", "platform", "ml", "mobile")


def generate(path: Path, rows: int, *, zipped: bool, spread: bool = False) -> Decimal:
    """The file, and the exact sum of its EffectiveCost. ``spread``: each row's owner (and so
    team) and service drawn at random, so a month holds every day x owner x service (45,000
    daily sums), not the 300 the rows' fixed pattern repeats."""
    rng = random.Random(7)
    total = Decimal(0)
    opener = gzip.open if zipped else open
    with opener(path, "wt", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(rows):
            day = 1 + i % 30
            owner, kind = (rng.randrange(300), rng.randrange(5)) if spread else (i % 300, i % 5)
            service, category, code = SERVICES[kind]
            cost = Decimal(rng.randrange(1, 10**8)).scaleb(-rng.choice((4, 6, 8, 10)))
            total += cost
            account = f"{100000000000 + i % 40}"
            tags = '{"owner": "%s", "team": "%s"}' % (OWNERS[owner], TEAMS[owner % 5])  # noqa: UP031
            writer.writerow((
                cost, "999999999999", "USD", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z",
                "Usage", f"2026-11-{day + 1:02d}T00:00:00Z" if day < 30 else "2026-12-01T00:00:00Z",
                f"2026-11-{day:02d}T00:00:00Z", cost, cost, "INV-1", cost, "AWS",
                "Amazon Web Services, Inc.", "us-east-1", category, service, account,
                f"account {account}", tags, code, "USE1-BoxUsage",
            ))  # fmt: skip
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("aws.csv.gz" if args.gzip else "aws.csv")
        begun = time.perf_counter()
        want = generate(path, args.rows, zipped=args.gzip)
        print(f"wrote {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, "
              f"in {time.perf_counter() - begun:.0f} s")  # fmt: skip
        engine = open_store(f"sqlite:///{folder}/costs.db")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        begun = time.perf_counter()
        done = import_file(
            engine, path, source="aws", now_ms=0,
            on_progress=lambda p: print(f"\r  {p.rows:,} rows, {p.fraction:.0%} of the file",
                                        end="", file=sys.stderr),
        )  # fmt: skip
        seconds = time.perf_counter() - begun
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(file=sys.stderr)
        stored = Decimal(0)
        with engine.connect() as conn:
            for (cost,) in conn.execute(select(tables.cloud_costs.c.effective_cost)):
                stored += cost
        engine.dispose()
        print(f"imported {done.rows:,} rows in {seconds:.1f} s: {done.rows / seconds:,.0f} rows/s; "
              f"peak RSS {peak:.0f} MB (before the import {rss_before:.0f} MB; target 300 MB); "
              f"database {Path(folder, 'costs.db').stat().st_size / 1e6:.0f} MB")  # fmt: skip
        exact = done.effective["USD"] == want == stored
        print(f"EffectiveCost: generated {want}, counted {done.effective['USD']}, stored {stored}"
              f" -> {'exact' if exact else 'NOT EXACT'}")  # fmt: skip


if __name__ == "__main__":
    main()
