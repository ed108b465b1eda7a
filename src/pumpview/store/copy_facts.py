"""Moving an install's facts from the SQL store into ClickHouse: ``pumpview store copy-facts``.

An install that kept its facts in SQLite or PostgreSQL moves them once, then runs with
``PUMPVIEW_CLICKHOUSE_URL`` set. ``copy_to_clickhouse`` copies, per integration, every day the
metadata says is not in ClickHouse yet (``sync_days.version`` NULL) exactly as a sync with
ClickHouse would have written it: a chunk of consecutive days (oldest first) is read from the SQL
``usage_events`` in id order, folded into its rollup (``rollup.fold``), sent under a new version
(``fact_writes``, committed first) and made visible by setting the days' ``version`` in one
metadata transaction.

Resumable: a copy killed anywhere leaves each chunk either committed or not at all; the next run
collects what a dead chunk left in ClickHouse (``usage.collect``) and copies only the days still
NULL. A sync on the SQL store may keep running meanwhile: a day it rewrites after the chunk was
read keeps its NULL (its ``fetched_at_ms`` changed) and is copied by the next pass; a day it
rewrites after it was copied gets its NULL back from the sync's bookmark and is copied again.

Then the FOCUS cloud costs: every live import's cost rows and daily sums, under the same import
id (``store.copy_cloud``, whose docstring tells why a killed copy or an import meanwhile is
safe). A pass copies the days left, then the imports left; the copy ends when a metadata
snapshot finds neither.

Then everything is verified on that snapshot: every measure of every integration per day, per
person and per model over its whole span, as the SQL store answers (``SqlFacts``) and as
ClickHouse does (``ClickHouseFacts``), and the cloud costs' charge days and sums per day,
source, currency, provider, service, owner and team (``copy_cloud.difference``), equal to the
last decimal, or ``CopyError`` names the first difference. The SQL facts are never deleted:
unsetting the URL goes back to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from pumpview.errors import PumpViewError
from pumpview.store import copy_cloud, integrations, rollup, tables, usage
from pumpview.store.clickhouse import write as clickhouse_write
from pumpview.store.clickhouse.read import ClickHouseFacts
from pumpview.store.engine import snapshot
from pumpview.store.facts import CLICKHOUSE, clickhouse
from pumpview.store.measures import MEASURES
from pumpview.store.sql_facts import READ_BATCH, SqlFacts
from pumpview.timeutil import MS_PER_DAY, SYSTEM_CLOCK, Clock, day_start_ms

PASSES = 3
"""Passes over the days and imports left before giving up: each pass copies what a sync rewrote
(or an import swapped in) during the one before, so only syncs that keep rewriting days faster
than they are copied exhaust them."""


class CopyError(PumpViewError):
    """The copy could not finish or does not match the SQL store; the SQL store is unchanged."""


@dataclass(frozen=True, slots=True)
class CopyProgress:
    """Where a copy is, after each chunk (and at each pass's start)."""

    days_total: int
    """Days to copy: those left at the start, and those a sync rewrote meanwhile."""
    days_done: int
    events: int
    chunks: int
    imports: int
    """FOCUS imports copied whole (their cost rows and daily sums)."""
    cost_rows: int
    """FOCUS cost rows sent, the current import's so far included."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    integrations: int
    """Integrations with at least one day copied."""
    days: int
    events: int
    chunks: int
    imports: int
    """FOCUS imports copied (those ClickHouse did not hold whole)."""
    cost_rows: int
    seconds: float
    verified: bool


def copy_to_clickhouse(
    engine_sql: Engine,
    client: Any,
    *,
    days_per_chunk: int = 7,
    on_progress: Callable[[CopyProgress], None] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> CopyResult:
    """Copy every day of every integration not yet in ClickHouse, oldest first, ``days_per_chunk``
    consecutive days per version, then every FOCUS import ClickHouse does not hold whole; then
    verify every integration and the cloud costs (``CopyError`` on a difference).

    ``engine_sql`` is the metadata store without ClickHouse (``engine.open_store(url)``), its
    facts the source; ``client`` a ClickHouse client on a database migrated to head."""
    if days_per_chunk < 1:
        msg = f"days_per_chunk must be at least 1, got {days_per_chunk}"
        raise ValueError(msg)
    if clickhouse(engine_sql) is not None:
        msg = "copy from the SQL store's own engine, not one whose facts are in ClickHouse"
        raise ValueError(msg)
    begun = time.monotonic()
    with_client = engine_sql.execution_options(**{CLICKHOUSE: client})
    total = done = events = chunks = imports = cost_rows = 0
    copied_from: set[int] = set()

    def progress() -> None:
        if on_progress is not None:
            on_progress(CopyProgress(total, done, events, chunks, imports, cost_rows))

    def cloud_batch(more_imports: int, more_rows: int) -> None:
        nonlocal imports, cost_rows
        imports, cost_rows = imports + more_imports, cost_rows + more_rows
        progress()

    for _ in range(PASSES):
        with engine_sql.connect() as conn:
            written = conn.execute(select(tables.fact_writes.c.integration_id).distinct())
            for iid in written.scalars().all():
                usage.collect(with_client, iid)  # what a killed copy or a superseded day left
            pending = _pending(conn)
        total += sum(len(days) for days in pending.values())
        progress()
        for iid, days in pending.items():
            for chunk in _chunks(days, days_per_chunk):
                copied, chunk_events = _copy_chunk(engine_sql, client, iid, chunk, clock)
                if copied:
                    copied_from.add(iid)
                # A day a sync rewrote meanwhile counts when a later pass copies it.
                total -= len(chunk) - copied
                done, events, chunks = done + copied, events + chunk_events, chunks + 1
                progress()
        copy_cloud.copy(engine_sql, client, cloud_batch)
        with snapshot(engine_sql) as conn:
            left = conn.execute(
                select(func.count()).where(tables.sync_days.c.version.is_(None))
            ).scalar_one()
            imports_left = len(copy_cloud.pending(conn, client))
            if left or imports_left:
                continue  # a sync rewrote days, or an import swapped in, meanwhile: another pass
            verify(conn, client)
        return CopyResult(
            integrations=len(copied_from),
            days=done,
            events=events,
            chunks=chunks,
            imports=imports,
            cost_rows=cost_rows,
            seconds=time.monotonic() - begun,
            verified=True,
        )
    msg = (
        f"{left:,} days and {imports_left:,} FOCUS imports were written on the SQL store (by a "
        "sync, by an import) faster than they were copied; stop the syncs and imports (the web "
        "app's too) and run the copy again: what it copied stays copied"
    )
    raise CopyError(msg)


def _pending(conn: Connection) -> dict[int, list[date]]:
    """Each integration's days not in ClickHouse yet, oldest first."""
    days = tables.sync_days
    rows = conn.execute(
        select(days.c.integration_id, days.c.day)
        .where(days.c.version.is_(None))
        .order_by(days.c.integration_id, days.c.day)
    )
    out: dict[int, list[date]] = {}
    for iid, day in rows:
        out.setdefault(iid, []).append(day)
    return out


def _chunks(days: Sequence[date], size: int) -> Iterator[list[date]]:
    """Runs of consecutive days, at most ``size`` each: a write's ``first_day``..``last_day``
    is every day it holds (``usage.collect`` reads it so)."""
    chunk: list[date] = []
    for day in days:
        if chunk and (len(chunk) == size or day != chunk[-1] + timedelta(days=1)):
            yield chunk
            chunk = []
        chunk.append(day)
    if chunk:
        yield chunk


def _copy_chunk(
    engine: Engine, client: Any, integration_id: int, chunk: list[date], clock: Clock
) -> tuple[int, int]:
    """Copy one chunk of days under a new version; return the days and events it made visible."""
    first, last = chunk[0], chunk[-1]
    days, events = tables.sync_days, tables.usage_events
    acc: rollup.Rollup = {}
    with snapshot(engine) as conn:
        # The bookmarks and the events as of one snapshot: the day's fetched_at_ms says which
        # write of it these events are.
        fetched = dict(
            conn.execute(
                select(days.c.day, days.c.fetched_at_ms).where(
                    days.c.integration_id == integration_id,
                    days.c.day.between(first, last),
                    days.c.version.is_(None),
                )
            ).all()
        )
        if not fetched:
            return 0, 0  # another copy took them meanwhile
        version = usage.new_version(engine, integration_id, first, last, clock())
        query = (
            select(*(events.c[name] for name in rollup.EVENT_COLUMNS))
            .where(
                events.c.integration_id == integration_id,
                events.c.ts_ms >= day_start_ms(first),
                events.c.ts_ms < day_start_ms(last) + MS_PER_DAY,
            )
            .order_by(events.c.id)  # the order the sync stored them in: seq follows it
        )
        result = conn.execution_options(yield_per=READ_BATCH).execute(query)
        try:

            def pages() -> Iterator[list[rollup.Record]]:
                for part in result.partitions():
                    records = [tuple(row) for row in part]
                    rollup.fold(acc, records)
                    yield records

            clickhouse_write.write_events(client, integration_id, version, pages())
        finally:
            result.close()
    clickhouse_write.write_daily(client, integration_id, version, acc)
    per_day = rollup.events_per_day(acc)
    copied = events_copied = 0
    with engine.begin() as conn:
        for day, fetched_at_ms in sorted(fetched.items()):
            shown = conn.execute(
                update(days)
                .where(
                    days.c.integration_id == integration_id,
                    days.c.day == day,
                    days.c.fetched_at_ms == fetched_at_ms,  # no sync rewrote it since the read
                    days.c.version.is_(None),
                )
                .values(version=version)
            ).rowcount
            if shown:
                copied += 1
                events_copied += per_day[day]
    return copied, events_copied


def verify(conn: Connection, client: Any) -> None:
    """Every measure of every integration, per day, per person and per model over its whole
    span, and the cloud costs (``copy_cloud.difference``), as the SQL store and ClickHouse
    answer as of ``conn``'s snapshot: equal to the last decimal, else ``CopyError`` naming the
    first difference."""
    sql, copy = SqlFacts(conn), ClickHouseFacts(conn, client)
    for name, iid in integrations.ids(conn).items():
        spans = [span for span in (sql.span([iid]), copy.span([iid])) if span is not None]
        if not spans:
            continue
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
        for by, label in (("day", "day"), ("email", "person"), ("model", "model")):
            theirs = _keyed(sql.sums([iid], first, last, by=(by,)))
            ours = _keyed(copy.sums([iid], first, last, by=(by,)))
            for key in sorted(theirs.keys() | ours.keys()):
                want, got = theirs.get(key), ours.get(key)
                for i, measure in enumerate(MEASURES):
                    a = want[i] if want is not None else 0
                    b = got[i] if got is not None else 0
                    if a != b:
                        shown = key if key != tables.UNATTRIBUTED else "(no email)"
                        msg = (
                            f"the copy differs from the SQL store: integration {name}, {label} "
                            f"{shown}, {measure} is {a} in the SQL store and {b} in ClickHouse; "
                            "keep PUMPVIEW_CLICKHOUSE_URL unset (the SQL store is unchanged "
                            "and still answers)"
                        )
                        raise CopyError(msg)
    cloud = copy_cloud.difference(conn, client)
    if cloud is not None:
        msg = (
            f"the copy differs from the SQL store: {cloud}; keep PUMPVIEW_CLICKHOUSE_URL unset "
            "(the SQL store is unchanged and still answers)"
        )
        raise CopyError(msg)


def _keyed(rows: list[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    return {key: tuple(values) for key, *values in rows}
