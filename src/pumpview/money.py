"""Money is Decimal from the JSON text to the database to the screen. This is the one place.

Cursor sends cents as JSON floats (``21.36232``, ``40.16699999999999``). We never let them become
``float``: JSON is parsed with every fractional number handed to ``Decimal`` as its text, so the
digits on the wire are the digits we keep.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact
from typing import Any

import msgspec

ZERO = Decimal(0)


_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as an exact ``Decimal``.

    msgspec (twice the speed of the standard library here, which matters for a million events);
    malformed or truncated text raises ``ValueError``, as ``json.loads`` does.
    """
    return _DECODER.decode(text)


def dumps(value: Any) -> str:
    """JSON text of what ``loads`` gave: every ``Decimal`` written back as the number it is."""
    return _ENCODER.encode(value).decode()


def to_decimal(value: object) -> Decimal:
    """A JSON number (int or Decimal, never float) or ``None`` as a ``Decimal``."""
    if value is None:
        return ZERO
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        msg = f"expected a JSON number, got {type(value).__name__}"
        raise TypeError(msg)
    return Decimal(value)


_PLAIN = Context(prec=1000, traps=[Inexact])
"""Where a number is written out: ``normalize`` under the default 28 digits would round a
29-digit total (a $10M sum carried to 20 decimals) without a word."""


def format_cents(value: Decimal) -> str:
    """An exact decimal string, no exponent, no trailing zeros: ``Decimal('1.50')`` -> ``'1.5'``."""
    if value == 0:
        return "0"
    return format(value.normalize(_PLAIN), "f")


_DISPLAY = Context(prec=200, rounding=ROUND_HALF_EVEN)


def to_dollars(cents: Decimal, places: int = 2) -> Decimal:
    """Cents as dollars rounded to ``places`` decimals, half to even: what people read (the
    pages, a download's ``*_usd`` columns); the exact cents stay beside them."""
    return cents.scaleb(-2).quantize(Decimal(1).scaleb(-places), context=_DISPLAY)


def format_dollars(cents: Decimal, places: int = 2) -> str:
    """Cents as dollars for people (``$1,234.57``; ``places`` decimals); rounding is for
    display only, the JSON and CSV keep every decimal."""
    dollars = to_dollars(cents, places)
    return f"{'-' if dollars < 0 else ''}${abs(dollars):,}"
