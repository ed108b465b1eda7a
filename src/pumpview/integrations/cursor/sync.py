"""Sync: members, then usage windows newest first, then the spend snapshot and billing groups.

State is data committed with the rows it describes: each window is fetched whole, then its
events, rollup, blocks and days' bookmarks go in one short transaction (``store.usage``), so a
crash redoes at most one window and no transaction waits on the network. Re-reading a window
replaces exactly that window (events have no id), so re-runs never duplicate and true duplicates
survive. A day is final once it was fetched 72 hours after it ended (``store.usage.is_final``);
until then every sync re-reads it (Cursor aggregates hourly and data arrives late).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from contextlib import closing
from datetime import date, timedelta
from functools import partial
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from pumpview.errors import AuthError, BadResponse, UpstreamError
from pumpview.integrations.cursor import directory, groups, members, spend, usage_events
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.paging import PageReader, Worker
from pumpview.integrations.syncing import (
    WINDOW_DAYS,
    Progress,
    SyncResult,
    pending_windows,
    recorded,
    status_of,
)
from pumpview.store import integrations, rollup, tables
from pumpview.store.usage import Staged, collect, store_window
from pumpview.store.write import upsert
from pumpview.timeutil import MS_PER_DAY, Window, day_of, day_start_ms

WINDOW_ATTEMPTS = 5
"""How often a window is re-read when its event count changes while paging."""
SPEND_ONLY = "spend snapshot only (members and /teams/spend, before the billing cycle rolls)"

_TS = itemgetter(rollup.AT["ts_ms"])
_EMAIL_AT = rollup.AT["email"]
_ACCOUNT_AT = rollup.AT["service_account_id"]


class _Shifted(Exception):
    """The window's contents changed while we paged it: roll back and read it again."""


