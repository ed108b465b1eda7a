"""Sync windows tile the pending days exactly: newest first, no gap, no overlap, bounded span."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from pumpview.integrations.syncing import FIRST_WINDOW_DAYS, plan_windows
from pumpview.store.usage import LATE_DATA_MS
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms

LAST = date(2026, 11, 25)
NOW = day_start_ms(LAST) + 13 * 3_600_000


@given(
    days=st.integers(1, 120),
    final=st.sets(st.integers(0, 119)),
    window_days=st.integers(1, 10),
)
def test_windows_cover_exactly_the_pending_days(days, final, window_days):
    """Every non-final day is in exactly one window; final days in none; spans are bounded."""
    first = LAST - timedelta(days=days - 1)
    fetched = {
        LAST - timedelta(days=i): day_start_ms(LAST - timedelta(days=i)) + MS_PER_DAY + LATE_DATA_MS
        for i in final
    }
    windows = plan_windows(first, LAST, fetched, NOW, window_days)
    covered = []
    for w in windows:
        assert w.end <= NOW
        span = (day_of(w.end) - day_of(w.start)).days + 1
        assert 1 <= span <= window_days
        if w is windows[0] and not fetched:  # a first backfill: two days, for figures at once
            assert span == min(FIRST_WINDOW_DAYS, window_days, days)
        covered.extend(day_of(w.end) - timedelta(days=i) for i in range(span))
    pending = [
        LAST - timedelta(days=i) for i in range(days) if LAST - timedelta(days=i) not in fetched
    ]
    assert sorted(covered, reverse=True) == pending
    assert covered == sorted(covered, key=lambda d: -d.toordinal())  # newest first, no repeats
    for newer, older in pairwise(windows):
        assert older.end < newer.start  # no overlap


def test_a_day_read_too_early_is_read_again():
    """A day fetched less than 72 h after it ended is not final and is re-read."""
    day = LAST - timedelta(days=2)
    fetched = {day: day_start_ms(day) + MS_PER_DAY + LATE_DATA_MS - 1}
    windows = plan_windows(day, day, fetched, NOW)
    assert [(w.start, w.end) for w in windows] == [
        (day_start_ms(day), day_start_ms(day) + MS_PER_DAY - 1)
    ]


def test_window_edges_are_adjacent_milliseconds():
    """Adjacent windows meet at end + 1 ms = next start: inclusive bounds, no shared instant."""
    windows = plan_windows(LAST - timedelta(days=20), LAST, {}, NOW, window_days=7)
    assert [w.end + 1 for w in windows[1:]] == [w.start for w in windows[:-1]]
    assert windows[0].end == NOW


def test_a_first_backfill_reads_the_newest_two_days_first_then_whole_weeks():
    windows = plan_windows(LAST - timedelta(days=20), LAST, {}, NOW, window_days=7)
    spans = [(day_of(w.end) - day_of(w.start)).days + 1 for w in windows]
    assert spans == [2, 7, 7, 5]
    fetched = {LAST - timedelta(days=30): day_start_ms(LAST)}  # any day read before: no haste
    windows = plan_windows(LAST - timedelta(days=20), LAST, fetched, NOW, window_days=7)
    assert [(day_of(w.end) - day_of(w.start)).days + 1 for w in windows] == [7, 7, 7]
