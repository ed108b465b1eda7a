"""Report rows as plain data: the one path from rows to exact strings, for the CLI and the API.

Money becomes an exact decimal string (never a float, never an exponent), dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from pumpview.money import format_cents
from pumpview.spreadsheet import defuse
from pumpview.store.measures import MEASURES

Plain = str | int | bool | None | dict[str, "Plain"]


def plain(value: object) -> Plain:
    """JSON/CSV-safe data: Decimal -> exact string, date -> YYYY-MM-DD; a dataclass or a mapping
    (a row's ``providers``) -> an object of plain values."""
    if isinstance(value, Decimal):
        return format_cents(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value  # type: ignore[return-value]


def records(rows: Sequence[object], columns: Sequence[str]) -> list[dict[str, Plain]]:
    """``rows`` (dataclasses or mappings) as plain dicts of ``columns``, in that order."""
    out = []
    for row in rows:
        if dataclasses.is_dataclass(row):
            out.append({c: plain(getattr(row, c)) for c in columns})  # properties too
        else:
            out.append({c: plain(row[c]) for c in columns})  # type: ignore[index]
    return out


def measures(row: object) -> dict[str, Plain]:
    """Every additive measure of ``row`` as plain values, by name."""
    return {name: plain(getattr(row, name)) for name in MEASURES}


def csv_text(data: Sequence[Mapping[str, Plain]], columns: Sequence[str]) -> str:
    """Plain rows as RFC 4180 CSV: CRLF line ends, so a field holding a bare \r is quoted
    (a \n terminator would leave it to split the row). Every CSV meant for people (the CLI's
    ``--format csv``, the web app's downloads) is written here, its texts defused: a name a
    spreadsheet would run as a formula is shown as text (``spreadsheet.defuse``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(
        {c: defuse(v) if isinstance(v, str) else _cell(v) for c, v in row.items()} for row in data
    )
    return buffer.getvalue()


def _cell(value: Plain) -> Plain:
    """An object (a row's ``providers``) as its JSON text in one cell."""
    return (
        json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value
    )
