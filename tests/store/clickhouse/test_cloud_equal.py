"""The FOCUS sample files imported on SQLite and with the costs on chDB give the same cloud
figures, field for field: the report's days and sums (every grouping, an owner filter), each
source's periods and the listing."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pumpview.errors import UserInputError
from pumpview.integrations.focus import importer
from pumpview.reports import cloud as report
from pumpview.store import cloud
from pumpview.store.engine import open_store, snapshot
from tests.integrations.focus.test_importer import month
from tests.integrations.focus.test_reader import write

pytestmark = pytest.mark.clickhouse

SAMPLES = sorted((Path(__file__).parents[2] / "focus_samples").rglob("*.csv"))
NOW = 1_800_000_000_000
GROUPINGS = (
    (),
    ("provider", "service", "currency"),
    ("charge_day", "provider", "currency"),
    ("owner", "team", "currency"),
    ("source", "billing_period_start", "charge_day", "currency", "provider", "service", "owner",
     "team"),
)  # fmt: skip


def _import_all(engine: Engine, owned: Path) -> list[str]:
    """Every sample file and ``owned``, in one order; what each brought or why it was
    refused."""
    said = []
    for path in [*SAMPLES, owned]:
        try:
            done = importer.import_file(engine, path, source=None, now_ms=NOW)
        except UserInputError as refused:
            said.append(f"{path.name}: {refused}")
        else:
            said.append(f"{path.name}: {done.source} {done.rows} {sorted(done.periods)} "
                        f"{done.replaced} {done.billed} {done.effective}")  # fmt: skip
    return said


def _figures(engine: Engine) -> dict[str, Any]:
    with snapshot(engine) as conn:
        span = report.days(conn)
        assert span is not None
        first, last = span
        sums = {by: report.sums(conn, first, last, by) for by in GROUPINGS}
        owners = sorted({key[0] for key, _costs in sums[GROUPINGS[3]] if key[0] is not None})
        listing = [tuple(row) for row in cloud.listing(conn)]
        return {
            "days": span,
            "sums": sums,
            "owned": report.sums(conn, first, last, ("owner", "currency"), owners[:1]),
            "nobody": report.sums(conn, first, last, ("provider",), []),
            "outside": report.sums(conn, date(2000, 1, 1), date(2000, 1, 2), ()),
            "periods": {row[0]: cloud.period_rows(conn, row[0]) for row in listing},
            "listing": listing,
        }


def test_the_samples_give_the_same_cloud_figures_on_sqlite_and_on_chdb(tmp_path, chdb_path):
    tags = '"{""owner"": ""Alex@Corp.com"", ""team"": ""Core""}"'
    owned = write(tmp_path, month("2026-02", "1.10", "0.000000000000000000000007", "2")
                  .replace(",EC2,,", f",EC2,{tags},", 2), "owned.csv")  # fmt: skip
    on_sqlite = open_store(f"sqlite:///{tmp_path / 'sql.db'}")
    on_chdb = open_store(f"sqlite:///{tmp_path / 'ch.db'}",
                         f"chdb://{chdb_path}?database=test_{uuid.uuid4().hex}")  # fmt: skip
    try:
        assert _import_all(on_sqlite, owned) == _import_all(on_chdb, owned)
        want, got = _figures(on_sqlite), _figures(on_chdb)
    finally:
        on_sqlite.dispose()
        on_chdb.dispose()
    assert len(want["listing"]) > 3
    assert want["owned"]  # an owner's costs, filtered
    for name, value in want.items():
        assert got[name] == value, name
        assert repr(got[name]) == repr(value), name  # the same digits, not only equal numbers
