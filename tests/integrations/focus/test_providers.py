"""Provider-style FOCUS files (AWS, Azure, Google Cloud, OCI; 1.0 to 1.4; CSV, gzip, Parquet)
imported exactly: the totals, the version, the tags and the ``x_`` columns are those the
generator wrote (``focus_files``), not those read back by our own parsers."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from pumpview.integrations.focus.importer import import_file
from pumpview.store import tables
from tests.integrations.focus import files as focus_files
from tests.integrations.focus.files import CONTAINERS, SHIPPED_VERSIONS, Truth, write_file

NOW = 1_800_000_000_000
SOURCES = {"aws": "aws", "azure": "microsoft", "gcp": "google-cloud", "oci": "oracle"}
"""The source an import names itself after: the provider of the file's first row."""
ON_POSTGRES = {("aws", "1.2", "parquet"), ("azure", "1.0", "csv"), ("azure", "1.3", "csv.gz"),
               ("gcp", "1.4", "parquet"), ("oci", "1.0", "csv.gz")}  # fmt: skip
"""Every case runs on SQLite; these also on PostgreSQL (each there costs a fresh database)."""
CASES = [
    pytest.param(provider, version, container, db, id=f"{provider}-{version}-{container}-{db}")
    for provider, containers in CONTAINERS.items()
    for version in SHIPPED_VERSIONS[provider]
    for container in containers
    for db in ("sqlite", "postgresql")
    if db == "sqlite" or (provider, version, container) in ON_POSTGRES
]


def stored_rows(engine) -> list[Any]:
    costs = tables.cloud_costs
    with engine.connect() as conn:
        return list(conn.execute(
            select(costs.c.billing_period_start, costs.c.provider, costs.c.billing_currency,
                   costs.c.billed_cost, costs.c.effective_cost, costs.c.tags, costs.c.extra,
                   costs.c.sub_account_name).order_by(costs.c.id)
        ))  # fmt: skip


def stored_totals(engine) -> dict[tuple[date, str, str], tuple[Decimal, Decimal]]:
    """(period, provider, currency) -> (Σ billed, Σ effective), summed in Python as Decimal."""
    out: dict[tuple[date, str, str], tuple[Decimal, Decimal]] = {}
    for period, provider, currency, billed, effective, *_ in stored_rows(engine):
        was_billed, was_effective = out.get((period, provider, currency), (Decimal(0), Decimal(0)))
        out[(period, provider, currency)] = (was_billed + billed, was_effective + effective)
    return out


def kept(stored: str, written: object) -> bool:
    """An ``x_`` cell kept as the file has it: a CSV's text as is, a Parquet value as JSON."""
    if isinstance(written, str):
        return stored == written
    decoded = json.loads(stored)
    if isinstance(written, datetime):
        return datetime.fromisoformat(decoded) == written
    if isinstance(written, list):  # a Parquet map, as its key-value pairs
        return [tuple(pair) for pair in decoded] == written
    if isinstance(written, Decimal):
        return Decimal(decoded) == written
    return bool(decoded == written)


def assert_stored_as_written(engine, truth: Truth) -> None:
    assert stored_totals(engine) == truth.totals()
    rows = stored_rows(engine)
    assert len(rows) == len(truth.rows)
    for row, want in zip(rows, truth.rows, strict=True):
        assert json.loads(row.tags) == want.tags
        extra = json.loads(row.extra)
        assert extra.keys() == want.extra.keys()
        for name, written in want.extra.items():
            assert kept(extra[name], written), (name, extra[name], written)
        assert row.sub_account_name == want.sub_account_name


def test_the_generated_headers_have_the_reference_column_counts():
    """FOCUS 1.0 has 43 Cost and Usage columns, 1.1 50, 1.2 57, 1.3 65, 1.4 65 (the specification's
    column lists), 1.4 without ProviderName and PublisherName."""
    counts = [len(focus_files.focus_columns(v)) for v in focus_files.VERSIONS]
    assert counts == [43, 50, 57, 65, 65]
    assert "ProviderName" in focus_files.focus_columns("1.3")
    assert "ProviderName" not in focus_files.focus_columns("1.4")


@pytest.mark.parametrize(("provider", "version", "container", "db_url"), CASES,
                         indirect=["db_url"])  # fmt: skip
def test_a_provider_file_is_stored_exactly_as_written(engine, tmp_path, provider, version,
                                                      container):  # fmt: skip
    """Totals per billing period, provider and currency equal the generator's to the last
    decimal; the version is the one written; tags and every ``x_`` cell come back as written,
    and Azure's ``-2``/``Unassigned`` placeholders are nulls."""
    path, truth = write_file(tmp_path, provider, version, container, seed=1)
    done = import_file(engine, path, source=None, now_ms=NOW)
    billed, effective = truth.by_currency()
    assert (done.version, done.rows, done.source) == (version, len(truth.rows), SOURCES[provider])
    assert (done.billed, done.effective) == (billed, effective)
    assert (done.periods, done.providers) == (truth.periods, truth.providers)
    assert done.replaced == 0
    assert_stored_as_written(engine, truth)
    stored_keys = {key for row in stored_rows(engine) for key in json.loads(row.tags)}
    assert stored_keys == truth.tag_keys


def test_reimporting_one_month_of_a_multi_month_file_replaces_that_month_alone(engine, tmp_path):
    """Three months of Azure costs in euros and dollars, then February delivered again with
    other rows: January and March are as first written, February is the new file's alone."""
    months = ("2026-01", "2026-02", "2026-03")
    first_path, first = write_file(tmp_path, "azure", "1.2", "csv.gz", seed=1, months=months)
    import_file(engine, first_path, source="azure", now_ms=NOW)
    again_path, again = write_file(tmp_path, "azure", "1.2", "csv.gz", seed=2,
                                   months=("2026-02",))  # fmt: skip
    done = import_file(engine, again_path, source="azure", now_ms=NOW + 1)
    february = date(2026, 2, 1)
    assert done.replaced == sum(1 for row in first.rows if row.period == february)
    kept_rows = tuple(row for row in first.rows if row.period != february)
    assert_stored_as_written(engine, Truth("1.2", kept_rows + again.rows))
    assert {key[0] for key in stored_totals(engine)} == {date(2026, 1, 1), february,
                                                         date(2026, 3, 1)}  # fmt: skip
