"""400 answers: the documented `{"error": "Bad Request", "message": ...}` body for bad input."""

from __future__ import annotations

import pytest

from pumpview import money
from pumpview.timeutil import MS_PER_DAY
from tests.conftest import NOW_MS
from tests.simulator.calls import DAILY, EVENTS, SPEND


def assert_bad_request(response):
    assert response.status_code == 400
    body = money.loads(response.text)
    assert set(body) == {"error", "message"}
    assert body["error"] == "Bad Request"
    assert isinstance(body["message"], str)
    assert body["message"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"pageSize": 0}, id="pageSize-0"),
        pytest.param({"pageSize": 1001}, id="pageSize-1001"),
        pytest.param({"page": 0}, id="page-0"),
        pytest.param({"pageSize": "10"}, id="pageSize-string"),
        pytest.param({"startDate": NOW_MS, "endDate": NOW_MS - 1}, id="start-after-end"),
        pytest.param({"hostingType": "ON_PREM"}, id="unknown-hostingType"),
    ],
)
def test_bad_usage_events_request_is_400(shared, body):
    """Out-of-range paging, reversed dates and an unknown hostingType are answered 400."""
    with shared.client() as client:
        assert_bad_request(client.post(EVENTS, json=body))


@pytest.mark.parametrize("path", [EVENTS, DAILY, SPEND])
def test_non_json_body_is_400(shared, path):
    """A body that is not JSON is answered 400, not 500."""
    with shared.client() as client:
        response = client.post(
            path, content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert_bad_request(response)


def test_json_body_that_is_not_an_object_is_400(shared):
    """A JSON array as the body is answered 400."""
    with shared.client() as client:
        assert_bad_request(client.post(EVENTS, json=[1, 2]))


def test_largest_page_size_is_accepted(shared):
    """pageSize 1000, the documented maximum, is accepted."""
    with shared.client() as client:
        response = client.post(EVENTS, json={"pageSize": 1000})
    assert response.status_code == 200


def test_daily_usage_over_30_days_is_400(shared):
    """A daily-usage range longer than 30 days is answered 400."""
    with shared.client() as client:
        response = client.post(
            DAILY, json={"startDate": NOW_MS - 30 * MS_PER_DAY - 1, "endDate": NOW_MS}
        )
    assert_bad_request(response)


def test_daily_usage_of_exactly_30_days_is_accepted(shared):
    """A daily-usage range of exactly 30 days is still accepted."""
    with shared.client() as client:
        response = client.post(
            DAILY, json={"startDate": NOW_MS - 30 * MS_PER_DAY, "endDate": NOW_MS}
        )
    assert response.status_code == 200


def test_daily_usage_with_reversed_dates_is_400(shared):
    """startDate after endDate on daily usage is answered 400."""
    with shared.client() as client:
        response = client.post(DAILY, json={"startDate": NOW_MS, "endDate": NOW_MS - 1})
    assert_bad_request(response)


def test_events_span_over_the_configured_cap_is_400(serve):
    """With events_max_span_days set, a longer events range is answered 400."""
    served = serve(events_max_span_days=7)
    with served.client() as client:
        response = client.post(
            EVENTS, json={"startDate": NOW_MS - 7 * MS_PER_DAY - 1, "endDate": NOW_MS}
        )
    assert_bad_request(response)


def test_events_span_at_the_configured_cap_is_accepted(serve):
    """With events_max_span_days set, a range of exactly that many days is accepted."""
    served = serve(events_max_span_days=7)
    with served.client() as client:
        response = client.post(
            EVENTS, json={"startDate": NOW_MS - 7 * MS_PER_DAY, "endDate": NOW_MS}
        )
    assert response.status_code == 200


def test_events_span_is_unlimited_by_default(shared):
    """Without events_max_span_days a year-long events range is accepted (no documented cap)."""
    with shared.client() as client:
        response = client.post(
            EVENTS, json={"startDate": NOW_MS - 365 * MS_PER_DAY, "endDate": NOW_MS}
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"pageSize": 0}, id="pageSize-0"),
        pytest.param({"page": 0}, id="page-0"),
        pytest.param({"sortBy": "cost"}, id="unknown-sortBy"),
        pytest.param({"sortDirection": "up"}, id="unknown-sortDirection"),
    ],
)
def test_bad_spend_request_is_400(shared, body):
    """Bad paging or sort values on /teams/spend are answered 400."""
    with shared.client() as client:
        assert_bad_request(client.post(SPEND, json=body))


def test_bad_billing_cycle_is_400(shared):
    """A billingCycle that is not YYYY-MM-DD is answered 400."""
    with shared.client() as client:
        assert_bad_request(client.get("/teams/groups", params={"billingCycle": "last-month"}))
