"""FOCUS rows into a file, CSV or Parquet, whole or not at all, with a metadata file beside it.

Every file is written under a temporary name in the target's folder and renamed into place
only once complete (``staged``): a failure, a full disk or Ctrl-C leaves the old file, or none,
never half of one. Numbers are written exactly and in plain notation (FOCUS forbids a positive
exponent sign: focus-data-toolkit's 1.4 lint rejects ``4E+1``); nulls are empty fields in CSV
(as the spec's own examples and the providers write them) and nulls in Parquet.

Parquet money columns are ``decimal(38, 26)``, not the ``decimal(38, 17)`` of
``focus-data-toolkit``: Cursor's cents carry up to 20 decimals (float noise such as
``0.40166999999999994``), the store keeps up to 24, and a dollar amount has two more; 17 would
round them. pyarrow refuses a value that does not fit rather than rounding it.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pumpview.errors import UserInputError
from pumpview.exports.focus.columns import TYPES
from pumpview.money import format_cents

FORMATS = ("csv", "parquet")
PRECISION, SCALE = 38, 26
PARQUET_BATCH = 10_000
"""Rows per Parquet record batch: memory stays bounded whatever the export's size."""
_METADATA_TYPES = {"Decimal": "DECIMAL", "String": "STRING", "DateTime": "DATETIME",
                   "JSON": "JSON", "Integer": "INTEGER", "Boolean": "BOOLEAN"}  # fmt: skip


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        msg = f"--format: {fmt!r} is not one of {', '.join(FORMATS)}"
        raise UserInputError(msg)
    return fmt


def metadata_path(path: Path) -> Path:
    """Where the metadata of the export at ``path`` goes: ``costs.csv`` ->
    ``costs.csv.metadata.json`` (by the whole name: a CSV and a Parquet export side by side
    keep a metadata file each)."""
    return path.with_name(f"{path.name}.metadata.json")


@contextmanager
def staged(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed to ``path`` when the block ends
    without an error, removed otherwise."""
    folder = path.parent
    if path.is_dir():
        msg = f"--out: {path} is a folder; name a file in it"
        raise UserInputError(msg)
    if not folder.is_dir():
        msg = f"--out: the folder {folder} does not exist"
        raise UserInputError(msg)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    except OSError as exc:
        msg = f"--out: cannot write in {folder}: {exc.strerror or exc}"
        raise UserInputError(msg) from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def write_rows(
    path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fmt: str
) -> None:
    """``rows`` (typed values, ``cursor_mapping``) as a FOCUS file of ``columns``."""
    if check_format(fmt) == "csv":
        _csv(path, rows, columns)
    else:
        _parquet(path, rows, columns)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def text(value: object) -> str:
    """A cell as CSV text: exact plain numbers, ``true``/``false``, UTC instants with ``Z``,
    tags as compact JSON, null as an empty field."""
    kind = type(value)  # by exact type, most frequent first: this runs for every cell
    if kind is str:
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if kind is Decimal:
        return format_cents(value)  # type: ignore[arg-type]
    if kind is bool:
        return "true" if value else "false"
    if kind is datetime:
        return _instant(value)
    if kind is dict:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


@lru_cache(maxsize=4096)
def _instant(moment: datetime) -> str:
    """An instant as FOCUS writes it; a year's rows share a few hundred days."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def column_definitions(columns: Sequence[str], tag_prefixes: Sequence[str]) -> list[dict[str, Any]]:
    """The metadata's ``ColumnDefinition`` list (FOCUS schema metadata)."""
    out: list[dict[str, Any]] = []
    for name in columns:
        kind = _METADATA_TYPES[TYPES[name]]
        entry: dict[str, Any] = {"ColumnName": name, "DataType": kind}
        if kind == "DECIMAL":
            entry.update(NumericPrecision=PRECISION, NumberScale=SCALE)
        elif kind == "STRING":
            entry["StringEncoding"] = "UTF-8"
        elif name == "Tags":
            entry["ProviderTagPrefixes"] = list(tag_prefixes)
        out.append(entry)
    return out


def _csv(path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    # RFC 4180 line ends, as every CSV of ours: a field holding a line break is quoted.
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows([text(row[c]) for c in columns] for row in rows)


def _parquet(path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - Parquet alone needs it
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415

    types = {
        "Decimal": pa.decimal128(PRECISION, SCALE), "String": pa.string(),
        "DateTime": pa.timestamp("us", tz="UTC"), "JSON": pa.string(), "Integer": pa.int64(),
        "Boolean": pa.bool_(),
    }  # fmt: skip
    schema = pa.schema([(name, types[TYPES[name]]) for name in columns])
    json_columns = [name for name in columns if TYPES[name] == "JSON"]

    def batch_of(chunk: list[Mapping[str, Any]]) -> Any:
        values = {name: [row[name] for row in chunk] for name in columns}
        for name in json_columns:  # FOCUS: "serialized JSON", a string, not a map
            values[name] = [None if v is None else text(v) for v in values[name]]
        return pa.RecordBatch.from_arrays(
            [pa.array(values[f.name], type=f.type) for f in schema], schema=schema
        )

    with pq.ParquetWriter(path, schema) as out:
        chunk: list[Mapping[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == PARQUET_BATCH:
                out.write_batch(batch_of(chunk))
                chunk = []
        out.write_batch(batch_of(chunk))
