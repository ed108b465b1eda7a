"""Late events landing inside the window being paged, as a busy team's hourly flush does."""

from __future__ import annotations

import json
from collections import Counter

from pumpview.simulator import truth
from pumpview.timeutil import MS_PER_DAY
from tests.conftest import NOW_MS
from tests.simulator.calls import EVENTS, expected_events, page_through, post_json

THURSDAY = (
    NOW_MS - NOW_MS % MS_PER_DAY - 4 * MS_PER_DAY,
    NOW_MS - NOW_MS % MS_PER_DAY - 3 * MS_PER_DAY - 1,
)
"""A whole busy weekday, well before the present."""
SIZE = 10


def multiset(events):
    return Counter(json.dumps(e, sort_keys=True, default=str) for e in events)


def naive_read(client):
    return page_through(client, *THURSDAY, SIZE)


def test_total_grows_between_pages(serve):
    """Each request adds a batch of arrivals, so totalUsageEventsCount grows page after page."""
    served = serve(live_arrivals=30, arrival_batch=3)
    base = len(truth.visible_events(served.sim.team, *THURSDAY))
    with served.client() as client:
        totals = [
            post_json(
                client, EVENTS, startDate=THURSDAY[0], endDate=THURSDAY[1], page=p, pageSize=SIZE
            )["totalUsageEventsCount"]
            for p in (1, 2, 3, 4)
        ]
    assert totals == [base + 3, base + 6, base + 9, base + 12]


def test_naive_page_through_misses_or_repeats_events(serve):
    """Paging while events arrive yields a different multiset than the final ground truth."""
    served = serve(live_arrivals=30, arrival_batch=3)
    with served.client() as client:
        naive = naive_read(client)
    assert served.sim.arrivals_left == 0
    assert multiset(naive) != multiset(expected_events(served.sim, *THURSDAY))


def test_rereading_after_arrivals_stop_equals_ground_truth(serve):
    """Once arrivals are exhausted, a second read of the window is exactly the ground truth."""
    served = serve(live_arrivals=30, arrival_batch=3)
    base = len(truth.visible_events(served.sim.team, *THURSDAY))
    with served.client() as client:
        naive_read(client)
        again = naive_read(client)
    assert again == expected_events(served.sim, *THURSDAY)
    assert len(again) == base + 30


def test_arrivals_land_only_inside_the_paged_window(serve):
    """Arrivals never change the events outside the window being read."""
    served = serve(live_arrivals=30, arrival_batch=3)
    team = served.sim.team
    before = [e.json for e in team.events_between(0, THURSDAY[0] - 1)]
    after_window = [e.json for e in team.events_between(THURSDAY[1] + 1, NOW_MS)]
    with served.client() as client:
        naive_read(client)
    assert [e.json for e in team.events_between(0, THURSDAY[0] - 1)] == before
    assert [e.json for e in team.events_between(THURSDAY[1] + 1, NOW_MS)] == after_window


def test_arrivals_are_off_by_default(shared):
    """Without live_arrivals, repeated reads of a window are identical."""
    with shared.client() as client:
        first, second = naive_read(client), naive_read(client)
    assert first == second == expected_events(shared.sim, *THURSDAY)
