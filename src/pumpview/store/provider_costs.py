"""Reading ``provider_costs``: what a provider bills the organisation per day, line by line
(Anthropic's cost report, GitHub's billing aggregate), as the sync stored it. Amounts are exact
``Decimal`` cents, never summed in SQL (SQLite's SUM over text goes through float)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from pumpview.store import tables


@dataclass(frozen=True, slots=True)
class CostLine:
    """One line of one day's bill."""

    integration_id: int
    day: date
    line: str
    model: str | None
    cents: Decimal
    currency: str


def lines(conn: Connection, ids: Sequence[int], first: date, last: date) -> list[CostLine]:
    """The bill's lines of the integrations ``ids`` over ``[first, last]`` (UTC days), by
    integration, day and line."""
    table = tables.provider_costs
    query = (
        select(table.c.integration_id, table.c.day, table.c.line, table.c.model,
               table.c.amount_cents, table.c.currency)
        .where(table.c.integration_id.in_(list(ids)), table.c.day.between(first, last))
        .order_by(table.c.integration_id, table.c.day, table.c.line)
    )  # fmt: skip
    return [
        CostLine(int(iid), day, line, model, Decimal(cents), currency)
        for iid, day, line, model, cents, currency in conn.execute(query)
    ]
