"""What a CSV cell holds for a value of a report's JSON: the independent reading of
``reports.plain.csv_text`` that the download tests compare with."""

from __future__ import annotations

import json
from typing import Any


def cell(value: Any) -> str:
    """Empty for ``null``, an object's JSON text (keys sorted), else the value as text."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
