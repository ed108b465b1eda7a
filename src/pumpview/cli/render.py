"""Rows out: a Rich table for people, JSON (a list of objects) or CSV for scripts.

Money is an exact decimal string in cents in JSON and CSV; the table shows dollars.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pumpview.visible import for_terminal


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def emit(
    rows: Sequence[object],
    columns: Sequence[str],
    fmt: Format,
    title: str = "",
    on_screen: Sequence[str] | None = None,
    cards: bool = False,
) -> None:
    """Print ``rows``: every column in JSON and CSV; ``on_screen`` (default all) in the table.

    ``cards`` shows each row on screen as a field/value table of its own: for a few rows with
    many wide fields (the integrations), which a terminal would otherwise squeeze to ellipses.
    """
    from pumpview.reports.plain import csv_text, records  # noqa: PLC0415 - not for --help

    data = records(rows, columns)
    if fmt is Format.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))  # noqa: T201 - machine output
        return
    if fmt is Format.csv:
        print(csv_text(data, columns), end="")  # noqa: T201 - machine output
        return
    from rich.console import Console  # noqa: PLC0415 - tables only: JSON and CSV need no Rich
    from rich.table import Table  # noqa: PLC0415

    console = Console()
    columns = on_screen or columns
    if cards:
        for row in data:
            card = Table(title=f"{title}: {_cell(columns[0], row[columns[0]])}", show_header=False)
            card.add_column(style="bold")
            card.add_column(overflow="fold")
            for column in columns[1:]:
                card.add_row(_heading(column), _cell(column, row[column]))
            console.print(card)
        return
    table = Table(title=title or None)
    for column in columns:
        numeric = column.endswith(("_cents", "tokens", "requests", "events", "users"))
        table.add_column(_heading(column), justify="right" if numeric else "left")
    for row in data:
        table.add_row(*(_cell(c, row[c]) for c in columns))
    console.print(table)


WORDS = {
    "spend": "usage value",
    "cursor_spend": "cursor usage value",
    "usage": "usage value",
    "on_demand": "on-demand",
}
"""Headings in the words of ``reports.billing`` where a field keeps its first name
(``spend_cents`` is usage value)."""


def _heading(column: str) -> str:
    name = column.removesuffix("_cents")
    return WORDS.get(name, name.replace("_", " ")) + (" ($)" if column.endswith("_cents") else "")


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "—"
    if column.endswith("_cents"):
        return f"{Decimal(value) / 100:,.2f}"
    if column.endswith("_cost"):  # currency units (the currency is its own column)
        return f"{Decimal(value):,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    from rich.markup import escape  # noqa: PLC0415 - loaded with the table

    return escape(for_terminal(str(value)))
