"""FOCUS cell values as they arrive from every provider, made exact and uniform: pure.

The tolerance rules are those of the FOCUS reference (§6.2): null spellings, dates with or
without ``T``/``Z``/seconds (and the spec's own ``M/D/YY`` examples), numbers as plain or
exponent strings (a ``$``/thousands-separated amount is repaired and said), tags as a JSON
object, JSON without its braces, a map or a key-value list. Each parser raises ``ValueError``
with what was wrong; the reader adds the file, line and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pumpview.store.measures import EXACT, FRACTION_DIGITS

NULLS = frozenset({"", "null", "none", "nan", "n/a"})
"""Cell texts that mean null in any column (compared lower-case, stripped)."""
STRING_NULLS = frozenset({"-2", "unassigned"})
"""Azure's placeholders for null, in string columns only (a cost of -2 is a cost)."""

AMOUNT_CHARS = 64
"""The longest amount text read: 15 whole digits, 24 decimals, a sign, an exponent, commas."""
AMOUNT_DIGITS = 15
"""Whole digits an amount may have: up to a thousand trillion in its currency. The store sums
amounts as integers (``store.measures``), whose range a larger one would overflow."""

TagValue = str | bool | int | float | None
Tags = dict[str, TagValue]


def is_null(value: object, *, string_column: bool = False) -> bool:
    """A cell that means null: ``None`` (Parquet), or text that spells it."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    folded = value.strip().lower()
    return folded in NULLS or (string_column and folded in STRING_NULLS)


_NUL = "\x00"
"""A character no FOCUS text has, and PostgreSQL's text cannot hold."""


def text(value: object) -> str | None:
    """A string column's value; ``None`` for any null spelling."""
    if is_null(value, string_column=True):
        return None
    found = str(value).strip()
    if _NUL in found:
        msg = f"{shown(found)} holds a NUL character, which no text is kept with"
        raise ValueError(msg)
    return found


_MONEY_NOISE = re.compile(r"[$,\s]")
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:(?:,\d{3})+|(?:\s\d{3})+)(?:\.\d+)?")
"""An amount whose commas or spaces separate thousands (``1,234,567.5``): the only ones taken
off. Elsewhere (``1,5``, a decimal comma) taking them off would read ten times the cost."""


def number(value: object) -> tuple[Decimal | None, bool]:
    """A decimal column's exact value and whether it had to be repaired (a ``$`` or a
    thousands separator, as the spec's SaaS examples write them). Parquet's decimals and
    integers are exact already; a double (AWS writes costs as doubles) is taken as the
    shortest decimal that reads back as it, the amount its writer printed."""
    if is_null(value):
        return None, False
    if isinstance(value, Decimal):
        return _in_range(value, str(value)), False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(repr(value))[0], False
    raw = str(value).strip()
    if len(raw) > AMOUNT_CHARS:
        msg = f"{shown(raw)} ({len(raw):,} characters) is too long for an amount"
        raise ValueError(msg)
    cleaned = _MONEY_NOISE.sub("", raw)
    bare = re.sub(r"^([-+]?)\s*", r"\1", raw.replace("$", "").strip())
    if bare != cleaned and not _GROUPED.fullmatch(bare):
        msg = (f"{shown(raw)} is not a number: a comma or space in an amount must separate "
               "thousands (FOCUS writes 1234.5)")  # fmt: skip
        raise ValueError(msg)
    try:
        parsed = Decimal(cleaned)
    except InvalidOperation:
        msg = f"{shown(raw)} is not a number"
        raise ValueError(msg) from None
    # Up to 25 characters without an exponent hold at most 24 decimals: most cells need not
    # have their digits counted (a tenth of the reader's time when every one was).
    short = len(cleaned) <= FRACTION_DIGITS + 1 and "e" not in cleaned and "E" not in cleaned
    return _in_range(parsed, raw, decimals_known=short), cleaned != raw


def _in_range(amount: Decimal, raw: str, *, decimals_known: bool = False) -> Decimal:
    """``amount`` if the store can hold it exactly: finite, fewer than ``AMOUNT_DIGITS`` whole
    digits, no more than ``FRACTION_DIGITS`` decimals (trailing zeros aside; not counted
    when ``decimals_known``)."""
    if not amount.is_finite():
        msg = f"{shown(raw)} is not a finite number"
        raise ValueError(msg)
    if amount and amount.adjusted() >= AMOUNT_DIGITS:
        msg = f"{shown(raw)} is out of range: amounts have at most {AMOUNT_DIGITS} whole digits"
        raise ValueError(msg)
    if decimals_known:
        return amount
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -FRACTION_DIGITS:
        scaled = amount.scaleb(FRACTION_DIGITS, EXACT)
        if scaled != scaled.to_integral_value():
            msg = f"{shown(raw)} has more than {FRACTION_DIGITS} decimals, which are not kept"
            raise ValueError(msg)
    return amount


def shown(raw: str, limit: int = 40) -> str:
    """A cell as an error message quotes it: its first characters, never a whole huge one."""
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")


def moment(value: object) -> datetime | None:
    """A date/time column as an aware UTC datetime: ISO 8601 with ``T`` or a space, with or
    without seconds and zone (UTC when none), a date alone, ``M/D/YY``, or Parquet's own
    timestamps and dates."""
    if is_null(value):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raw = str(value).strip()
    us = _US_DATE.match(raw)
    if us:
        month, day, year = (int(part) for part in us.groups())
        parsed = datetime(year + 2000 if year < 100 else year, month, day, tzinfo=UTC)
    else:
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            msg = f"{shown(raw)} is not a date and time"
            raise ValueError(msg) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def tags(value: Any) -> Tags:
    """Tags from a JSON object string (or one missing its braces, as old Azure exports wrote
    it), a mapping (Parquet map) or a list of key-value pairs or ``{key, value}`` structs
    (Parquet, BigQuery); values are kept as the file has them, scalars only."""
    if value is None:
        return {}
    if isinstance(value, str):
        if is_null(value):
            return {}
        raw = value.strip()
        if not raw.startswith("{"):
            raw = "{" + raw + "}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            msg = f"{shown(value, 60)} is not a JSON object of tags"
            raise ValueError(msg) from None
        except RecursionError:  # json's decoder nests a call per bracket
            msg = f"{shown(value, 60)} nests too deeply; tags are scalars"
            raise ValueError(msg) from None
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [
            (item["key"], item.get("value")) if isinstance(item, Mapping) else tuple(item)
            for item in value
        ]
    else:
        msg = f"tags must be a JSON object, a map or a list of pairs, not {type(value).__name__}"
        raise ValueError(msg)
    out: Tags = {}
    for key, tag in pairs:
        if isinstance(tag, dict | list):
            msg = f"the tag {shown(str(key))} holds a nested value; tags are scalars"
            raise ValueError(msg)
        if _NUL in str(key) or (isinstance(tag, str) and _NUL in tag):
            msg = f"the tag {shown(str(key))} holds a NUL character, which no tag is kept with"
            raise ValueError(msg)
        out[str(key)] = tag
    return out
