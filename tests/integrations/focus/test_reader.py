"""FOCUS files read exactly, whatever the version and the provider's habits (as the providers'
FOCUS exports document them)."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tracemalloc
import zipfile
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pumpview.integrations.focus import values
from pumpview.integrations.focus.reader import (
    DEFAULT_LIMITS,
    FocusFile,
    FocusFileError,
    Limits,
    detect_version,
)

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


def test_a_row_across_lines_is_named_by_its_first_line(tmp_path):
    """A quoted cell holding line breaks spreads a row over lines 3 to 5: the row is line 3,
    where its cells start (as an editor shows it), and the next row line 6; a bad cell in such
    a row, its amount on line 7, is named at line 7, not at line 9 where the row ends."""
    good = "1,1,1,USD,2026-03-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,,"
    tall = good + '"a\nb\nc"'  # x_Custom across three lines
    path = write(tmp_path, f"{HEADER}\n{good}\n{tall}\n{good}\n")
    assert [row.line for row in FocusFile(path).rows()] == [2, 3, 6]
    bad = write(tmp_path, f"{HEADER}\n{good}\n{tall}\n{good}\nx{tall}\n", "bad.csv")
    with pytest.raises(FocusFileError) as refused:
        list(FocusFile(bad).rows())
    assert str(refused.value).startswith("bad.csv, line 7, column BilledCost: ")


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


GOOD = "1,1,1,USD,2026-03-01,2026-04-01,2026-03-05,2026-03-06,AWS,EC2,,"
"""A sound row of ``HEADER``: Tags and x_Custom empty."""


def _gzip_cut(rows: int) -> tuple[bytes, int]:
    """A gzip of ``rows`` rows cut in the middle of its compressed stream, and the line it
    stops in: one past the lines its readable part completes (zlib's own count)."""
    text = "\n".join([HEADER, *(GOOD.replace("EC2", f"EC2-{i}") for i in range(rows))]) + "\n"
    whole = gzip.compress(text.encode(), mtime=0)
    cut = whole[: len(whole) // 2]
    readable = zlib.decompressobj(wbits=31).decompress(cut)
    return cut, readable.count(b"\n") + 1


def _gzip_corrupt() -> bytes:
    """A gzip whose deflate stream is garbage from its first block on."""
    whole = gzip.compress(f"{HEADER}\n{GOOD}\n".encode(), mtime=0)
    return whole[:10] + b"\xff" * 16 + whole[26:]


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("costs.csv", f"{HEADER}\n{GOOD}\n")
    return out.getvalue()


def _row(**cells: str) -> str:
    """``GOOD`` with some of its cells replaced (by column name)."""
    values = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    return ",".join({**values, **cells}.values())


_CUT, _CUT_LINE = _gzip_cut(3000)
MALFORMED: dict[str, tuple[str, bytes, str]] = {
    # kind: (file name, its bytes, the one line that says what is wrong, whole or its start)
    "not UTF-8": ("latin1.csv", f"{HEADER}\n{GOOD}\n{_row(ServiceName='Caf_')}\n".encode()
                  .replace(b"Caf_", b"Caf\xe9"),
                  "latin1.csv, line 3, column ServiceName: the byte 0xE9 is not UTF-8: save "
                  "the file as UTF-8 and import it again"),
    "a cell of 131,073 characters": (
        "long.csv", f"{HEADER}\n{GOOD}\n{_row(Tags='t' * 131_073)}\n".encode(),
        "long.csv, line 3, column Tags: a cell longer than 131,072 characters"),
    "an exponent past any amount": (
        "huge.csv", f"{HEADER}\n{GOOD}\n{_row(BilledCost='1e999999999')}\n".encode(),
        "huge.csv, line 3, column BilledCost: '1e999999999' is out of range: amounts have "
        "at most 15 whole digits"),
    "an amount of 5,000 digits": (
        "digits.csv", f"{HEADER}\n{GOOD}\n{_row(EffectiveCost='9' * 5000)}\n".encode(),
        "digits.csv, line 3, column EffectiveCost: '" + "9" * 40 + "…' (5,000 characters) is "
        "too long for an amount"),
    "tags nested 5,000 deep": (
        "nested.csv", (f"{HEADER}\n{GOOD}\n" + _row(Tags='"' + '{""a"":' * 5000 + "1"
                                                     + "}" * 5000 + '"') + "\n").encode(),
        "nested.csv, line 3, column Tags: '" + '{"a":' * 12 + "…' nests too deeply; tags "
        "are scalars"),
    "a gzip cut short": ("cut.csv.gz", _CUT, f"cut.csv.gz, line {_CUT_LINE}: the gzip data "
                         "ends early: the file was cut short (download it again)"),
    "a corrupt gzip": ("corrupt.csv.gz", _gzip_corrupt(),
                       "corrupt.csv.gz, line 1: the gzip data is corrupt (Error -3 "),
    "a zip archive": ("costs.zip", _zip(), "costs.zip: a zip archive, not a FOCUS file; unpack "
                      "it and import the CSV or Parquet file inside (gzip is read as it is)"),
}  # fmt: skip
"""Files that are not FOCUS as the reader takes it, each with the error it must give: the
file, the line and (where one cell is at fault) the column. Shared by the CLI and web tests."""


def write_malformed(folder: Path, kind: str) -> tuple[Path, str]:
    """``MALFORMED[kind]`` written into ``folder``: its path and the error it must give."""
    name, data, says = MALFORMED[kind]
    path = folder / name
    path.write_bytes(data)
    return path, says


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_file_is_one_clear_error_naming_where(tmp_path, kind):
    """Bytes that are not UTF-8, a cell past csv's limit, an amount no store keeps exactly,
    tags nested past the JSON decoder's depth, gzip cut short or corrupt, a zip archive:
    each a ``FocusFileError`` naming the file and line (and the cell's column)."""
    path, says = write_malformed(tmp_path, kind)
    with pytest.raises(FocusFileError) as refused:
        list(FocusFile(path).rows())
    assert str(refused.value).startswith(says)
    assert "\n" not in str(refused.value)


def _refusal(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(FocusFileError) as refused:
        list(FocusFile(path, limits).rows())
    return str(refused.value)


def test_a_row_past_the_bound_is_refused_where_it_passes_it(tmp_path):
    """A line of 5,000 characters, then a quoted cell whose line breaks spread 1,200
    characters over many short lines: each refused at the line where the row passes 1,000."""
    limits = Limits(row_chars=1000)
    wide = write(tmp_path, f"{HEADER}\n{GOOD}\n{GOOD}{'x' * 5000}\n", "wide.csv")
    assert _refusal(wide, limits) == (
        "wide.csv, line 3: a row longer than 1,000 characters: is this a FOCUS cost file?"
    )
    spread = '"' + "\n".join(["y" * 99] * 12) + '"'  # 12 lines of 100 characters
    tall = write(tmp_path, f"{HEADER}\n{GOOD}\n{GOOD[:-1]}{spread}\n", "tall.csv")
    first = len(GOOD) - 1 + 1 + 99 + 1  # the row's first line: its cells, a quote, 99, a break
    passes = 3 + next(n for n in range(12) if first + 100 * n > 1000)
    assert _refusal(tall, limits).startswith(f"tall.csv, line {passes}: a row longer than 1,000")


def test_a_gzip_of_64_mib_without_a_line_break_is_refused_in_a_few_mib(tmp_path):
    """The bomb of the issue, smaller: 64 MiB of one line gzipped to 64 KB. With the default
    bounds it is refused at the row bound, and the reader never held more than about that
    row: Python's allocations peak under 8 MiB (before, the whole line, 64 MiB and more)."""
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(f"{HEADER}\n".encode() + b"7" * (64 << 20), mtime=0))
    assert bomb.stat().st_size < 100_000
    tracemalloc.start()
    try:
        says = _refusal(bomb)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert says == ("bomb.csv.gz, line 2: a row longer than 1,048,576 characters: is this a "
                    "FOCUS cost file?")  # fmt: skip
    assert peak < 8 << 20, f"{peak:,} bytes"


def test_a_run_of_blank_lines_past_the_bound_is_refused(tmp_path):
    """100 blank lines pass a bound of 100; the 101st is refused at its line. With the
    default bound, a gzip of a million blank lines is refused at the 10,001st."""
    blank = write(tmp_path, f"{HEADER}\n{GOOD}\n" + "\n" * 100 + f"{GOOD}\n", "blank.csv")
    assert len(list(FocusFile(blank, Limits(blank_lines=100)).rows())) == 2
    more = write(tmp_path, f"{HEADER}\n{GOOD}\n" + "\r\n" * 101 + f"{GOOD}\n", "more.csv")
    assert _refusal(more, Limits(blank_lines=100)) == (
        "more.csv, line 103: more than 100 blank lines in a row: a FOCUS file has a cost on "
        "every line")  # fmt: skip
    bomb = write(tmp_path, f"{HEADER}\n{GOOD}\n" + "\n" * 1_000_000, "blank.csv.gz", zipped=True)
    assert _refusal(bomb).startswith("blank.csv.gz, line 10003: more than 10,000 blank lines")


def test_a_gzip_that_inflates_past_its_ratio_is_refused_at_the_line_that_passes_it(tmp_path):
    """2,000 alike rows inflate far beyond 10 times their gzip's size: refused at the first
    line whose text, counted from the file's start, passes max(floor, 10 x size)."""
    lines = [f"{HEADER}\n", *(f"{GOOD}\n" for _ in range(2000))]
    path = write(tmp_path, "".join(lines), "alike.csv.gz", zipped=True)
    allowed = max(1000, 10 * path.stat().st_size)
    read, line = 0, 0
    while read <= allowed:
        read, line = read + len(lines[line]), line + 1
    says = _refusal(path, Limits(gzip_ratio=10, gzip_floor=1000))
    assert says.startswith(f"alike.csv.gz, line {line}: the gzip file inflates to more than "
                           f"{allowed:,} characters, ")  # fmt: skip
    assert len(list(FocusFile(path, Limits(gzip_ratio=1000)).rows())) == 2000  # within it


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("-999999999999999.5", Decimal("-999999999999999.5")),  # 15 whole digits
        ("0.123456789012345678901234", Decimal("0.123456789012345678901234")),  # 24 decimals
        ("1.5e-23", Decimal("1.5E-23")),
        ("0E-30", Decimal(0)),
        ("1e15", "is out of range"),
        ("0.1234567890123456789012345", "has more than 24 decimals"),
        ("1.55e-23", "has more than 24 decimals"),
        ("1" * 65, "is too long for an amount"),
    ],
)
def test_an_amount_is_kept_only_as_exactly_as_the_store_holds_it(text, kept):
    """Up to 15 whole digits and 24 decimals, the store's limbs (``store.measures``), however
    it is written; beyond, a ``ValueError`` saying which bound."""
    if isinstance(kept, Decimal):
        assert values.number(text) == (kept, False)
    else:
        with pytest.raises(ValueError, match=kept):
            values.number(text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("$10,000.00 ", Decimal("10000.00")),  # as the spec's SaaS examples write it
        ("-$1,234,567.5", Decimal("-1234567.5")),
        ("$ 12.50", Decimal("12.50")),
        ("1 234.5", Decimal("1234.5")),
        ("1,5", "'1,5' is not a number"),  # a decimal comma: read as 15, ten times the cost
        ("12,50", "'12,50' is not a number"),
        ("1,2345.6", "'1,2345.6' is not a number"),
        ("1.234,56", "'1.234,56' is not a number"),
        ("1 5", "'1 5' is not a number"),
    ],
)
def test_thousands_separators_are_repaired_only_between_groups_of_three(text, kept):
    """A ``$`` and thousands separators are taken off an amount (and said); a comma or a
    space anywhere else is no separator, and the amount a ``ValueError``, never a guess."""
    if isinstance(kept, Decimal):
        assert values.number(text) == (kept, True)
    else:
        with pytest.raises(ValueError, match=re.escape(kept)):
            values.number(text)


def test_rows_refused_mid_file_close_their_file_at_once(tmp_path):
    """A refusal among the rows closes the file there and then, while the refusal is still held
    (as a caller holds what it reports): left to the collector, the reading once ended after
    its file had closed, raising ``ValueError: I/O operation on closed file`` in a later test."""
    bad = "not-a-cost" + GOOD[GOOD.index(",") :]  # its BilledCost, the first cell
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n{bad}\n")

    def open_on_it() -> list[str]:
        fds = Path("/proc/self/fd")
        return [fd.name for fd in fds.iterdir() if _target(fd) == str(path)]

    with pytest.raises(FocusFileError) as refused:
        list(FocusFile(path).rows())
    assert "line 3, column BilledCost" in str(refused.value)
    assert open_on_it() == []


def _target(fd: Path) -> str | None:
    try:
        return str(fd.readlink())
    except OSError:  # closed meanwhile
        return None
