"""How complete the data is: each provisional day counted once however many Cursor teams store
it, only the teams chosen, and a disconnected team's pending days final as stored."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from pumpview.integrations import runner
from pumpview.reports import completeness
from pumpview.reports.ranges import Range
from pumpview.store import integrations, runs, tables
from pumpview.store.usage import LATE_DATA_MS
from pumpview.timeutil import MS_PER_DAY, Clock, day_of, day_start_ms
from tests.conftest import NOW_MS
from tests.reports.test_usage import _sync

ON_CLICKHOUSE = True
"""Also run with the facts in ClickHouse (``tests/conftest.py``)."""

TODAY = day_of(NOW_MS)  # 2025-11-24, synced at 16:00 UTC
SPAN = Range("custom", TODAY - timedelta(days=29), TODAY)
LAST_FINAL = date(2025, 11, 20)
"""By hand: a day is final once read 72 hours after it ended. 2025-11-20 ended on the 21st at
00:00, +72 h is the 24th at 00:00, before 16:00; the 21st ends +72 h on the 25th."""
PENDING = (TODAY - LAST_FINAL).days  # the 21st, 22nd, 23rd and 24th


def _two_teams(engine, serve) -> None:
    _sync(engine, serve(days=12, members=5, seed=1), "cursor")
    _sync(engine, serve(days=12, members=6, seed=2), "cursor-eu")


def test_the_hand_computed_edge_is_the_stores_own():
    """The figures below rest on the store's rule, not a copy of the output."""
    assert day_start_ms(LAST_FINAL) + MS_PER_DAY + LATE_DATA_MS <= NOW_MS
    assert day_start_ms(LAST_FINAL + timedelta(days=1)) + MS_PER_DAY + LATE_DATA_MS > NOW_MS
    assert PENDING == 4


def test_two_teams_count_each_provisional_day_once(engine, serve):
    """Two teams synced at the same instant: 4 provisional days, not 8, with or without the
    team filter."""
    _two_teams(engine, serve)
    for chosen in (None, ["cursor"], ["cursor-eu"], ["cursor", "cursor-eu"]):
        seen = completeness.of(engine, SPAN, NOW_MS, chosen)
        assert (seen.complete_through, seen.provisional_days) == (LAST_FINAL, PENDING), chosen
        assert seen.final_as_stored == ()


def test_a_disconnected_teams_pending_days_are_final_as_stored(engine, serve):
    """Its pending days are never read again: not provisional, named as final as stored."""
    _two_teams(engine, serve)
    runner.disconnect(engine, "cursor-eu", purge=False, clock=Clock(NOW_MS))
    both = completeness.of(engine, SPAN, NOW_MS)
    assert (both.complete_through, both.provisional_days) == (LAST_FINAL, PENDING)
    assert both.final_as_stored == (completeness.AsStored("cursor-eu", PENDING),)
    alone = completeness.of(engine, SPAN, NOW_MS, ["cursor-eu"])
    assert (alone.complete_through, alone.provisional_days) == (TODAY, 0)
    assert alone.final_as_stored == (completeness.AsStored("cursor-eu", PENDING),)
    live = completeness.of(engine, SPAN, NOW_MS, ["cursor"])
    assert (live.provisional_days, live.final_as_stored) == (PENDING, ())


def test_a_sync_loading_counts_only_for_the_teams_chosen(engine, serve):
    """A backfill running on one team makes that team's figures partial, not the other's: the
    page filtered to the other team says nothing is loading."""
    _two_teams(engine, serve)
    with engine.begin() as conn:
        eu = integrations.ids(conn)["cursor-eu"]
        run = runs.start(conn, eu, "elsewhere pid 1", NOW_MS)
    assert [r.id for r in completeness.of(engine, SPAN, NOW_MS).loading] == [run]
    assert [r.id for r in completeness.of(engine, SPAN, NOW_MS, ["cursor-eu"]).loading] == [run]
    assert completeness.of(engine, SPAN, NOW_MS, ["cursor"]).loading == ()


def test_the_retention_seen_is_the_chosen_teams(engine, serve):
    """Cursor kept less of one team's history than of the other: the page of the other team
    names its own oldest day, not the first team's."""
    _two_teams(engine, serve)
    every = tables.integrations
    kept = TODAY - timedelta(days=20)
    with engine.begin() as conn:
        conn.execute(update(every).where(every.c.name == "cursor-eu").values(earliest_day=kept))
        own = conn.execute(select(every.c.earliest_day).where(every.c.name == "cursor")).scalar()
    assert own is not None
    assert own > kept
    assert completeness.of(engine, SPAN, NOW_MS).retention_from == kept
    assert completeness.of(engine, SPAN, NOW_MS, ["cursor-eu"]).retention_from == kept
    assert completeness.of(engine, SPAN, NOW_MS, ["cursor"]).retention_from == own
