"""What the usage feed shows and when: the hourly lag, retention, and a moving present."""

from __future__ import annotations

from pumpview import money
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR
from tests.conftest import NOW_MS
from tests.simulator.calls import EVENTS, page_through, post_json

LATER = NOW_MS + 40 * 60_000
"""16:40 UTC on a Monday: forty minutes into an hour that has events."""


def raw(sim, start, end):
    """Every generated event in ``[start, end]``, visible or not, as the feed would render it."""
    return [money.loads(e.json) for e in sim.team.events_between(start, end)]


def test_hourly_lag_hides_the_current_hour(serve):
    """With the lag on, events of the still-open UTC hour are not returned."""
    served = serve(now_ms=LATER)
    assert raw(served.sim, NOW_MS, LATER)
    with served.client() as client:
        events = page_through(client, NOW_MS - 2 * MS_PER_HOUR, LATER, 1000)
    assert events == raw(served.sim, NOW_MS - 2 * MS_PER_HOUR, NOW_MS - 1)


def test_without_lag_the_current_hour_is_visible(serve):
    """With hourly_lag off, events up to the present instant are returned."""
    served = serve(now_ms=LATER, hourly_lag=False)
    with served.client() as client:
        events = page_through(client, NOW_MS - 2 * MS_PER_HOUR, LATER, 1000)
    assert events == raw(served.sim, NOW_MS - 2 * MS_PER_HOUR, LATER)


def test_events_after_the_present_are_never_returned(serve):
    """The rest of today is generated but not yet visible, lag or not."""
    served = serve(now_ms=LATER, hourly_lag=False)
    end_of_day = NOW_MS - NOW_MS % MS_PER_DAY + MS_PER_DAY - 1
    assert raw(served.sim, LATER + 1, end_of_day)
    with served.client() as client:
        body = post_json(client, EVENTS, startDate=LATER + 1, endDate=end_of_day)
    assert body["totalUsageEventsCount"] == 0
    assert body["usageEvents"] == []


def test_retention_hides_older_events(serve):
    """With retention_days 3 only events of the last three days are returned."""
    served = serve(retention_days=3)
    horizon = NOW_MS - 3 * MS_PER_DAY
    assert raw(served.sim, 0, horizon - 1)
    with served.client() as client:
        events = page_through(client, 0, NOW_MS, 1000)
    assert events == raw(served.sim, horizon, NOW_MS - 1)


def test_window_entirely_before_retention_is_empty(serve):
    """A window older than the retention horizon answers 200 with nothing in it."""
    served = serve(retention_days=3)
    with served.client() as client:
        body = post_json(client, EVENTS, startDate=0, endDate=NOW_MS - 4 * MS_PER_DAY)
    assert body["totalUsageEventsCount"] == 0
    assert body["pagination"]["numPages"] == 0


def test_set_now_reveals_new_events(serve):
    """Moving the present forward makes the newly closed hours' events appear."""
    served = serve()
    start, end = NOW_MS, NOW_MS + 3 * MS_PER_HOUR - 1
    with served.client() as client:
        before = post_json(client, EVENTS, startDate=start, endDate=end)["totalUsageEventsCount"]
        served.sim.set_now(NOW_MS + 3 * MS_PER_HOUR)
        after = page_through(client, start, end, 1000)
    assert before == 0
    assert after
    assert after == raw(served.sim, start, end)


def test_set_now_moves_the_default_window(serve):
    """The default 30-day window ends at the new present."""
    served = serve()
    served.sim.set_now(NOW_MS + MS_PER_DAY)
    with served.client() as client:
        body = post_json(client, EVENTS)
    assert body["period"]["endDate"] == NOW_MS + MS_PER_DAY
