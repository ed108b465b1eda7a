"""Read a FOCUS cost file (CSV, plain or gzip, or Parquet), row by row in bounded memory.

The version is told from the header (FOCUS reference §6.2 rule 1), column names match whatever
their case, a UTF-8 BOM is dropped, and each row comes out exact (``values``): the four cost
columns as Decimal in the file's currency, the periods as UTC, the provider under its 1.3 name
whatever the version, tags as a dict, every ``x_`` column kept as the file has it. A malformed
cell is a ``FocusFileError`` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NoReturn, cast

from pumpview.errors import UserInputError
from pumpview.integrations.focus import values

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
PARQUET_BATCH = 10_000
"""Parquet rows decoded at a time: memory stays bounded whatever the file's size."""
REQUIRED = ("BilledCost", "EffectiveCost", "BillingCurrency", "BillingPeriodStart",
            "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")  # fmt: skip
"""Columns every FOCUS version has and an import cannot do without."""


class FocusFileError(UserInputError):
    """A file that is not FOCUS as we can read it; the message names the file, line, column."""


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
    """The row's line in the file (the header is line 1)."""
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

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repaired = 0
        self.parquet = _magic(path, len(PARQUET_MAGIC)) == PARQUET_MAGIC
        self._unit = "row" if self.parquet else "line"
        self._done = 0
        self._position: Callable[[], int] | None = None
        if self.parquet:
            parquet = _parquet(path)
            header = list(parquet.schema_arrow.names)
            self._total = int(parquet.metadata.num_rows)
        else:
            self._total = path.stat().st_size
            with _open(path) as (stream, _raw):
                header = next(csv.reader(stream), [])
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
            for batch in _parquet(self.path).iter_batches(batch_size=PARQUET_BATCH):
                self._done += batch.num_rows
                for record in batch.to_pylist():
                    number += 1
                    yield self._row(number, [record[name] for name in batch.schema.names])
            return
        with _open(self.path) as (stream, raw):
            self._position = raw.tell
            try:
                reader = csv.reader(stream)
                next(reader, None)
                for cells in reader:
                    if not cells or cells == [""]:
                        continue
                    yield self._row(reader.line_num, cells)
            finally:
                self._position, self._done = None, raw.tell()

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

        def when(name: str) -> datetime:
            found = values.moment(cell(name))
            if found is None:
                raise ValueError("is empty; FOCUS requires a date and time here")
            return found

        try:
            currency = values.text(cell("BillingCurrency"))
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
                charge_category=values.text(cell("ChargeCategory")),
                provider=values.text(cell("ServiceProviderName") or cell("ProviderName")),
                service_name=values.text(cell("ServiceName")),
                service_category=values.text(cell("ServiceCategory")),
                sub_account_id=values.text(cell("SubAccountId")),
                sub_account_name=values.text(cell("SubAccountName")),
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
def _open(path: Path) -> Iterator[tuple[IO[str], IO[bytes]]]:
    """The file as text, gunzipped when it is gzip (told by its first bytes, not its name),
    without a BOM; fields may hold line breaks (``newline=""``). Beside it, the file as
    stored, whose position is how far the text has been read."""
    zipped = _magic(path, len(GZIP_MAGIC)) == GZIP_MAGIC
    try:
        raw = path.open("rb")
    except OSError as exc:
        msg = f"{path}: cannot read it ({exc.strerror})"
        raise FocusFileError(msg) from None
    with raw:
        binary = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if zipped else raw
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
            yield text, raw
