"""PageReader: every page once, in order, read ahead but never beyond numPages, over real HTTP."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import stamina

from pumpview.errors import BadResponse
from pumpview.integrations.cursor.client import CursorClient
from pumpview.integrations.cursor.paging import AHEAD, PageReader
from pumpview.simulator import DEMO_KEY
from pumpview.simulator.truth import visible_events
from pumpview.timeutil import MS_PER_DAY, Window
from tests.conftest import NOW_MS, Served

EVENTS = "/teams/filtered-usage-events"
NEWER = Window(NOW_MS - 7 * MS_PER_DAY + 1, NOW_MS)
OLDER = Window(NEWER.start - 7 * MS_PER_DAY, NEWER.start - 1)


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture
def served(serve) -> Served:
    """About 7,000 events a week: several pages per window."""
    return serve(events_per_member_day=100)


def _asked(served: Served) -> list[tuple[int, int]]:
    """(startDate, page) of every usage-events request the simulator answered, in order."""
    bodies = [json.loads(c.body) for c in served.sim.calls if c.path == EVENTS]
    return [(b["startDate"], b["page"]) for b in bodies]


def _settle(reader: PageReader) -> None:
    """Return once every request ``reader`` has submitted so far is answered and recorded.

    Sound because the worker runs calls strictly in submission order: when a no-op submitted now
    has run, every earlier call has returned, so its answer was received, and the simulator
    records a call before it answers. The reader submits only from the consumer's thread, inside
    ``pages()`` (via ``_first``/``_ask``; ``_read``, on the worker, submits nothing), so while the
    test does not advance a generator nothing new can be queued: the calls recorded are final.
    """
    # PageReader has no public way to its worker: this is the module's one private reach.
    reader._worker.submit(lambda: None).result(timeout=10)


def test_reads_each_page_once_in_order_ahead_and_the_next_window_early(served):
    team = served.sim.team
    pages = {w: -(-len(visible_events(team, w.start, w.end)) // 1000) for w in (NEWER, OLDER)}
    assert pages[NEWER] > AHEAD + 1  # enough pages to see the bound on reading ahead
    with served.client(DEMO_KEY) as http, PageReader(CursorClient(http, pacing=False)) as reader:
        newer = reader.pages(NEWER, following=OLDER)
        got = [next(newer)]
        _settle(reader)  # anything asked beyond 1 + AHEAD would be recorded by now
        assert _asked(served) == [(NEWER.start, p) for p in range(1, 2 + AHEAD)]
        got.extend(itertools.islice(newer, pages[NEWER] - 2))  # all but NEWER's last page
        _settle(reader)
        assert len(got) == pages[NEWER] - 1  # NEWER's last page is not handed over yet, but
        assert _asked(served)[-1] == (OLDER.start, 1)  # OLDER's first is asked already: early
        got.extend(newer)
        older = list(reader.pages(OLDER))
    assert _asked(served) == [(w.start, p) for w in (NEWER, OLDER) for p in range(1, pages[w] + 1)]
    for window, read in ((NEWER, got), (OLDER, older)):
        expected = visible_events(team, window.start, window.end)
        assert {total for total, _ in read} == {len(expected)}
        stamps = [int(e["timestamp"]) for _, events in read for e in events]
        assert stamps == [e.timestamp for e in expected]


def test_a_window_left_early_is_read_again_from_page_one(served):
    """The caller stops after one page (as on a shift): queued pages are dropped, and the next
    read of the window starts again at page 1."""
    with served.client(DEMO_KEY) as http, PageReader(CursorClient(http, pacing=False)) as reader:
        first = reader.pages(NEWER)
        next(first)
        first.close()
        _settle(reader)  # page 2 may have been in flight: it is recorded before counting
        in_flight = [(NEWER.start, 1), (NEWER.start, 2)]
        assert _asked(served) in (in_flight[:1], in_flight)  # pages 3 to 1 + AHEAD were dropped
        asked_before = len(_asked(served))
        again = list(reader.pages(NEWER))
    assert _asked(served)[asked_before] == (NEWER.start, 1)
    expected = len(visible_events(served.sim.team, NEWER.start, NEWER.end))
    assert sum(len(events) for _, events in again) == expected


def test_more_pages_than_num_pages_is_a_bad_response():
    def answer(_request: httpx.Request) -> httpx.Response:
        body = {
            "totalUsageEventsCount": 1,
            "usageEvents": [{"timestamp": str(NOW_MS)}],
            "pagination": {"numPages": 1, "hasNextPage": True},
        }
        return httpx.Response(200, json=body)

    with (
        httpx.Client(base_url="http://cursor.test", transport=httpx.MockTransport(answer)) as http,
        PageReader(CursorClient(http, pacing=False)) as reader,
        pytest.raises(BadResponse, match="more pages than numPages"),
    ):
        list(reader.pages(NEWER))


def test_stopping_does_not_wait_for_a_request_in_flight():
    """Ctrl-C in the middle of a sync exits at once: the next page's request, still waiting for
    its answer (or for a pacing pause of up to a minute), is dropped, not waited for."""
    answered = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        page = json.loads(request.content)["page"]
        if page > 1:
            answered.wait(10)
        body = {
            "totalUsageEventsCount": 2000,
            "usageEvents": [{"timestamp": str(NOW_MS)}] * 1000,
            "pagination": {"numPages": 2, "hasNextPage": page < 2},
        }
        return httpx.Response(200, json=body)

    def interrupted_after_one_page() -> None:
        with (
            httpx.Client(base_url="http://x.test", transport=httpx.MockTransport(answer)) as http,
            PageReader(CursorClient(http, pacing=False)) as reader,
        ):
            for _page in reader.pages(NEWER):
                raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        interrupted_after_one_page()
    assert time.monotonic() - started < 5  # the answer to page 2 is held back for 10 s
    answered.set()
