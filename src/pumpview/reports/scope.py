"""What a report covers: a ``Scope`` (the Cursor integrations and a ``ranges.Range`` of UTC
days), resolved from names and open ends, and the block reads every usage sum is made of.

Every figure is an exact sum over an inclusive range of UTC days. The range is tiled by a few
aligned blocks (``store.blocks.cover``), and SQL sums the blocks' exact integer measures, so a
report reads tens of rows per person or model whatever the range, never a row per event or day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from pumpview.errors import UserInputError
from pumpview.reports.ranges import Range
from pumpview.store import integrations as integrations_store
from pumpview.store import tables
from pumpview.store.blocks import cover
from pumpview.store.measures import STORED


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report covers: integration ids and an inclusive range of UTC days."""

    integration_ids: tuple[int, ...]
    range: Range


def scope(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
) -> Scope | None:
    """The report scope, with an open end set to the stored data's; ``None`` when no data.

    ``integrations`` are names (all when ``None``); an unknown name is a ``UserInputError``.
    """
    ids = integration_ids(conn, integrations)
    if since is None or until is None:
        whole = tables.integration_blocks
        first, last = conn.execute(
            select(func.min(whole.c.first_day), func.max(whole.c.first_day)).where(
                whole.c.integration_id.in_(ids), whole.c.level == 0
            )
        ).one()
        if first is None:
            return None
        since, until = since or first, until or last
    if since > until:
        return None
    return Scope(ids, Range("custom", since, until))


def integration_ids(conn: Connection, names: Sequence[str] | None) -> tuple[int, ...]:
    """The ids of the integrations ``names`` (all when ``None``); an unknown name is a
    ``UserInputError`` that lists the known ones."""
    known = integrations_store.ids(conn)
    if names:
        unknown = sorted(set(names) - set(known))
        if unknown:
            msg = f"no integration named {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
            raise UserInputError(msg)
        return tuple(sorted(known[name] for name in set(names)))
    return tuple(sorted(known.values()))


def in_blocks(table: Table, where: Scope) -> ColumnElement[bool]:
    """The rows of the blocks that tile the scope's range, as one index seek per level: SQLite
    seeks neither on a row-value ``IN`` nor on an ``OR`` unless each term names the whole key."""
    by_level: dict[int, list[date]] = {}
    for level, first_day in cover(where.range.since, where.range.until):
        by_level.setdefault(level, []).append(first_day)
    return or_(
        *(
            and_(
                table.c.integration_id.in_(where.integration_ids),
                table.c.level == level,
                table.c.first_day.in_(days),
            )
            for level, days in by_level.items()
        )
    )


def in_days(table: Table, where: Scope) -> ColumnElement[bool]:
    """The one-day blocks (level 0) of the scope's days: what a per-day read sums."""
    return and_(
        table.c.integration_id.in_(where.integration_ids),
        table.c.level == 0,
        table.c.first_day.between(where.range.since, where.range.until),
    )


def block_sums(table: Table) -> list[Any]:
    """Every stored measure of a blocks table, summed (``from_stored`` reads them back)."""
    return [func.sum(table.c[name]) for name in STORED]
