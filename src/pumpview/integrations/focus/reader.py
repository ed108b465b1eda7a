"""Read a FOCUS cost file (CSV, plain or gzip, or Parquet), row by row in bounded memory.

The version is told from the header (FOCUS reference §6.2 rule 1), column names match whatever
their case, a UTF-8 BOM is dropped, and each row comes out exact (``values``): the four cost
columns as Decimal in the file's currency, the periods as UTC, the provider under its 1.3 name
whatever the version, tags as a dict, every ``x_`` column kept as the file has it. A malformed
cell is a ``FocusFileError`` naming the file, the line and the column; so is text that is not
UTF-8, gzip data that is cut short or corrupt, and a file past one of its ``Limits`` (a row too
long, a run of blank lines, gzip that inflates far beyond its size), which keep a broken or
hostile file from taking the memory or the CPU: the reader never holds more than one row.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NoReturn, cast

from pumpview.errors import UserInputError
from pumpview.integrations.focus import values
from pumpview.store.tables import cloud_costs

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
ARCHIVES = {b"PK\x03\x04": "a zip archive", b"PK\x05\x06": "a zip archive",
            b"BZh": "bzip2 data", b"\xfd7zXZ\x00": "xz data", b"\x28\xb5\x2f\xfd": "zstd data",
            b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive"}  # fmt: skip
"""First bytes of what a FOCUS file is sometimes packed in and the reader does not unpack."""
PARQUET_BATCH = 10_000
"""Parquet rows decoded at a time: memory stays bounded whatever the file's size."""
REQUIRED = ("BilledCost", "EffectiveCost", "BillingCurrency", "BillingPeriodStart",
            "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")  # fmt: skip
"""Columns every FOCUS version has and an import cannot do without."""


_STORED_AS = {"BillingCurrency": "billing_currency", "ChargeCategory": "charge_category",
              "ProviderName": "provider", "ServiceProviderName": "provider",
              "ServiceName": "service_name", "ServiceCategory": "service_category",
              "SubAccountId": "sub_account_id", "SubAccountName": "sub_account_name"}  # fmt: skip
TEXT_CHARS: dict[str, int] = {
    name: int(getattr(cloud_costs.c[column].type, "length", 0))
    for name, column in _STORED_AS.items()
}
"""The longest value of each string column the store keeps (PostgreSQL refuses a longer one)."""


class FocusFileError(UserInputError):
    """A file that is not FOCUS as we can read it; the message names the file, line, column."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a CSV the reader takes before it refuses the file (parameters, so a test
    can trip them with a small file). Each bound is checked as the text is read, before it is
    held: memory stays at most one row, whatever the file holds."""

    row_chars: int = 1 << 20
    """Characters in one row (its line, or its lines when a quoted cell holds line breaks):
    an export's row is a few kilobytes; 512 MiB without a line break is not a row."""
    blank_lines: int = 10_000
    """Blank lines in a row: a few end many files; millions are a bomb costing minutes."""
    gzip_ratio: int = 100
    """Characters a gzip file may inflate to per byte of its size (exports inflate 5 to 30
    times; gzip at most about 1,000)."""
    gzip_floor: int = 16 << 20
    """Characters any gzip file may inflate to, whatever its ratio (small files never trip)."""


DEFAULT_LIMITS = Limits()
FIELD_CHARS = 131_072
"""The longest cell Python's csv reads (``csv.field_size_limit``), and so the reader."""
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
"""A byte that is not UTF-8, as ``surrogateescape`` decodes it."""


def detect_version(columns: Sequence[str]) -> str:
    """FOCUS 1.0 to 1.4 from the columns present (reference §6.2 rule 1)."""
    present = {c.lower() for c in columns}
    if "serviceprovidername" in present:
        return "1.3" if "providername" in present else "1.4"
    if present & {"pricingcurrency", "invoiceid"}:
        return "1.2"
    if present & {"skumeter", "servicesubcategory"}:
        return "1.1"
    return "1.0"


