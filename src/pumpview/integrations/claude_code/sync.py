"""Sync a Claude Code integration: the organisation's users into the people, then windows of
days newest first, each day's Claude Code report (one day a request, every page) and the
window's cost report, stored at once (``store.usage.store_window``): usage, activity, the bill's
lines and the days' bookmarks in one short transaction, so a crash redoes at most one window and
re-reading a window replaces exactly it.

A day is read again until it is final (``store.usage.is_final``: fetched 72 hours after it
ended); Anthropic serves Claude Code usage an hour after it happens, so today's figures grow
with every sync.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine

from pumpview.errors import BadResponse
from pumpview.integrations.claude_code import costs, usage
from pumpview.integrations.claude_code.client import USERS_PATH, AnthropicClient
from pumpview.integrations.syncing import (
    WINDOW_DAYS,
    Progress,
    SyncResult,
    pending_windows,
    recorded,
)
from pumpview.store import directory
from pumpview.store.usage import Staged, collect, store_window
from pumpview.timeutil import MS_PER_DAY, Window, day_of

USERS_PAGE = 1000
ORIGIN = "claude-code"
"""How the people directory says where a person came from."""


class ClaudeCodeSync:
    """One sync run of one Claude Code integration."""

    def __init__(
        self,
        engine: Engine,
        client: AnthropicClient,
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

    def run(self) -> SyncResult:
        """Sync everything; on an upstream error the integration's status says what happened."""
        return recorded(self.engine, self.integration_id, self.now_ms, self._run)

    def snapshot_spend(self) -> SyncResult:
        """Nothing to snapshot: Anthropic's figures can be read again for any past day."""
        self.report(Progress("done"))
        return SyncResult(notes=["nothing to snapshot for Claude Code"])

    def _run(self) -> SyncResult:
        result = SyncResult()
        collect(self.engine, self.integration_id)  # what an earlier run left in ClickHouse
        self.report(Progress("users"))
        self._sync_users()
        windows = pending_windows(self.engine, self.integration_id, self.now_ms,
                                  self.backfill_days, self.window_days)  # fmt: skip
        spans = [(w.end - w.start) // MS_PER_DAY + 1 for w in windows]
        done = 0

        def progress(stage: str, window: Window | None = None) -> None:
            self.report(Progress(stage, result.windows, len(windows), done, sum(spans),
                                 result.events, window))  # fmt: skip

        for window, span in zip(windows, spans, strict=True):
            progress("window", window)
            staged = self._fetch(window, partial(progress, "window", window))
            try:
                store_window(self.engine, self.integration_id, staged, self.now_ms)
            finally:
                staged.close()
            result.windows += 1
            result.events += sum(staged.rows_per_day.values()) if staged.rows_per_day else 0
            done += span
        progress("done")
        return result

    def _fetch(self, window: Window, on_page: Callable[[], None]) -> Staged:
        """The window's days, each its report's every page (``on_page`` after each: a stop is
        seen between pages), and the window's cost report."""
        rows_per_day: Counter[date] = Counter()
        bill: costs.Lines = {}
        staged = Staged(window, rows_per_day=rows_per_day, costs=bill)
        first, last = day_of(window.start), day_of(window.end)
        day = last
        while day >= first:
            for records in usage.pages(self.client, day):
                usage.fold(staged.acc, staged.activity, records, day)
                on_page()
            day -= timedelta(days=1)
        rows_per_day.update(key[0] for key in staged.acc)
        for buckets in costs.pages(self.client, first, last):
            costs.fold(bill, buckets)
        outside = [d for d, _line in bill if not first <= d <= last]
        if outside:
            msg = f"Anthropic's cost report for {first} to {last} held {min(outside)}"
            raise BadResponse(msg)
        return staged

    def _sync_users(self) -> None:
        """The organisation's users into the people directory, named as Anthropic names them."""
        members: list[tuple[str, str | None]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": USERS_PAGE}
            if after is not None:
                params["after_id"] = after
            payload = self.client.get(USERS_PATH, params)
            if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
                msg = f"unexpected {USERS_PATH} answer: no data list"
                raise BadResponse(msg)
            for user in payload["data"]:
                email = user.get("email") if isinstance(user, dict) else None
                if isinstance(email, str) and "@" in email:
                    name = user.get("name")
                    members.append((email, name if isinstance(name, str) and name else None))
            last_id = payload.get("last_id")
            if not payload.get("has_more") or not last_id or last_id == after:
                break
            after = str(last_id)
        with self.engine.begin() as conn:
            directory.meet(conn, members, origin=ORIGIN, now_ms=self.now_ms)
