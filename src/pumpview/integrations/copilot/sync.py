"""Sync a Copilot integration: the organisation's seats first (``copilot_seats``, and the logins
whose profile email names a known person as their aliases), then windows of days newest first;
per day the usage-metrics report (activity, and who was active) and the billing usage (the
organisation's aggregate, then its users: ``billing.read_day``); each window stored at once
(``store.usage.store_window``): usage, activity, the bill's lines and the days' bookmarks in one
short transaction, so a crash redoes at most one window and re-reading a window replaces it.

History: GitHub serves billing usage for 24 months and the usage-metrics reports for a year; the
integration's ``backfill_days`` (365 by default) is clamped to them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from sqlalchemy import Engine, select

from pumpview.errors import UserInputError
from pumpview.integrations.copilot import billing, identity, metrics, seats
from pumpview.integrations.copilot.client import GitHubClient
from pumpview.integrations.syncing import (
    WINDOW_DAYS,
    Progress,
    SyncResult,
    pending_windows,
    recorded,
)
from pumpview.store import tables
from pumpview.store.usage import Staged, collect, store_window
from pumpview.timeutil import MS_PER_DAY, Window, day_of

BILLING_DAYS = 700
"""Days back billing usage is asked for: inside GitHub's 24 months, whatever the month."""
METRICS_DAYS = 365
"""Days back a usage-metrics report is asked for: GitHub keeps a year."""


class CopilotSync:
    """One sync run of one Copilot integration (its GitHub organisation is its ``account``)."""

    def __init__(
        self,
        engine: Engine,
        client: GitHubClient,
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
        self.backfill_days = min(backfill_days, BILLING_DAYS)
        self.window_days = window_days
        self.report = on_progress or (lambda _p: None)
        self.holders: list[str] = []
        self.user_calls = 0
        """Per-user billing calls made (the aggregate's are one a day and endpoint)."""

    def run(self) -> SyncResult:
        """Sync everything; on an upstream error the integration's status says what happened."""
        return recorded(self.engine, self.integration_id, self.now_ms, self._run)

    def snapshot_spend(self) -> SyncResult:
        """Nothing to snapshot: GitHub's billing usage can be read again for any past day."""
        self.report(Progress("done"))
        return SyncResult(notes=["nothing to snapshot for GitHub Copilot"])

    def _org(self) -> str:
        ints = tables.integrations
        with self.engine.connect() as conn:
            org = conn.execute(
                select(ints.c.account).where(ints.c.id == self.integration_id)
            ).scalar()
        if not org:
            msg = "this Copilot integration names no GitHub organisation; connect it again"
            raise UserInputError(msg, field="org")
        return str(org)

    def _run(self) -> SyncResult:
        result = SyncResult()
        org = self._org()
        collect(self.engine, self.integration_id)  # what an earlier run left in ClickHouse
        self.report(Progress("seats"))
        self._sync_seats(org)
        windows = pending_windows(self.engine, self.integration_id, self.now_ms,
                                  self.backfill_days, self.window_days)  # fmt: skip
        spans = [(w.end - w.start) // MS_PER_DAY + 1 for w in windows]
        done = 0

        def progress(stage: str, window: Window | None = None) -> None:
            self.report(Progress(stage, result.windows, len(windows), done, sum(spans),
                                 result.events, window))  # fmt: skip

        for window, span in zip(windows, spans, strict=True):
            progress("window", window)
            staged = self._fetch(org, window, result, partial(progress, "window", window))
            try:
                store_window(self.engine, self.integration_id, staged, self.now_ms)
            finally:
                staged.close()
            result.windows += 1
            result.events += sum(staged.rows_per_day.values()) if staged.rows_per_day else 0
            done += span
        progress("done")
        return result

    def _fetch(self, org: str, window: Window, result: SyncResult, on_day: Callable[[], None]
               ) -> Staged:  # fmt: skip
        """The window's days, newest first: each day's report, then its billing."""
        rows_per_day: Counter[date] = Counter()
        bill: billing.Lines = {}
        staged = Staged(window, rows_per_day=rows_per_day, costs=bill)
        first, last = day_of(window.start), day_of(window.end)
        oldest_report = day_of(self.now_ms) - timedelta(days=METRICS_DAYS - 1)
        day = last
        while day >= first:
            records = metrics.report(self.client, org, day) if day >= oldest_report else None
            active = None
            if records is not None:
                active = list(metrics.fold(staged.activity, records, day).values())
            day_bill = billing.read_day(self.client, org, day, active, self.holders)
            self.user_calls += day_bill.user_calls
            billing.fold(staged.acc, day, day_bill)
            billing.lines(bill, day, day_bill)
            if day_bill.note:
                result.notes.append(day_bill.note)
            on_day()
            day -= timedelta(days=1)
        rows_per_day.update(key[0] for key in staged.acc)
        return staged

    def _sync_seats(self, org: str) -> None:
        """Every seat into ``copilot_seats``; logins whose email names a known person linked."""
        listed: list[seats.Seat] = []
        for page in seats.pages(self.client, org):
            listed.extend(seats.to_seats(page))
        kept = seats.one_per_login(listed)
        self.holders = [seat.login for _key, seat in sorted(kept.items())]
        with self.engine.begin() as conn:
            seats.save(conn, self.integration_id, kept, self.now_ms)
            identity.link_logins(conn, [(s.login, s.email) for s in kept.values()])
