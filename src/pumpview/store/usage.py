"""Storing usage: a window of fetched events replaces the stored one, in one short transaction.

The sync fetches a whole window first (``Staged``: pages of event records, spilled to a temporary
file past ``SPILL_EVENTS``, with their rollup folded as they arrive), so no transaction is open
while waiting for the network. ``replace_window`` then swaps in the window's events, its rollup, the
blocks over it and its days' bookmarks at once: a crash leaves the old window or the new one,
never a mix, and re-reading a window never duplicates.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import IO

from sqlalchemy import Connection, Engine, delete, insert, select

from pumpview.store import blocks, fact_blocks, rollup, tables
from pumpview.store.facts import clickhouse, cluster
from pumpview.store.write import insert_many, upsert
from pumpview.timeutil import MS_PER_DAY, Window, day_of, day_start_ms

LATE_DATA_MS = 72 * 3_600_000
"""Cursor aggregates hourly and data arrives late: a day is final once it was fetched this long
after it ended, and provisional until then (every sync reads it again)."""


def is_final(day: date, fetched_at_ms: int | None) -> bool:
    """Whether the stored ``day``, fetched at ``fetched_at_ms``, is complete for good."""
    return (
        fetched_at_ms is not None and fetched_at_ms >= day_start_ms(day) + MS_PER_DAY + LATE_DATA_MS
    )


SPILL_EVENTS = 100_000
"""A staged window keeps this many events in memory (some 50 MB), the rest in a temporary file:
a 7-day window of a 5,000-seat team can hold millions."""


@dataclass
class Staged:
    """A window's events as fetched, not yet stored: pages of records and their rollup."""

    window: Window
    acc: rollup.Rollup = field(default_factory=dict)
    accounts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Service-account principals seen: email -> (account id, name)."""
    rows_per_day: Counter[date] | None = None
    """What each day's bookmark counts when the provider sends no events but daily rows
    (Claude Code's records): those rows; ``None``: the events (``rollup.events_per_day``)."""
    activity: dict[tuple[date, str, str], int] = field(default_factory=dict)
    """(day, person, measure) -> count: the window's ``activity_daily``, replacing its days'."""
    costs: dict[tuple[date, str], tuple[str | None, Decimal]] | None = None
    """(day, line) -> (model, cents in US dollars): what the provider billed on the window's
    days, replacing them in ``provider_costs``; ``None``: the provider has no such report."""
    events: int = 0
    _rollup_records: list[rollup.Record] | None = None
    _kept: list[list[rollup.Record]] = field(default_factory=list)
    _spilled: IO[bytes] | None = None
    _spilled_pages: int = 0

    def add(self, records: list[rollup.Record]) -> None:
        """Keep one page of event records and fold it into the window's rollup."""
        rollup.fold(self.acc, records)
        if self.events + len(records) <= SPILL_EVENTS:
            self._kept.append(records)
        else:
            if self._spilled is None:
                self._spilled = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            pickle.dump(records, self._spilled, protocol=pickle.HIGHEST_PROTOCOL)
            self._spilled_pages += 1
        self.events += len(records)

    def pages(self) -> Iterator[list[rollup.Record]]:
        """The pages in the order they were added."""
        yield from self._kept
        if self._spilled is not None:
            self._spilled.seek(0)
            for _ in range(self._spilled_pages):
                # Our own records, written by this process a moment ago: nothing untrusted.
                yield pickle.load(self._spilled)  # noqa: S301

    def rollup_records(self, integration_id: int) -> list[rollup.Record]:
        """The window's ``usage_daily`` records, made once: call it before the transaction, so
        the transaction only writes."""
        if self._rollup_records is None:
            self._rollup_records = rollup.records(self.acc, integration_id)
        return self._rollup_records

    def close(self) -> None:
        self._kept.clear()
        if self._spilled is not None:
            self._spilled.close()


def store_window(engine: Engine, integration_id: int, staged: Staged, fetched_at_ms: int) -> None:
    """Store a fetched window for good: in the database, ``replace_window`` in one short
    transaction; with ClickHouse, the rows are sent under a new version first (recorded in
    ``fact_writes`` beforehand) and made visible by the bookmarks' commit, so a crash at any
    point leaves the old window or the new one visible, never a mix."""
    client = clickhouse(engine)
    if client is None:
        with engine.begin() as conn:
            replace_window(conn, integration_id, staged, fetched_at_ms)
        return
    from pumpview.store.clickhouse import write as clickhouse_write  # noqa: PLC0415 - only then

    first, last = day_of(staged.window.start), day_of(staged.window.end)
    version = new_version(engine, integration_id, first, last, fetched_at_ms)
    clickhouse_write.write_events(client, integration_id, version, staged.pages())
    clickhouse_write.write_daily(client, integration_id, version, staged.acc)
    with engine.begin() as conn:
        _bookmark(conn, integration_id, staged, fetched_at_ms, version)
    months = {fact_blocks.month_of(first), fact_blocks.month_of(last)}
    fact_blocks.refresh(engine, integration_id, months)  # a window is 7 days: 2 months at most


def new_version(engine: Engine, integration_id: int, first: date, last: date, at_ms: int) -> int:
    """A new version for a write of ``[first, last]`` to ClickHouse, recorded (committed)
    before any of its rows is sent, so ``collect`` finds what a killed write left."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(tables.fact_writes)
                .values(integration_id=integration_id, first_day=first, last_day=last,
                        written_at_ms=at_ms)
                .returning(tables.fact_writes.c.id)
            ).scalar_one()
        )  # fmt: skip


def collect(engine: Engine, integration_id: int) -> None:
    """Remove from ClickHouse the rows no bookmark names: a window's rows once a later write
    replaced it, and a write's that never committed. Run at the start of a sync, under its
    lease (no other write of the integration runs) and long after readers moved on to the
    versions that replaced them. A write is forgotten once none of its days shows it. The
    blocks are collected too, and those due are built (``fact_blocks``)."""
    client = clickhouse(engine)
    if client is None:
        return
    fact_blocks.collect(engine, integration_id)
    fact_blocks.refresh(engine, integration_id)
    writes, days = tables.fact_writes, tables.sync_days
    with engine.connect() as conn:
        recorded = conn.execute(
            select(writes.c.id, writes.c.first_day, writes.c.last_day).where(
                writes.c.integration_id == integration_id
            )
        ).all()
        committed = dict(
            conn.execute(
                select(days.c.day, days.c.version).where(
                    days.c.integration_id == integration_id, days.c.version.is_not(None)
                )
            ).all()
        )
    from pumpview.store.clickhouse import write as clickhouse_write  # noqa: PLC0415 - only then

    forgotten = []
    for write in recorded:
        span = [write.first_day + timedelta(days=i)
                for i in range((write.last_day - write.first_day).days + 1)]  # fmt: skip
        shown = sum(committed.get(day) == write.id for day in span)
        if shown == len(span):
            continue  # every day shows it: nothing of it is garbage yet
        keep = {day: committed[day] for day in span if day in committed}
        clickhouse_write.collect_garbage(
            client, integration_id, span[0], span[-1], keep, cluster=cluster(engine)
        )
        if not shown:
            forgotten.append(write.id)
    if forgotten:
        with engine.begin() as conn:
            conn.execute(delete(writes).where(writes.c.id.in_(forgotten)))


def drop_facts(engine: Engine, integration_id: int) -> None:
    """Delete a purged integration's facts from ClickHouse (the database's went with its rows).
    Called after the purge commits: a crash before it leaves rows no bookmark names, invisible,
    and versions are never given twice."""
    client = clickhouse(engine)
    if client is not None:
        from pumpview.store.clickhouse import write as clickhouse_write  # noqa: PLC0415

        clickhouse_write.drop_integration(client, integration_id, cluster=cluster(engine))


def replace_window(
    conn: Connection, integration_id: int, staged: Staged, fetched_at_ms: int
) -> None:
    """Swap ``staged`` in for the stored window: events, rollup, blocks, bookmarks, service
    accounts. Runs in the caller's transaction, which should hold nothing else."""
    window, events = staged.window, tables.usage_events
    conn.execute(
        delete(events).where(
            events.c.integration_id == integration_id,
            events.c.ts_ms.between(window.start, window.end),
        )
    )
    for records in staged.pages():
        insert_many(conn, events, rollup.EVENT_COLUMNS, records)
    first_day, last_day = day_of(window.start), day_of(window.end)
    daily = tables.usage_daily
    conn.execute(
        delete(daily).where(
            daily.c.integration_id == integration_id, daily.c.day.between(first_day, last_day)
        )
    )
    insert_many(conn, daily, rollup.COLUMNS, staged.rollup_records(integration_id))
    blocks.refresh(conn, integration_id, first_day, last_day)
    _bookmark(conn, integration_id, staged, fetched_at_ms, None)


