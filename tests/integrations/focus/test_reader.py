"""FOCUS files read exactly, whatever the version and the provider's habits (as the providers'
FOCUS exports document them)."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pumpview.integrations.focus import values
from pumpview.integrations.focus.reader import FocusFile, FocusFileError, detect_version

SAMPLES = Path(__file__).parents[2] / "focus_samples"
"""The team's shared FOCUS samples, kept with their licences and attribution (README.md)."""
OFFICIAL = SAMPLES / "official-sample-1.0" / "focus_sample.csv"
HEADER = ("BilledCost,EffectiveCost,ListCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,"
          "ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceName,Tags,x_Custom")  # fmt: skip


def write(tmp_path: Path, body: str, name: str = "costs.csv", *, zipped: bool = False) -> Path:
    path = tmp_path / name
    data = body.encode("utf-8")
    path.write_bytes(gzip.compress(data) if zipped else data)
    return path


def test_the_official_sample_sums_to_the_cent_of_its_own_cells():
    """1,000 rows of FOCUS 1.0 with ``NULL`` for null and dates without ``T`` or ``Z``: every
    row read, the totals equal the cells summed directly, per provider."""
    focus = FocusFile(OFFICIAL)
    rows = list(focus.rows())
    with OFFICIAL.open(encoding="utf-8-sig", newline="") as raw:
        cells = list(csv.DictReader(raw))
    assert focus.version == "1.0"
    assert len(rows) == len(cells) == 1000
    for column, attribute in (("EffectiveCost", "effective_cost"), ("BilledCost", "billed_cost")):
        want: dict[str, Decimal] = {}
        for cell in cells:
            want[cell["ProviderName"]] = want.get(cell["ProviderName"], Decimal(0)) + Decimal(
                cell[column]
            )
        got: dict[str | None, Decimal] = {}
        for row in rows:
            got[row.provider] = got.get(row.provider, Decimal(0)) + getattr(row, attribute)
        assert got == want, column
    assert {r.provider for r in rows} == {"AWS", "Microsoft", "Oracle"}
    first = rows[0]
    assert first.charge_period_start == datetime(2024, 9, 18, 22, tzinfo=UTC)
    assert first.billing_period_start == datetime(2024, 9, 1, tzinfo=UTC)
    assert first.sub_account_id == "51738928782"
    assert first.tags == {}  # the literal NULL
    assert focus.repaired == 0


def test_every_shared_sample_reads_and_the_cursor_example_adds_up():
    """Our Cursor mapping's worked example (tests/focus_samples/cursor-mapping-example): two
    included or token rows ($0 and $0.6270932) and two seats of $40, in 1.2 and 1.4 files, and
    every other sample file reads."""
    for path in sorted(SAMPLES.glob("*/*.csv")):
        assert list(FocusFile(path).rows()), path
    for name, version in (("cursor_focus_1_2.csv", "1.2"), ("cursor_focus_1_4.csv", "1.4")):
        focus = FocusFile(SAMPLES / "cursor-mapping-example" / name)
        rows = list(focus.rows())
        assert focus.version == version
        assert sum(r.effective_cost for r in rows) == Decimal("80.6270932")
        assert {r.provider for r in rows} == {"Cursor"}
        assert rows[1].tags["cursor/userEmail"] == "developer@company.com"
        assert rows[1].extra["x_InputTokens"] == "5931"


def test_the_saas_examples_money_with_dollar_signs_is_repaired_and_said():
    focus = FocusFile(SAMPLES / "spec-v1.2-saas" / "simple_saas_agreements_a1.csv")
    (row,) = focus.rows()
    assert (row.billed_cost, row.effective_cost) == (Decimal(10000), Decimal(10000))
    assert row.billing_period_start == datetime(2025, 4, 1, tzinfo=UTC)  # written 4/1/25
    assert focus.repaired == 4  # BilledCost, ContractedCost, EffectiveCost, ListCost


@pytest.mark.parametrize(
    ("columns", "version"),
    [
        (["BilledCost", "ProviderName"], "1.0"),
        (["BilledCost", "ProviderName", "SkuMeter"], "1.1"),
        (["BilledCost", "ProviderName", "ServiceSubcategory", "InvoiceId"], "1.2"),
        (["billedcost", "providername", "serviceprovidername"], "1.3"),
        (["BilledCost", "ServiceProviderName", "HostProviderName"], "1.4"),
    ],
)
def test_the_version_comes_from_the_header(columns, version):
    assert detect_version(columns) == version


