"""The FOCUS export over a year of usage: seconds, events per second, peak memory, exactness.

    .venv/bin/python benchmarks/focus_export.py                       # 2,000,000 events, SQLite
    .venv/bin/python benchmarks/focus_export.py --events 200000 --db /tmp/fe.db

Stores ``--events`` simulated events over 365 days (300 members, as ``benchmarks/reports.py``),
unless ``--db`` names a store this script filled before; then runs ``pumpview export focus`` as a
process of its own, CSV and Parquet, over the whole year, and prints its wall time, events per
second, the export process's peak RSS (the events are streamed one day at a time: it must not
grow with the history) and whether the file's four cost totals equal the generator's events,
summed here exactly.
"""

from __future__ import annotations

import argparse
import csv
import decimal
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from pumpview.simulator.config import SimConfig
from pumpview.simulator.data import Team
from pumpview.store.engine import open_store
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms
from reports import load  # benchmarks/reports.py: the same stored year

EXACT = decimal.Context(prec=200, traps=[decimal.Inexact])
ROOT = Path(__file__).parents[1]
CHILD = """
import sys
from pumpview.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
with open("/proc/self/status") as status:
    sys.stderr.write(next(line for line in status if line.startswith("VmHWM:")))
sys.exit(code)
"""
"""``pumpview`` in a process of its own that says its peak resident memory when it ends."""


def truth(team: Team, first: date, last: date) -> tuple[Decimal, Decimal, Decimal]:
    """Σ billed (on-demand), list and contracted cost in dollars, over the generator's events
    of ``[first, last]``."""
    billed = listed = contracted = Decimal(0)
    day = first
    with decimal.localcontext(EXACT):
        while day <= last:
            for e in team.events_between(day_start_ms(day), day_start_ms(day) + MS_PER_DAY - 1):
                cost = e.cost_cents(old_api=False)
                contracted += cost
                billed += cost if e.chargeable else 0
                if "Not Charged" in e.kind:
                    continue
                listed += e.total_cents + (e.token_fee or 0) if e.token_based else e.charged_cents
            day += timedelta(days=1)
        return billed / 100, listed / 100, contracted / 100


def file_totals(path: Path) -> tuple[Decimal, Decimal, Decimal]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415

        table = pq.read_table(path, columns=["BilledCost", "ListCost", "ContractedCost"])
        return tuple(sum(table.column(c).to_pylist(), Decimal(0)) for c in table.column_names)  # type: ignore[return-value]
    billed = listed = contracted = Decimal(0)
    with decimal.localcontext(EXACT), path.open(newline="") as stream:
        for row in csv.DictReader(stream):
            billed += Decimal(row["BilledCost"])
            listed += Decimal(row["ListCost"])
            contracted += Decimal(row["ContractedCost"])
    return billed, listed, contracted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--db", type=Path, help="a SQLite file to fill once and reuse")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pumpview-focus-export-"))
    db = args.db or folder / "pumpview.db"
    engine = open_store(f"sqlite:///{db}")
    if not _stored(engine)[0]:
        _team, seconds, _writes = load(engine, args.events)
        print(f"stored the year in {seconds:.0f} s")
    stored, newest = _stored(engine)
    # The generator's team as it was when stored: its days are a pure function of the seed.
    per_day = 12 * 1_000_000 / 1_094_209 * args.events / 1_000_000
    team = Team(SimConfig(members=300, days=365, events_per_member_day=per_day,
                          hourly_lag=False, now_ms=newest))  # fmt: skip
    first, last = team.first_day, day_of(newest) - timedelta(days=1)  # whole days only
    print(f"{stored:,} events in {db}; exporting {first} to {last}")
    want = truth(team, first, last)
    env = {**os.environ, "PUMPVIEW_HOME": str(folder / "home"),
           "PUMPVIEW_DATABASE_URL": f"sqlite:///{db}"}  # fmt: skip
    for suffix in (".csv", ".parquet"):
        out = folder / f"cursor{suffix}"
        started = time.perf_counter()
        # The child reports its own VmHWM: getrusage's peak of a child counts the memory of the
        # process it was started from (exec keeps the parent's high-water mark).
        done = subprocess.run(  # noqa: S603 - our own CLI
            [str(ROOT / ".venv/bin/python"), "-c", CHILD, "export", "focus", "--out", str(out),
             "--since", str(first), "--until", str(last)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        status, peak_kb = done.returncode, int(done.stderr.split("VmHWM:")[-1].split()[0])
        seconds = time.perf_counter() - started
        if status:
            sys.exit(f"the export failed ({status})")
        with out.open("rb") as counted:
            rows = sum(1 for _ in counted) - 1 if suffix == ".csv" else None
        exact = file_totals(out) == want
        verdict = "exact" if exact else "DIFFERENT"
        print(f"export {suffix[1:]:7}: {seconds:6.1f} s, {stored / seconds:,.0f} events/s"
              f"{f', {rows:,} rows' if rows else ''}, {out.stat().st_size / 1e6:,.0f} MB, "
              f"peak RSS {peak_kb / 1024:.0f} MB, totals {verdict}")  # fmt: skip
        if not exact:
            sys.exit(1)
    engine.dispose()


def _stored(engine: Engine) -> tuple[int, int | None]:
    with engine.connect() as conn:
        count, newest = conn.exec_driver_sql("SELECT count(*), max(ts_ms) FROM usage_events").one()
    return int(count), newest


if __name__ == "__main__":
    main()
