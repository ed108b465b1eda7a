"""What every provider's sync shares: the windows of days it reads again, the progress it
reports, its result, and the status an upstream error leaves the integration in.

A day is final once it was fetched 72 hours after it ended (``store.usage.is_final``); until then
every sync reads it again (upstreams aggregate late). Days are read newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine, select

from pumpview.errors import AuthError, UpstreamError
from pumpview.store import integrations, tables
from pumpview.store.usage import is_final
from pumpview.timeutil import MS_PER_DAY, Window, day_of, day_start_ms

INTERRUPTED = "the last sync was interrupted; run it again"
WINDOW_DAYS = 7
FIRST_WINDOW_DAYS = 2
"""A first backfill's first window: today so far and yesterday, a whole day of figures even
just after midnight UTC, in a few pages."""


@dataclass(frozen=True)
class Progress:
    """What the sync reports as it goes; the CLI draws bars from it."""

    stage: str
    windows_done: int = 0
    windows_total: int = 0
    days_done: int = 0
    days_total: int = 0
    events: int = 0
    window: Window | None = None


@dataclass
class SyncResult:
    windows: int = 0
    events: int = 0
    earliest_day: date | None = None
    groups_available: bool = True
    notes: list[str] = field(default_factory=list)


def plan_windows(
    first: date, last: date, fetched: dict[date, int], now_ms: int, window_days: int = WINDOW_DAYS
) -> list[Window]:
    """Windows over the days in ``[first, last]`` that are not final, newest first.

    Consecutive pending days are grouped into windows of at most ``window_days`` days; windows
    end at ``now_ms`` at the latest and never overlap or leave a gap (inclusive ms bounds). A
    first backfill (no day read yet) begins with the newest ``FIRST_WINDOW_DAYS`` alone: their
    figures are stored within Cursor's first minute of requests even for a team of thousands
    (a week of a 1,000-member team is 71 pages, more than a minute holds).
    """
    first_span = min(FIRST_WINDOW_DAYS, window_days)
    pending: list[date] = []
    day = last
    while day >= first:
        if not is_final(day, fetched.get(day)):
            pending.append(day)
        day -= timedelta(days=1)
    windows: list[Window] = []
    run: list[date] = []
    for pending_day in [*pending, None]:  # a trailing None closes the last run
        if run and (
            pending_day is None
            or pending_day != run[-1] - timedelta(days=1)
            or len(run) == (first_span if not fetched and not windows else window_days)
        ):
            end = min(day_start_ms(run[0]) + MS_PER_DAY - 1, now_ms)
            windows.append(Window(day_start_ms(run[-1]), end))
            run = []
        if pending_day is not None:
            run.append(pending_day)
    return windows


def status_of(exc: Exception) -> str:
    """What an integration's status (and a sync run's outcome) is after ``exc``: ``revoked``
    for a key Cursor no longer accepts, ``error`` for anything else."""
    return "revoked" if isinstance(exc, AuthError) and exc.reason == "invalid_key" else "error"


def recorded(engine: Engine, integration_id: int, now_ms: int, body: Callable[[], SyncResult]
             ) -> SyncResult:  # fmt: skip
    """Run a sync's ``body``, the integration saying how it went: its last attempt, then
    connected (with the result's notes and the retention learnt), revoked or error with the
    upstream's message, or interrupted."""
    integrations.set_state(engine, integration_id, last_attempt_at_ms=now_ms)
    try:
        result = body()
    except UpstreamError as exc:
        integrations.set_state(engine, integration_id, status=status_of(exc), message=str(exc))
        raise
    except BaseException:
        integrations.set_state(engine, integration_id, message=INTERRUPTED)
        raise
    learnt = {"earliest_day": result.earliest_day} if result.earliest_day else {}
    integrations.set_state(engine, integration_id, status="connected",
                           message="; ".join(result.notes) or None, last_success_at_ms=now_ms,
                           **learnt)  # fmt: skip
    return result


def pending_windows(
    engine: Engine, integration_id: int, now_ms: int, backfill_days: int, window_days: int
) -> list[Window]:
    """The windows a sync of the integration reads at ``now_ms``: its last ``backfill_days``
    days that its bookmarks do not hold as final (``plan_windows``), newest first."""
    days = tables.sync_days
    with engine.connect() as conn:
        fetched = dict(
            conn.execute(
                select(days.c.day, days.c.fetched_at_ms).where(
                    days.c.integration_id == integration_id
                )
            ).all()
        )
    last = day_of(now_ms)
    return plan_windows(last - timedelta(days=backfill_days - 1), last, fetched, now_ms,
                        window_days)  # fmt: skip
