"""Monthly blocks of the facts in ClickHouse: a month of final days summed once more.

A report over a year summed the daily rollup, 1.6M rows at 10M events (200-300 ms); the same
year in blocks is a few thousand rows a month. A month gets a block once every day of it is
stored and final (``usage.is_final``): its days' ``usage_daily`` rows are summed per person and
model into ``usage_monthly`` under a new block id, inside ClickHouse, and the block is committed
in the metadata store with the *digest* of the (day, version) bookmarks it summed.

A read uses a block only while the month's bookmarks in its own snapshot give that digest
(``valid``): a day re-synced since, or a block still being written, and the month is read from
the daily rollup instead, so a block never shows anything but what the bookmarks name. A block
superseded or never committed is deleted by ``collect``. Blocks are built and collected by the
sync that holds the integration's lease (``usage.store_window``, ``usage.collect``), so one
integration's blocks have one writer. On the SQL store none of this runs: its blocks are kept in
the database (``store.blocks``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update

from pumpview.store import tables
from pumpview.store.facts import clickhouse

Day = tuple[date, int, int]
"""A committed day of one integration: (day, version, fetched_at_ms)."""


def month_of(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of the month starting on ``month``."""
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def digest(cells: Iterable[tuple[date, int]]) -> str:
    """The fingerprint of a month's (day, version) bookmarks, whatever their order."""
    text = ";".join(f"{day.isoformat()}:{version}" for day, version in sorted(cells))
    return hashlib.sha256(text.encode()).hexdigest()


def valid(
    conn: Connection, ids: Sequence[int], committed: Iterable[tuple[int, date, int]]
) -> dict[tuple[int, date], int]:
    """(integration, month) -> the block a read of this snapshot may use: committed, with the
    digest of the ``committed`` (integration, day, version) bookmarks of its month."""
    months: dict[tuple[int, date], list[tuple[date, int]]] = defaultdict(list)
    for iid, day, version in committed:
        months[iid, month_of(day)].append((day, version))
    blocks = tables.fact_blocks
    rows = conn.execute(
        select(blocks.c.integration_id, blocks.c.month, blocks.c.id, blocks.c.digest)
        .where(blocks.c.integration_id.in_(list(ids)), blocks.c.digest.is_not(None))
        .order_by(blocks.c.id)
    )
    usable: dict[tuple[int, date], int] = {}
    for iid, month, block, fingerprint in rows:
        cells = months.get((iid, month))
        if cells and digest(cells) == fingerprint:
            usable[iid, month] = block
    return usable


def _committed(conn: Connection, integration_id: int) -> list[Day]:
    days = tables.sync_days
    return [
        (day, version, fetched_at_ms)
        for day, version, fetched_at_ms in conn.execute(
            select(days.c.day, days.c.version, days.c.fetched_at_ms).where(
                days.c.integration_id == integration_id, days.c.version.is_not(None)
            )
        )
    ]


def due(days: Sequence[Day], built: Mapping[date, str]) -> dict[date, list[Day]]:
    """The months that need a (new) block: every day of the month is stored and final, and
    ``built`` holds no block of that digest. The month a history starts in is left to the daily
    rollup: a backfill reads newest first, and would have it rebuilt with every window."""
    from pumpview.store.usage import is_final  # noqa: PLC0415 - usage builds blocks itself

    months: dict[date, list[Day]] = defaultdict(list)
    for row in days:
        months[month_of(row[0])].append(row)
    wanted = {}
    for month, rows in months.items():
        whole = len(rows) == (month_end(month) - month).days + 1
        if not whole or not all(is_final(day, at) for day, _version, at in rows):
            continue
        if built.get(month) != digest((day, version) for day, version, _at in rows):
            wanted[month] = rows
    return wanted


def refresh(engine: Engine, integration_id: int, months: Collection[date] | None = None) -> int:
    """Build the blocks the integration's ``months`` (all, when ``None``) are due; return how
    many were committed. Only under the integration's sync lease."""
    client = clickhouse(engine)
    if client is None:
        return 0
    from pumpview.store.clickhouse import write as clickhouse_write  # noqa: PLC0415 - only then

    blocks = tables.fact_blocks
    with engine.connect() as conn:
        days = _committed(conn, integration_id)
        built = dict(
            conn.execute(
                select(blocks.c.month, blocks.c.digest).where(
                    blocks.c.integration_id == integration_id, blocks.c.digest.is_not(None)
                )
            ).all()
        )
    committed = 0
    for month, rows in sorted(due(days, built).items()):
        if months is not None and month not in months:
            continue
        cells = [(day, version) for day, version, _at in rows]
        with engine.begin() as conn:
            block = int(
                conn.execute(
                    insert(blocks)
                    .values(integration_id=integration_id, month=month, digest=None)
                    .returning(blocks.c.id)
                ).scalar_one()
            )
        clickhouse_write.write_block(client, integration_id, block, month, cells)
        committed += _commit(engine, integration_id, block, month, digest(cells))
    return committed


def _commit(engine: Engine, integration_id: int, block: int, month: date, fingerprint: str) -> int:
    """Make ``block`` its month's, if the month's bookmarks still give ``fingerprint``; the
    month's earlier block is dropped from the metadata (``collect`` deletes its rows)."""
    blocks = tables.fact_blocks
    with engine.begin() as conn:
        now = [(day, version) for day, version, _at in _committed(conn, integration_id)
               if month_of(day) == month]  # fmt: skip
        if digest(now) != fingerprint:
            return 0  # a day changed meanwhile: the block stays uncommitted, for collect
        conn.execute(
            delete(blocks).where(
                blocks.c.integration_id == integration_id,
                blocks.c.month == month,
                blocks.c.id != block,
            )
        )
        conn.execute(update(blocks).where(blocks.c.id == block).values(digest=fingerprint))
    return 1


def collect(engine: Engine, integration_id: int) -> None:
    """Forget the integration's blocks no read may use any more (never committed, or their
    month's bookmarks changed since) and delete from ClickHouse every block's rows the
    metadata does not keep. Only under the integration's sync lease."""
    client = clickhouse(engine)
    if client is None:
        return
    from pumpview.store.clickhouse import write as clickhouse_write  # noqa: PLC0415 - only then

    blocks = tables.fact_blocks
    with engine.begin() as conn:
        days = _committed(conn, integration_id)
        current = valid(
            conn, [integration_id], ((integration_id, day, version) for day, version, _at in days)
        )
        keep = sorted(current.values())
        conn.execute(
            delete(blocks).where(
                blocks.c.integration_id == integration_id, blocks.c.id.not_in(keep)
            )
        )
    clickhouse_write.drop_blocks(client, integration_id, keep)