@dataclass(frozen=True, slots=True)
class CostRow:
    line: int
    """The row's line in the file (the header is line 1): its first, when a quoted cell
    spreads it over several."""
    billing_period_start: datetime
    billing_period_end: datetime
    charge_period_start: datetime
    charge_period_end: datetime
    billing_currency: str
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal | None
    contracted_cost: Decimal | None
    charge_category: str | None
    provider: str | None
    """``ServiceProviderName``; before 1.3, ``ProviderName``."""
    service_name: str | None
    service_category: str | None
    sub_account_id: str | None
    sub_account_name: str | None
    tags: values.Tags
    extra: dict[str, str] = field(default_factory=dict)
    """Every ``x_`` column, as the file has it (nulls left out)."""


class FocusFile:
    """One FOCUS file; ``rows()`` streams it and ``progress`` says how far it has got.
    ``repaired`` counts the amounts that had a ``$`` or thousands separators (kept exact, but
    not as FOCUS writes numbers)."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
        self.repaired = 0
        magic = _magic(path, 8)
        for start, packed in ARCHIVES.items():
            if magic.startswith(start):
                msg = (f"{path.name}: {packed}, not a FOCUS file; unpack it and import the "
                       "CSV or Parquet file inside (gzip is read as it is)")  # fmt: skip
                raise FocusFileError(msg)
        self.parquet = magic.startswith(PARQUET_MAGIC)
        self._unit = "row" if self.parquet else "line"
        self._done = 0
        self._position: Callable[[], int] | None = None
        if self.parquet:
            parquet = _parquet(path)
            header = list(parquet.schema_arrow.names)
            self._total = int(parquet.metadata.num_rows)
        else:
            self._total = path.stat().st_size
            records = self._records()
            try:
                header = next(records, (1, []))[1]
            finally:
                records.close()
                self._done = 0
        if not header:
            self._fail(1, None, "the file is empty: a FOCUS file starts with a header row")
        self.columns = [name.strip() for name in header]
        self.version = detect_version(self.columns)
        self._at = {name.lower(): i for i, name in enumerate(self.columns)}
        missing = [name for name in REQUIRED if name.lower() not in self._at]
        if missing:
            self._fail(1, None, f"no {', '.join(missing)} column: is this a FOCUS cost file?")
        self._extra = [(name, i) for i, name in enumerate(self.columns)
                       if name.lower().startswith("x_")]  # fmt: skip

    def _fail(self, line: int, column: str | None, message: str) -> NoReturn:
        unit = "line" if line == 1 and column is None else self._unit
        where = f"{self.path.name}, {unit} {line}" + (f", column {column}" if column else "")
        raise FocusFileError(f"{where}: {message}")

    @property
    def progress(self) -> tuple[int, int]:
        """How far ``rows()`` has read, as (done, total) in one unit: for a CSV, bytes of the
        file as stored (for gzip, the compressed bytes consumed, which is what its size
        counts); for Parquet, rows against its metadata's count. Cheap: one ``tell``."""
        done = self._position() if self._position is not None else self._done
        return min(done, self._total), self._total

    def rows(self) -> Iterator[CostRow]:
        if self.parquet:
            number = 0
            batches = _parquet(self.path).iter_batches(batch_size=PARQUET_BATCH)
            while True:
                try:
                    batch = next(batches, None)
                except Exception as exc:  # noqa: BLE001 - pyarrow's errors, as in _parquet
                    self._fail(number + 1, None, f"not a readable Parquet file ({exc})")
                if batch is None:
                    return
                self._done += batch.num_rows
                for record in batch.to_pylist():
                    number += 1
                    yield self._row(number, [record[name] for name in batch.schema.names])
        # Closed as soon as the rows end, a refusal among them: left to the collector, the
        # records' reading once ended after its file had closed, raising in a later test.
        with contextlib.closing(self._records()) as records:
            next(records, None)  # the header
            blank = 0
            for line, cells in records:
                if not cells or cells == [""]:
                    blank += 1
                    if blank > self.limits.blank_lines:
                        most = self.limits.blank_lines
                        self._fail(line, None, f"more than {most:,} blank lines in a row: a "
                                   "FOCUS file has a cost on every line")  # fmt: skip
                    continue
                blank = 0
                yield self._row(line, cells)

    def _records(self) -> Generator[tuple[int, list[str]]]:
        """The CSV's records with their first line, read within ``limits``: a row's text is counted
        as it is read (``readline`` with what is left of the bound), so a row without end
        is refused at the bound, not held; bytes that are not UTF-8, a gzip stream cut short
        or corrupt, and csv's own refusals become a ``FocusFileError`` at their line."""
        limits = self.limits
        with _open(self.path) as (text, raw, zipped):
            self._position = raw.tell
            inflated = max(limits.gzip_floor, limits.gzip_ratio * self._total)
            read, row_chars, physical, suspect = 0, 0, 0, False
            row: list[str] = []  # the lines of the row being read: where a csv refusal is

            def lines() -> Iterator[str]:
                nonlocal read, row_chars, physical, suspect
                readline = text.readline
                while True:
                    try:
                        line = readline(limits.row_chars - row_chars + 1)
                    except EOFError:
                        self._fail(physical + 1, None, "the gzip data ends early: the file "
                                   "was cut short (download it again)")  # fmt: skip
                    except (zlib.error, gzip.BadGzipFile) as exc:
                        self._fail(physical + 1, None, f"the gzip data is corrupt ({exc})")
                    if not line:
                        return
                    physical += 1
                    row_chars += len(line)
                    if row_chars > limits.row_chars:
                        self._fail(physical, None, f"a row longer than {limits.row_chars:,} "
                                   "characters: is this a FOCUS cost file?")  # fmt: skip
                    read += len(line)
                    if zipped and read > inflated:
                        self._fail(physical, None, f"the gzip file inflates to more than "
                                   f"{inflated:,} characters, {read // max(self._total, 1):,} "
                                   "times its size: a decompression bomb? Unpack it yourself "
                                   "and import the CSV if it is sound")  # fmt: skip
                    if not line.isascii() and _NOT_UTF8.search(line):
                        suspect = True
                    row.append(line)
                    yield line

            reader = csv.reader(lines())
            try:
                while True:
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        self._csv_error(reader.line_num, str(exc), "".join(row))
                    first = reader.line_num - len(row) + 1  # a quoted cell's breaks: the start
                    if suspect:
                        self._not_utf8(first, cells)
                    row_chars = 0
                    row.clear()
                    yield first, cells
            finally:
                self._position = None
                if not raw.closed:  # a collected file may be closed before this: nothing read
                    self._done = raw.tell()

    def _column(self, index: int) -> str | None:
        """The header's name of a cell's index (none while the header itself is read)."""
        columns: list[str] = getattr(self, "columns", [])
        return columns[index] if index < len(columns) else None

    def _csv_error(self, line: int, reason: str, text: str) -> NoReturn:
        if "field larger than field limit" in reason:
            self._fail(line, self._column(_long_cell(text)),
                       f"a cell longer than {FIELD_CHARS:,} characters")  # fmt: skip
        self._fail(line, None, f"not CSV as FOCUS writes it ({reason})")

    def _not_utf8(self, line: int, cells: Sequence[str]) -> NoReturn:
        for i, value in enumerate(cells):
            bad = _NOT_UTF8.search(value)
            if bad:
                column = self._column(i)
                self._fail(line, column, f"the byte 0x{ord(bad.group()) - 0xDC00:02X} is not "
                           "UTF-8: save the file as UTF-8 and import it again")  # fmt: skip
        self._fail(line, None, "a byte that is not UTF-8: save the file as UTF-8")

    def _row(self, line: int, cells: Sequence[object]) -> CostRow:
        if len(cells) != len(self.columns):
            self._fail(line, None, f"{len(cells)} fields where the header has {len(self.columns)}")
        current = ""

        def cell(name: str) -> object:
            nonlocal current
            current = name
            at = self._at.get(name.lower())
            return None if at is None else cells[at]

        def cost(name: str, *, required: bool) -> Decimal | None:
            amount, repaired = values.number(cell(name))
            self.repaired += repaired
            if amount is None and required:
                raise ValueError("is empty; FOCUS requires a value here")
            return amount

        def text(name: str) -> str | None:
            found = values.text(cell(name))
            if found is not None and len(found) > TEXT_CHARS[name]:
                msg = f"is {len(found):,} characters long; at most {TEXT_CHARS[name]:,} are kept"
                raise ValueError(msg)
            return found

        def when(name: str) -> datetime:
            found = values.moment(cell(name))
            if found is None:
                raise ValueError("is empty; FOCUS requires a date and time here")
            return found

        try:
            currency = text("BillingCurrency")
            if currency is None:
                raise ValueError("is empty; FOCUS requires a currency here")
            row = CostRow(
                line=line,
                billing_period_start=when("BillingPeriodStart"),
                billing_period_end=when("BillingPeriodEnd"),
                charge_period_start=when("ChargePeriodStart"),
                charge_period_end=when("ChargePeriodEnd"),
                billing_currency=currency,
                billed_cost=cost("BilledCost", required=True),  # type: ignore[arg-type]
                effective_cost=cost("EffectiveCost", required=True),  # type: ignore[arg-type]
                list_cost=cost("ListCost", required=False),
                contracted_cost=cost("ContractedCost", required=False),
                charge_category=text("ChargeCategory"),
                provider=text("ServiceProviderName") or text("ProviderName"),
                service_name=text("ServiceName"),
                service_category=text("ServiceCategory"),
                sub_account_id=text("SubAccountId"),
                sub_account_name=text("SubAccountName"),
                tags=values.tags(cell("Tags")),
                extra={
                    name: _as_text(cells[i])
                    for name, i in self._extra
                    if not values.is_null(cells[i])
                },
            )
        except ValueError as exc:
            self._fail(line, current, str(exc))
        return row