class CursorSync:
    """One sync run of one integration."""

    _reader: PageReader
    """The usage-event pages, read ahead of storing them; one per run."""

    def __init__(
        self,
        engine: Engine,
        client: CursorClient,
        integration_id: int,
        *,
        now_ms: int,
        backfill_days: int,
        window_days: int = WINDOW_DAYS,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.integration_id = integration_id
        self.now_ms = now_ms
        self.backfill_days = backfill_days
        self.window_days = window_days
        self.report = on_progress or (lambda _p: None)
        self.write_seconds: list[float] = []
        """How long each window's write transaction took (the write lock on SQLite)."""

    def run(self) -> SyncResult:
        """Sync everything; on an upstream error the integration's status says what happened."""

        def body() -> SyncResult:
            with PageReader(self.client) as self._reader:
                return self._run()

        return recorded(self.engine, self.integration_id, self.now_ms, body)

    def snapshot_spend(self) -> SyncResult:
        """The members and Cursor's spend snapshot only, no usage events: what a scheduler
        takes in the hour before a billing cycle rolls, so the cycle's last hours are in its
        last snapshot whatever the sync interval (``reports.snapshots.due``). The integration's
        last success stays the last full sync's; a revoked key still shows."""
        try:
            self.report(Progress("members"))
            self._sync_members()
            self.report(Progress("spend"))
            self._sync_spend()
        except UpstreamError as exc:
            integrations.set_state(
                self.engine, self.integration_id, status=status_of(exc), message=str(exc)
            )
            raise
        self.report(Progress("done"))
        return SyncResult(notes=[SPEND_ONLY])

    def _run(self) -> SyncResult:
        result = SyncResult()
        collect(self.engine, self.integration_id)  # what an earlier run left in ClickHouse
        self.report(Progress("members"))
        self._sync_members()
        first = day_of(self.now_ms) - timedelta(days=self.backfill_days - 1)  # the horizon
        windows = pending_windows(self.engine, self.integration_id, self.now_ms,
                                  self.backfill_days, self.window_days)  # fmt: skip
        spans = [(w.end - w.start) // MS_PER_DAY + 1 for w in windows]
        days_done = 0

        def progress(stage: str, window: Window | None = None) -> None:
            self.report(Progress(stage, result.windows, len(windows), days_done, sum(spans),
                                 result.events, window))  # fmt: skip

        def stored(done: Future[int]) -> None:
            nonlocal days_done
            result.events += done.result()
            days_done += spans[result.windows]
            result.windows += 1

        # Window k is written on the writer thread while window k+1 is fetched: SQLite and
        # PostgreSQL do their work without the GIL, so the two overlap. One write at a time,
        # in order, and at most two windows held.
        writer = Worker("store-windows")
        pending: Future[int] | None = None
        try:
            for done, window in enumerate(windows):
                progress("window", window)
                following = windows[done + 1] if done + 1 < len(windows) else None
                staged = self._fetch_window(window, following, partial(progress, "window", window))
                if pending is not None:
                    try:
                        stored(pending)
                    except BaseException:
                        staged.close()  # the previous window failed to store: stop here
                        raise
                pending = writer.submit(partial(self._store_window, staged))
            if pending is not None:
                stored(pending)
                pending = None
        finally:
            if pending is not None:
                wait([pending])  # a failing sync still lets the write in progress finish
            writer.close()
        if windows and windows[-1].start == day_start_ms(first):
            result.earliest_day = self._retention_edge(first)
        progress("spend")
        self._sync_spend()
        progress("groups")
        if not self._sync_groups():
            result.groups_available = False
            result.notes.append("billing groups are not available on this plan")
        progress("done")
        return result

    # -- usage events ------------------------------------------------------------------------
    def _fetch_window(
        self, window: Window, following: Window | None, on_page: Callable[[], None]
    ) -> Staged:
        """The whole window, read again while Cursor's count moves under it; ``on_page`` after
        each page (a large window takes minutes at Cursor's pace: a stop must not wait for it)."""
        for _attempt in range(WINDOW_ATTEMPTS):
            staged = Staged(window)
            try:
                self._read_pages(staged, following, on_page)
            except _Shifted:
                staged.close()
                continue
            except BaseException:
                staged.close()
                raise
            staged.rollup_records(self.integration_id)  # made here, outside the transaction
            return staged
        msg = (
            f"Cursor's usage events kept changing while reading {day_of(window.start)} to "
            f"{day_of(window.end)}; the window was left as it was, try the sync again later"
        )
        raise BadResponse(msg)

    def _read_pages(
        self, staged: Staged, following: Window | None, on_page: Callable[[], None]
    ) -> None:
        """Every page of the window into ``staged``; ``_Shifted`` if Cursor's count moved."""
        window = staged.window
        expected: int | None = None
        with closing(self._reader.pages(window, following)) as pages:  # a shift drops its queue
            for total, events in pages:
                if expected is None:
                    expected = total
                elif total != expected:
                    raise _Shifted
                records = usage_events.to_records(events, self.integration_id)
                if not records:
                    continue
                if min(map(_TS, records)) < window.start or max(map(_TS, records)) > window.end:
                    msg = "Cursor returned usage events outside the requested dates"
                    raise BadResponse(msg)
                staged.add(records)
                staged.accounts.update(
                    (record[_EMAIL_AT], (raw["serviceAccountId"], raw.get("serviceAccountName")))
                    for raw, record in zip(events, records, strict=True)
                    if record[_ACCOUNT_AT] and record[_EMAIL_AT]
                )
                on_page()
        if expected is None or staged.events != expected:
            raise _Shifted

    def _retention_edge(self, first: date) -> date | None:
        """The oldest day Cursor still returned data for, once this run has read the far end of
        its horizon and found nothing there: the stored days with events begin after ``first``.
        ``None`` (nothing learnt) when data reaches ``first`` itself."""
        days = tables.sync_days
        with self.engine.connect() as conn:
            oldest = conn.execute(
                select(func.min(days.c.day)).where(
                    days.c.integration_id == self.integration_id, days.c.events > 0
                )
            ).scalar()
        return oldest if oldest is not None and oldest > first else None

    def _store_window(self, staged: Staged) -> int:
        """Replace the stored window by ``staged`` in one short transaction (writer thread)."""
        try:
            started = time.perf_counter()
            store_window(self.engine, self.integration_id, staged, self.now_ms)
            self.write_seconds.append(time.perf_counter() - started)
            return staged.events
        finally:
            staged.close()

    # -- members, spend, groups ------------------------------------------------------------
    def _sync_members(self) -> None:
        rows = members.to_rows(self.client.get(members.PATH), self.integration_id, self.now_ms)
        with self.engine.begin() as conn:
            upsert(conn, tables.cursor_members, rows, ("integration_id", "email"), members.UPDATED)

    def _sync_spend(self) -> None:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            payload = self.client.post(spend.PATH, spend.request_body(page))
            rows.extend(spend.to_rows(payload, self.integration_id, self.now_ms))
            if page >= spend.total_pages(payload):
                break
            page += 1
        with self.engine.begin() as conn:
            upsert(
                conn, tables.spend_snapshots, rows, keys=("integration_id", "taken_at_ms", "email")
            )

    def _sync_groups(self) -> bool:
        """Billing groups where the plan has them (a 403 here is not an error for the sync);
        then the directory of people, from the members and groups, in the same transaction."""
        try:
            payload = self.client.get(groups.PATH)
        except AuthError as exc:
            if exc.reason == "invalid_key":
                raise
            payload = None
        with self.engine.begin() as conn:
            if payload is not None:
                group_rows, member_rows = groups.to_rows(payload, self.integration_id)
                for table in (tables.group_members, tables.billing_groups):
                    conn.execute(delete(table).where(table.c.integration_id == self.integration_id))
                if group_rows:
                    conn.execute(insert(tables.billing_groups), group_rows)
                if member_rows:
                    conn.execute(insert(tables.group_members), member_rows)
            directory.refresh(conn, day_of(self.now_ms), self.now_ms)
        return payload is not None
