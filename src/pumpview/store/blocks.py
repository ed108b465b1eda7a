"""Aggregates over aligned blocks of days, so a report over any range reads a few rows.

A block of level ``k`` covers the ``2**k`` days whose day number (days since 1970-01-01) shares
the quotient by ``2**k``. Any range of days is tiled by at most two blocks per level (``cover``),
so a 365-day report reads at most 17 blocks instead of 365 days; levels stop at ``MAX_LEVEL``.

Level 0 of each ``*_blocks`` table is summed from ``usage_daily`` and each higher block from its
two children. ``refresh`` rebuilds every block that contains a day of a re-synced range, inside
the caller's transaction, so the blocks always agree with the rollup they sum.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, Date, Integer, Table, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from pumpview.store import tables
from pumpview.store.measures import STORED
from pumpview.timeutil import EPOCH

MAX_LEVEL = 9
"""Blocks of up to 512 days: a year-long range needs no more."""

Block = tuple[int, date]
"""(level, first day)."""

BLOCK_TABLES: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (tables.person_blocks, ("email",)),
    (tables.model_blocks, ("model",)),
    (tables.team_blocks, ()),
)
"""Each block table with the ``usage_daily`` columns it keeps apart."""


def first_of_block(day: date, level: int) -> date:
    """The first day of the level-``level`` block that contains ``day``."""
    number = (day - EPOCH).days
    return EPOCH + timedelta(days=number - number % (1 << level))


def cover(first: date, last: date) -> list[Block]:
    """The fewest blocks that tile ``[first, last]`` exactly, oldest first."""
    start, end = (first - EPOCH).days, (last - EPOCH).days + 1
    out: list[Block] = []
    while start < end:
        level = MAX_LEVEL
        while start % (1 << level) or start + (1 << level) > end:
            level -= 1
        out.append((level, EPOCH + timedelta(days=start)))
        start += 1 << level
    return out


def containing(first: date, last: date, level: int) -> list[date]:
    """The first days of the level-``level`` blocks that contain a day of ``[first, last]``."""
    span = timedelta(days=1 << level)
    day, out = first_of_block(first, level), []
    while day <= last:
        out.append(day)
        day += span
    return out


def refresh(conn: Connection, integration_id: int, first: date, last: date) -> None:
    """Rebuild every block holding a day of ``[first, last]`` from ``usage_daily``, and note the
    (model, person) pairs of those days in ``model_people``."""
    daily = tables.usage_daily
    in_range = (daily.c.integration_id == integration_id, daily.c.day.between(first, last))
    for table, dimension in BLOCK_TABLES:
        _replace(
            conn,
            table,
            integration_id,
            (table.c.level == 0, table.c.first_day.between(first, last)),
            select(
                literal(integration_id, Integer),
                literal(0, Integer),
                daily.c.day,
                *(daily.c[name] for name in dimension),
                *(func.sum(daily.c[name]) for name in STORED),
            )
            .where(*in_range)
            .group_by(daily.c.day, *(daily.c[name] for name in dimension)),
        )
        for level in range(1, MAX_LEVEL + 1):
            for block in containing(first, last, level):
                children = (
                    table.c.integration_id == integration_id,
                    table.c.level == level - 1,
                    table.c.first_day.between(block, block + timedelta(days=(1 << level) - 1)),
                )
                _replace(
                    conn,
                    table,
                    integration_id,
                    (table.c.level == level, table.c.first_day == block),
                    select(
                        literal(integration_id, Integer),
                        literal(level, Integer),
                        literal(block, Date),
                        *(table.c[name] for name in dimension),
                        *(func.sum(table.c[name]) for name in STORED),
                    )
                    .where(*children)
                    .group_by(*(table.c[name] for name in dimension))
                    .having(func.count() > 0),  # an empty block has no row, even ungrouped
                )
    pairs = tables.model_people
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(pairs)
        .from_select(
            ["integration_id", "model", "email"],
            select(daily.c.integration_id, daily.c.model, daily.c.email)
            .where(*in_range)
            .distinct(),
        )
        .on_conflict_do_nothing()
    )


def _replace(
    conn: Connection, table: Table, integration_id: int, where: tuple[object, ...], rows: object
) -> None:
    conn.execute(delete(table).where(table.c.integration_id == integration_id, *where))  # type: ignore[arg-type]
    columns = [c.name for c in table.columns]
    conn.execute(insert(table).from_select(columns, rows))  # type: ignore[arg-type]