def _bookmark(
    conn: Connection, integration_id: int, staged: Staged, fetched_at_ms: int, version: int | None
) -> None:
    """Mark the window's days stored as of ``fetched_at_ms`` (their facts' ``version`` in
    ClickHouse), and save the service accounts its events named."""
    first_day, last_day = day_of(staged.window.start), day_of(staged.window.end)
    per_day = staged.rows_per_day or rollup.events_per_day(staged.acc)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    upsert(
        conn,
        tables.sync_days,
        [
            {
                "integration_id": integration_id,
                "day": d,
                "events": per_day[d],
                "fetched_at_ms": fetched_at_ms,
                "version": version,
            }
            for d in days
        ],
        keys=("integration_id", "day"),
    )
    _save_service_accounts(conn, integration_id, staged.accounts)
    _replace_activity(conn, integration_id, first_day, last_day, staged.activity)
    if staged.costs is not None:
        _replace_costs(conn, integration_id, first_day, last_day, staged.costs)


def _replace_activity(
    conn: Connection, integration_id: int, first: date, last: date,
    activity: Mapping[tuple[date, str, str], int],
) -> None:  # fmt: skip
    table = tables.activity_daily
    conn.execute(
        delete(table).where(
            table.c.integration_id == integration_id, table.c.day.between(first, last)
        )
    )
    rows = [
        {"integration_id": integration_id, "day": day, "email": email, "measure": measure,
         "value": value}
        for (day, email, measure), value in activity.items() if value
    ]  # fmt: skip
    if rows:
        conn.execute(insert(table), rows)


def _replace_costs(
    conn: Connection, integration_id: int, first: date, last: date,
    costs: Mapping[tuple[date, str], tuple[str | None, Decimal]],
) -> None:  # fmt: skip
    table = tables.provider_costs
    conn.execute(
        delete(table).where(
            table.c.integration_id == integration_id, table.c.day.between(first, last)
        )
    )
    rows = [{"integration_id": integration_id, "day": day, "line": line[:300], "model": model,
             "amount_cents": cents, "currency": "USD"}
            for (day, line), (model, cents) in costs.items()]  # fmt: skip
    if rows:
        conn.execute(insert(table), rows)


def _save_service_accounts(
    conn: Connection, integration_id: int, accounts: Mapping[str, tuple[str, str | None]]
) -> None:
    """Service accounts are principals of their own, named as the events name them."""
    rows = [
        {
            "integration_id": integration_id,
            "email": email,
            "name": name,
            "role": "service-account",
            "user_id": None,
            "is_removed": False,
            "service_account_id": account_id,
            "listed_at_ms": None,
        }
        for email, (account_id, name) in accounts.items()
    ]
    upsert(conn, tables.cursor_members, rows, keys=("integration_id", "email"))