def _long_cell(text: str) -> int:
    """The index of the first cell longer than ``FIELD_CHARS`` in a row's text, parsed as csv's
    default dialect does (quotes, doubled quotes); only on the way to an error."""
    index, length, quoted, at = 0, 0, False, 0
    while at < len(text) and length <= FIELD_CHARS:
        char = text[at]
        if quoted and char == '"' and text[at + 1 : at + 2] == '"':
            length, at = length + 1, at + 1
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            index, length = index + 1, 0
        else:
            length += 1
        at += 1
    return index


def _as_text(value: object) -> str:
    """An ``x_`` cell as text: as written in a CSV, as JSON from Parquet's typed values."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _magic(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as probe:
            return probe.read(size)
    except OSError as exc:
        msg = f"{path}: cannot read it ({exc.strerror})"
        raise FocusFileError(msg) from None


def _parquet(path: Path) -> Any:
    """The file as pyarrow's ``ParquetFile`` (pyarrow loaded only for Parquet)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow's errors have no common base worth naming
        msg = f"{path.name}: not a readable Parquet file ({exc})"
        raise FocusFileError(msg) from None


@contextmanager
def _open(path: Path) -> Iterator[tuple[IO[str], IO[bytes], bool]]:
    """The file as text, gunzipped when it is gzip (told by its first bytes, not its name),
    without a BOM; fields may hold line breaks (``newline=""``); a byte that is not UTF-8
    comes as a lone surrogate (``surrogateescape``) for the reader to find and name. Beside
    it, the file as stored, whose position is how far the text has been read, and whether
    it is gzip."""
    zipped = _magic(path, len(GZIP_MAGIC)) == GZIP_MAGIC
    try:
        raw = path.open("rb")
    except OSError as exc:
        msg = f"{path}: cannot read it ({exc.strerror})"
        raise FocusFileError(msg) from None
    with raw:
        binary = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if zipped else raw
        with io.TextIOWrapper(
            binary, encoding="utf-8-sig", errors="surrogateescape", newline=""
        ) as text:
            yield text, raw, zipped
