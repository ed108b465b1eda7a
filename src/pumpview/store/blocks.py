"""Aggregates over aligned blocks of days, so a report over any range reads a few rows.

A block of level ``k`` covers the ``4**k`` days whose day number (days since 1970-01-01) shares
the quotient by ``4**k``: single days, 4, 16, 64 and 256 days. Any range of days is tiled by at
most three blocks per level at each end (``cover``), so a 365-day report reads about 20 blocks
instead of 365 days.

Level 0 of each ``*_blocks`` table is summed from ``usage_daily`` and each higher block from its
four children. ``refresh`` rebuilds every block that contains a day of a re-synced range, inside
the caller's transaction, so the blocks always agree with the rollup they sum.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from functools import cache

from sqlalchemy import (
    Connection,
    Date,
    Executable,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from pumpview.store import tables
from pumpview.store.measures import MEASURES, stored_columns
from pumpview.timeutil import EPOCH

BRANCHING = 4
"""Days per block grow fourfold a level: fewer levels to rebuild per window than halving, for a
few more blocks per report (measured in benchmarks/reports.py)."""
MAX_LEVEL = 4
"""Blocks of up to 256 days."""

Block = tuple[int, date]
"""(level, first day)."""

BLOCK_TABLES: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (tables.person_blocks, ("email",)),
    (tables.model_blocks, ("model",)),
    (tables.integration_blocks, ()),
    (tables.person_model_blocks, ("email", "model")),
)
"""Each block table with the ``usage_daily`` columns it keeps apart."""


def size(level: int) -> int:
    """Days in a block of ``level``."""
    return int(BRANCHING**level)


def first_of_block(day: date, level: int) -> date:
    """The first day of the level-``level`` block that contains ``day``."""
    number = (day - EPOCH).days
    return EPOCH + timedelta(days=number - number % size(level))


def cover(first: date, last: date) -> list[Block]:
    """The fewest blocks that tile ``[first, last]`` exactly, oldest first."""
    start, end = (first - EPOCH).days, (last - EPOCH).days + 1
    out: list[Block] = []
    while start < end:
        level = MAX_LEVEL
        while start % size(level) or start + size(level) > end:
            level -= 1
        out.append((level, EPOCH + timedelta(days=start)))
        start += size(level)
    return out


def containing(first: date, last: date, level: int) -> list[date]:
    """The first days of the level-``level`` blocks that contain a day of ``[first, last]``."""
    span = timedelta(days=size(level))
    day, out = first_of_block(first, level), []
    while day <= last:
        out.append(day)
        day += span
    return out


def refresh(
    conn: Connection,
    integration_id: int,
    first: date,
    last: date,
    only: Collection[str] | None = None,
    measures: tuple[str, ...] = MEASURES,
    named: Mapping[str, str] | None = None,
) -> None:
    """Rebuild every block holding a day of ``[first, last]`` from ``usage_daily``, with the
    people who used each model in each block. A migration names what exists at its revision:
    ``only`` the block tables to rebuild (all when ``None``), ``measures`` the measures to sum
    (the tables' columns then, not today's), ``named`` the tables' names then where they were
    other than today's (``integration_blocks`` was ``team_blocks`` until 0013)."""
    days = {"iid": integration_id, "lo": first, "hi": last}
    for table, dimension in BLOCK_TABLES:
        name = (named or {}).get(table.name, table.name)
        if only is not None and name not in only:
            continue
        clear, fill = _statements(table.name, name, dimension, 0, measures)
        conn.execute(clear, [days])
        conn.execute(fill, [days])
        if table is tables.model_blocks:
            _set_people(conn, integration_id, 0, _daily_people(conn, integration_id, first, last))
        for level in range(1, MAX_LEVEL + 1):
            span = timedelta(days=size(level) - 1)
            starts = containing(first, last, level)
            params = [
                {"iid": integration_id, "block": block, "lo": block, "hi": block + span}
                for block in starts
            ]
            clear, fill = _statements(table.name, name, dimension, level, measures)
            conn.execute(clear, params)
            conn.execute(fill, params)
            if table is tables.model_blocks:
                children = _child_people(conn, integration_id, level, starts[0], starts[-1] + span)
                _set_people(conn, integration_id, level, children)


PeopleByBlock = dict[tuple[date, str], set[str]]
"""(first day of a block, model) -> the emails that used the model in it."""


