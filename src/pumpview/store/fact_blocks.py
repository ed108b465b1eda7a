"""Blocks of the facts in ClickHouse: whole months, and weeks of them, of final days summed once
more.

A report over a year summed the daily rollup, 1.6M rows at 10M events (200-300 ms). A block sums
a span of days per person and model (``usage_blocks``) and per day and model
(``usage_block_days``): a few thousand rows however many events the span held. The spans are each
calendar month and its four slices (days 1-7, 8-14, 15-21 and 22 to the month's end), so a range
is read as whole months, then whole slices at its edges, then at most six days at each end from
the daily rollup (``ClickHouseFacts._visible``). A span gets a block once every day of it is
stored and final (``usage.is_final``): its ``usage_daily`` rows are summed inside ClickHouse
under a new block id, and the block is committed in the metadata store with the *digest* of the
(day, version) bookmarks it summed.

A read uses a block only while the span's bookmarks in its own snapshot give that digest
(``valid``): a day re-synced since, or a block still being written, and the span is read from the
daily rollup instead, so a block never shows anything but what the bookmarks name. A block
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
from pumpview.store.facts import clickhouse, cluster

Day = tuple[date, int, int]
"""A committed day of one integration: (day, version, fetched_at_ms)."""
Span = tuple[date, date]
"""The first and last day of a block."""
SLICE_STARTS = (1, 8, 15, 22)
"""The days of the month its slices start on; the last runs to the month's end."""


def month_of(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_span(day: date) -> Span:
    """The month holding ``day``, as a span."""
    first = month_of(day)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def slice_span(day: date) -> Span:
    """The slice of its month holding ``day``."""
    start = max(s for s in SLICE_STARTS if s <= day.day)
    if start == SLICE_STARTS[-1]:
        return day.replace(day=start), month_span(day)[1]
    return day.replace(day=start), day.replace(day=start + 6)


def spans(month: date) -> list[Span]:
    """The spans of the month starting on ``month``: the month, then its slices."""
    return [month_span(month), *(slice_span(month.replace(day=s)) for s in SLICE_STARTS)]


def digest(cells: Iterable[tuple[date, int]]) -> str:
    """The fingerprint of a span's (day, version) bookmarks, whatever their order."""
    text = ";".join(f"{day.isoformat()}:{version}" for day, version in sorted(cells))
    return hashlib.sha256(text.encode()).hexdigest()


def _in(span: Span, versions: Mapping[date, int]) -> list[tuple[date, int]]:
    """The (day, version) bookmarks of ``span`` among ``versions``."""
    days = ((span[0] + timedelta(days=i)) for i in range((span[1] - span[0]).days + 1))
    return [(day, versions[day]) for day in days if day in versions]


def valid(
    conn: Connection, ids: Sequence[int], committed: Iterable[tuple[int, date, int]]
) -> dict[tuple[int, date, date], int]:
    """(integration, first day, last day) -> the block a read of this snapshot may use there:
    committed, with the digest of the ``committed`` (integration, day, version) bookmarks of
    its span."""
    versions: dict[int, dict[date, int]] = defaultdict(dict)
    for iid, day, version in committed:
        versions[iid][day] = version
    blocks = tables.fact_blocks
    rows = conn.execute(
        select(
            blocks.c.integration_id, blocks.c.first_day, blocks.c.last_day, blocks.c.id,
            blocks.c.digest,
        )
        .where(blocks.c.integration_id.in_(list(ids)), blocks.c.digest.is_not(None))
        .order_by(blocks.c.id)
    )  # fmt: skip
    usable: dict[tuple[int, date, date], int] = {}
    for iid, first, last, block, fingerprint in rows:
        cells = _in((first, last), versions[iid])
        if cells and digest(cells) == fingerprint:
            usable[iid, first, last] = block
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


def due(days: Sequence[Day], built: Mapping[Span, str]) -> dict[Span, list[tuple[date, int]]]:
    """The spans that need a (new) block, with their (day, version) bookmarks: every day of
    the span is stored and final, and ``built`` holds no block of that digest there. A span
    the history starts inside is left to the daily rollup: a backfill reads newest first,
    and would have it rebuilt with every window."""
    from pumpview.store.usage import is_final  # noqa: PLC0415 - usage builds blocks itself

    final = {day: version for day, version, at in days if is_final(day, at)}
    wanted = {}
    for month in sorted({month_of(day) for day in final}):
        for span in spans(month):
            cells = _in(span, final)
            whole = len(cells) == (span[1] - span[0]).days + 1
            if whole and built.get(span) != digest(cells):
                wanted[span] = cells
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
        built = {
            (first, last): fingerprint
            for first, last, fingerprint in conn.execute(
                select(blocks.c.first_day, blocks.c.last_day, blocks.c.digest).where(
                    blocks.c.integration_id == integration_id, blocks.c.digest.is_not(None)
                )
            )
        }
    committed = 0
    for span, cells in sorted(due(days, built).items()):
        if months is not None and month_of(span[0]) not in months:
            continue
        with engine.begin() as conn:
            block = int(
                conn.execute(
                    insert(blocks)
                    .values(integration_id=integration_id, first_day=span[0], last_day=span[1])
                    .returning(blocks.c.id)
                ).scalar_one()
            )
        clickhouse_write.write_block(client, integration_id, block, span[0], cells)
        committed += _commit(engine, integration_id, block, span, digest(cells))
    return committed


def _commit(engine: Engine, integration_id: int, block: int, span: Span, fingerprint: str) -> int:
    """Make ``block`` its span's, if the span's bookmarks still give ``fingerprint``; the span's
    earlier block is dropped from the metadata (``collect`` deletes its rows)."""
    blocks = tables.fact_blocks
    with engine.begin() as conn:
        versions = {day: version for day, version, _at in _committed(conn, integration_id)}
        if digest(_in(span, versions)) != fingerprint:
            return 0  # a day changed meanwhile: the block stays uncommitted, for collect
        conn.execute(
            delete(blocks).where(
                blocks.c.integration_id == integration_id,
                blocks.c.first_day == span[0],
                blocks.c.last_day == span[1],
                blocks.c.id != block,
            )
        )
        conn.execute(update(blocks).where(blocks.c.id == block).values(digest=fingerprint))
    return 1


def collect(engine: Engine, integration_id: int) -> None:
    """Forget the integration's blocks no read may use any more (never committed, or their
    span's bookmarks changed since) and delete from ClickHouse every block's rows the
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
    clickhouse_write.drop_blocks(client, integration_id, keep, cluster=cluster(engine))