def test_bom_case_gzip_nulls_dates_and_exponents(tmp_path):
    """A lower-cased header behind a BOM, gzipped; null spellings; dates with a space, without
    seconds, or a day alone; exponent numbers; tags without braces; 1.3 provider names."""
    body = (
        "\ufeff" + HEADER.lower().replace("providername", "serviceprovidername") + "\r\n"
        "1.5E-7,1.5E-7,null,USD,2026-03-01 00:00:00,2026-04-01T00:00Z,2026-03-05,"
        '2026-03-06T00:00:00+00:00,AWS,EC2,"""owner"":""alex@corp.com""",42\r\n'
        "0.10,0.25,,EUR,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,2026-03-05T00:00:00Z,"
        "2026-03-06T00:00:00Z,Azure,None,,\r\n"
    )
    focus = FocusFile(write(tmp_path, body, "aws.csv.gz", zipped=True))
    first, second = focus.rows()
    assert focus.version == "1.4"
    assert first.billed_cost == Decimal("1.5E-7") == Decimal("0.00000015")
    assert first.list_cost is None
    assert first.billing_period_end == datetime(2026, 4, 1, tzinfo=UTC)
    assert first.charge_period_start == datetime(2026, 3, 5, tzinfo=UTC)
    assert first.tags == {"owner": "alex@corp.com"}
    assert first.extra == {"x_custom": "42"}  # named as the file names it
    assert (second.billing_currency, second.service_name, second.tags) == ("EUR", None, {})
    assert second.extra == {}


def test_tags_in_every_shape_a_provider_writes():
    assert values.tags('{"team": "web", "cost": 3, "on": true}') == {
        "team": "web", "cost": 3, "on": True}  # fmt: skip
    assert values.tags('"team": "web"') == {"team": "web"}  # legacy Azure: no braces
    assert values.tags({"team": "web"}) == {"team": "web"}  # a Parquet map
    assert values.tags([("team", "web")]) == {"team": "web"}  # a key-value list
    assert values.tags([{"key": "team", "value": "web", "x_inherited": False}]) == {
        "team": "web"}  # BigQuery's structs  # fmt: skip
    assert values.tags("NULL") == {}
    with pytest.raises(ValueError, match="nested"):
        values.tags('{"team": {"name": "web"}}')


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("abc,1,1,USD,2026-03-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,,",
         "costs.csv, line 3, column BilledCost: 'abc' is not a number"),
        ("1,,1,USD,2026-03-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,,",
         "costs.csv, line 3, column EffectiveCost: is empty"),
        ("1,1,1,USD,2026-13-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,,",
         "costs.csv, line 3, column BillingPeriodStart: '2026-13-01' is not a date"),
        ("1,1,1,USD,2026-03-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,{oops,",
         "costs.csv, line 3, column Tags: "),
        ("1,1,1,USD,2026-03-01", "costs.csv, line 3: 5 fields where the header has 12"),
    ],
)  # fmt: skip
def test_a_malformed_row_names_the_file_line_and_column(tmp_path, row, says):
    good = "1,1,1,USD,2026-03-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,,"
    focus = FocusFile(write(tmp_path, f"{HEADER}\n{good}\n{row}\n"))
    with pytest.raises(FocusFileError) as refused:
        list(focus.rows())
    assert str(refused.value).startswith(says)


def test_a_file_that_is_not_focus_says_so(tmp_path):
    with pytest.raises(FocusFileError, match=r"costs.csv, line 1: no BilledCost, EffectiveCost"):
        FocusFile(write(tmp_path, "Date,Amount\n2026-03-01,12\n"))
    with pytest.raises(FocusFileError, match="the file is empty"):
        FocusFile(write(tmp_path, ""))
    with pytest.raises(FocusFileError, match="cannot read it"):
        FocusFile(tmp_path / "missing.csv")


def test_parquet_with_doubles_timestamps_and_a_tag_map_reads_as_the_csv_does(tmp_path):
    """The official sample rewritten as Parquet the way AWS writes it (costs as doubles, dates
    as timestamps, tags as a map): the same rows, the same exact totals per provider."""
    import json  # noqa: PLC0415

    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    with OFFICIAL.open(encoding="utf-8-sig", newline="") as raw:
        cells = list(csv.DictReader(raw))

    def when(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    table = pa.table({
        "BilledCost": pa.array([float(c["BilledCost"]) for c in cells], pa.float64()),
        "EffectiveCost": pa.array([float(c["EffectiveCost"]) for c in cells], pa.float64()),
        "BillingCurrency": [c["BillingCurrency"] for c in cells],
        **{name: pa.array([when(c[name]) for c in cells], pa.timestamp("ms", tz="UTC"))
           for name in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
                        "ChargePeriodEnd")},
        "ProviderName": [c["ProviderName"] for c in cells],
        "Tags": pa.array([None if c["Tags"] == "NULL" else list(json.loads(c["Tags"]).items())
                          for c in cells], pa.map_(pa.string(), pa.string())),
    })  # fmt: skip
    path = tmp_path / "aws.parquet"
    pq.write_table(table, path, row_group_size=300)
    focus = FocusFile(path)
    rows = list(focus.rows())
    assert (focus.parquet, focus.version, len(rows)) == (True, "1.0", 1000)
    from_csv = list(FocusFile(OFFICIAL).rows())
    for got, want in zip(rows, from_csv, strict=True):
        assert (got.effective_cost, got.billed_cost) == (want.effective_cost, want.billed_cost)
        assert (got.charge_period_start, got.provider, got.tags) == (
            want.charge_period_start, want.provider, want.tags)  # fmt: skip


def test_a_file_named_parquet_that_is_not_says_so(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 and then nothing of the kind")
    with pytest.raises(FocusFileError, match=r"broken\.parquet: not a readable Parquet file"):
        FocusFile(broken)
