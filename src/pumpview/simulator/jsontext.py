"""JSON text with exact decimals: ``Decimal('40.16699999999999')`` is written as that number.

The standard encoder cannot write a ``Decimal`` as a JSON number, and going through ``float`` would
change the digits the ground truth is computed from. Events are rendered once and cached, so this
small walker is not on a hot path.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring


def dumps(value: object) -> str:
    """Serialise dicts, lists, str, int, bool, None and Decimal as compact JSON."""
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


def _write(value: object, out: Callable[[str], object]) -> None:
    if value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, str):
        out(encode_basestring(value))
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, Decimal):
        out(format(value, "f"))
    elif isinstance(value, dict):
        out("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out(",")
            out(encode_basestring(key))
            out(":")
            _write(item, out)
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        for i, item in enumerate(value):
            if i:
                out(",")
            _write(item, out)
        out("]")
    else:
        msg = f"cannot encode {type(value).__name__} as JSON"
        raise TypeError(msg)