def _daily_people(conn: Connection, integration_id: int, first: date, last: date) -> PeopleByBlock:
    daily = tables.usage_daily
    out: PeopleByBlock = {}
    rows = conn.execute(
        select(daily.c.day, daily.c.model, daily.c.email)
        .where(daily.c.integration_id == integration_id, daily.c.day.between(first, last))
        .distinct()
    )
    for day, model, email in rows:
        out.setdefault((day, model), set()).add(email)
    return out


def _child_people(
    conn: Connection, integration_id: int, level: int, first: date, last: date
) -> PeopleByBlock:
    """The union of the children's lists, per level-``level`` block within ``[first, last]``."""
    blocks = tables.model_blocks
    out: PeopleByBlock = {}
    rows = conn.execute(
        select(blocks.c.first_day, blocks.c.model, blocks.c.people).where(
            blocks.c.integration_id == integration_id,
            blocks.c.level == level - 1,
            blocks.c.first_day.between(first, last),
        )
    )
    for first_day, model, people in rows:
        out.setdefault((first_of_block(first_day, level), model), set()).update(json.loads(people))
    return out


def _set_people(conn: Connection, integration_id: int, level: int, people: PeopleByBlock) -> None:
    if not people:
        return
    blocks = tables.model_blocks
    conn.execute(
        update(blocks)
        .where(
            blocks.c.integration_id == bindparam("iid"),
            blocks.c.level == bindparam("lvl"),
            blocks.c.first_day == bindparam("day"),
            blocks.c.model == bindparam("mdl"),
        )
        .values(people=bindparam("ppl")),
        [
            {"iid": integration_id, "lvl": level, "day": day, "mdl": model,
             "ppl": json.dumps(sorted(emails))}
            for (day, model), emails in people.items()
        ],
    )  # fmt: skip


@cache
def _statements(
    today: str,
    name: str,
    dimension: tuple[str, ...],
    level: int,
    measures: tuple[str, ...] = MEASURES,
) -> tuple[Executable, Executable]:
    """The DELETE and INSERT ... SELECT that rebuild blocks of ``level``, built once: a sync
    runs them for every window, and building SQLAlchemy statements costs more than running them.

    Level 0 sums ``usage_daily`` per day over ``[:lo, :hi]``; a higher block ``:block`` sums its
    children, the blocks one level down within ``[:lo, :hi]``. Only the columns of ``measures``
    are named, so a migration's older tables, without later measures, are filled as they stand.
    """
    table = tables.metadata.tables[today]
    if name != today:  # a migration's, on the table as it was named at its revision
        table = table.to_metadata(MetaData(), name=name)
    stored = stored_columns(measures)
    columns = ["integration_id", "level", "first_day", *dimension, *stored]
    iid = bindparam("iid", type_=Integer)
    lo, hi = bindparam("lo", type_=Date), bindparam("hi", type_=Date)
    if level == 0:
        daily = tables.usage_daily
        source = (
            select(
                daily.c.integration_id,
                literal(0, Integer),
                daily.c.day,
                *(daily.c[d] for d in dimension),
                *(func.sum(daily.c[c]) for c in stored),
            )
            .where(daily.c.integration_id == iid, daily.c.day.between(lo, hi))
            .group_by(daily.c.integration_id, daily.c.day, *(daily.c[d] for d in dimension))
        )
        clear = delete(table).where(
            table.c.integration_id == iid, table.c.level == 0, table.c.first_day.between(lo, hi)
        )
    else:
        block = bindparam("block", type_=Date)
        source = (
            select(
                table.c.integration_id,
                literal(level, Integer),
                block,
                *(table.c[d] for d in dimension),
                *(func.sum(table.c[c]) for c in stored),
            )
            .where(
                table.c.integration_id == iid,
                table.c.level == level - 1,
                table.c.first_day.between(lo, hi),
            )
            .group_by(table.c.integration_id, *(table.c[d] for d in dimension))
        )
        clear = delete(table).where(
            table.c.integration_id == iid, table.c.level == level, table.c.first_day == block
        )
    if "people" in table.c:  # filled in by ``_set_people`` right after
        source = source.add_columns(literal("[]", Text))
        columns.append("people")
    fill = insert(table).from_select(columns, source)
    return clear, fill
