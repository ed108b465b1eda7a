"""Request helpers for the simulator contract tests: call an endpoint, read its JSON exactly."""

from __future__ import annotations

from typing import Any

import httpx

from pumpview import money
from pumpview.simulator import Simulator, truth
from pumpview.timeutil import MS_PER_DAY
from tests.conftest import NOW_MS

WINDOW = (NOW_MS - 3 * MS_PER_DAY, NOW_MS - 1)
"""The last three days before the fixed present: a busy Friday, a quiet weekend."""

EVENTS = "/teams/filtered-usage-events"
DAILY = "/teams/daily-usage-data"
SPEND = "/teams/spend"


def post_json(client: httpx.Client, path: str, **body: object) -> Any:
    """POST ``body`` and return the 200 answer parsed with exact decimals."""
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return money.loads(response.text)


def get_json(client: httpx.Client, path: str, **params: str) -> Any:
    """GET with query ``params`` and return the 200 answer parsed with exact decimals."""
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return money.loads(response.text)


def page_through(client: httpx.Client, start: int, end: int, page_size: int) -> list[Any]:
    """Every event of ``[start, end]``, read page by page until ``hasNextPage`` is false."""
    events: list[Any] = []
    page = 1
    while True:
        body = post_json(
            client, EVENTS, startDate=start, endDate=end, page=page, pageSize=page_size
        )
        events.extend(body["usageEvents"])
        if not body["pagination"]["hasNextPage"]:
            return events
        page += 1


def expected_events(sim: Simulator, start: int, end: int) -> list[Any]:
    """The ground truth for ``[start, end]``: each visible event's JSON, newest first."""
    return [money.loads(e.json) for e in truth.visible_events(sim.team, start, end)]
