"""Billing cycles are instants, and the usage of a window that starts or ends inside a day is
exactly its events'."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pumpview.reports import cycles, window
from pumpview.simulator import truth as gt
from pumpview.store.engine import snapshot
from pumpview.store.measures import MEASURES
from pumpview.timeutil import MS_PER_HOUR, day_start_ms, to_ms
from tests.conftest import NOW_MS
from tests.reports.test_usage import DAYS, _sync


def _ms(*args: int) -> int:
    return to_ms(datetime(*args, tzinfo=UTC))


def test_a_cycle_is_stepped_a_month_at_a_time_from_cursors_start_instant():
    """Known start 2025-10-07 17:23: the cycle at any instant starts on a 7th at 17:23, and
    an instant exactly at a start belongs to the new cycle."""
    known = [_ms(2025, 10, 7, 17, 23)]
    assert cycles.cycle_at(known, _ms(2025, 10, 7, 17, 23)) == cycles.Cycle(
        _ms(2025, 10, 7, 17, 23), _ms(2025, 11, 7, 17, 23), known=True
    )
    just_before = _ms(2025, 10, 7, 17, 23) - 1
    assert cycles.cycle_at(known, just_before).start_ms == _ms(2025, 9, 7, 17, 23)
    assert cycles.cycle_at(known, _ms(2026, 2, 1)).start_ms == _ms(2026, 1, 7, 17, 23)
    assert cycles.cycle_at(known, _ms(2026, 2, 1)).end_ms == _ms(2026, 2, 7, 17, 23)


def test_a_start_on_the_31st_is_the_last_day_of_a_shorter_month():
    known = [_ms(2026, 1, 31, 8)]
    cycle = cycles.cycle_at(known, _ms(2026, 2, 15))
    assert (cycle.start_ms, cycle.end_ms) == (_ms(2026, 1, 31, 8), _ms(2026, 2, 28, 8))


def test_a_later_start_cursor_reported_ends_the_cycle_before_it():
    """Cursor moved the cycle (a plan change): the next reported start ends the one before."""
    known = [_ms(2025, 9, 7, 17, 23), _ms(2025, 10, 1, 9)]
    assert cycles.cycle_at(known, _ms(2025, 9, 20)) == cycles.Cycle(
        _ms(2025, 9, 7, 17, 23), _ms(2025, 10, 1, 9), known=True
    )
    assert cycles.cycle_at(known, _ms(2025, 10, 20)).start_ms == _ms(2025, 10, 1, 9)


def test_without_a_known_start_a_cycle_is_a_calendar_month():
    assert cycles.cycle_at([], _ms(2025, 11, 24, 16)) == cycles.Cycle(
        _ms(2025, 11, 1), _ms(2025, 12, 1), known=False
    )
    assert cycles.cycle_at([], _ms(2025, 12, 31, 23, 59)).last_day == date(2025, 12, 31)


def test_window_sums_are_exact_for_windows_cut_inside_days(engine, serve):
    """Per person, the measures of [start, end) equal the events' for windows starting and
    ending at odd instants, on one day, across days, and on whole days."""
    served = serve(days=DAYS, members=8)
    _sync(engine, served)
    team = served.sim.team
    windows = [
        (_ms(2025, 11, 3, 17, 23), _ms(2025, 11, 20, 6, 5)),
        (_ms(2025, 11, 10, 9), _ms(2025, 11, 10, 15, 30)),
        (day_start_ms(date(2025, 11, 1)), day_start_ms(date(2025, 11, 15))),
        (_ms(2025, 11, 1, 0, 0, 1), day_start_ms(date(2025, 11, 2))),
        (_ms(2025, 11, 20, 12), NOW_MS - 2 * MS_PER_HOUR),
    ]
    with snapshot(engine) as conn:
        for start, end in windows:
            got = window.per_person(conn, [1], start, end)
            events = gt.visible_events(team, start, end - 1)
            expected = gt.group(events, gt.by_user, old_api=False)
            assert {k: tuple(getattr(m, n) for n in MEASURES) for k, m in got.items()} == {
                (k or ""): tuple(getattr(t, n) for n in MEASURES) for k, t in expected.items()
            }, (start, end)
