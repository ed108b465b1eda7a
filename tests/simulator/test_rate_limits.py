"""Per-team, per-minute budgets: the 429 body, per-endpoint limits, resets and Retry-After."""

from __future__ import annotations

from pumpview import money
from pumpview.simulator import DEMO_LEGACY_KEY
from tests.simulator.calls import EVENTS, SPEND

TOO_MANY = {"error": "Too Many Requests", "message": "Rate limit exceeded. Please try again later."}
MINUTE_START = 1_764_000_000.0
"""A wall-clock second that starts a minute (divisible by 60)."""


class Clock:
    """A wall clock that only moves when a test says so."""

    def __init__(self, now: float = MINUTE_START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def statuses(client, count, path=EVENTS):
    if path == "/teams/members":
        return [client.get(path).status_code for _ in range(count)]
    return [client.post(path, json={"pageSize": 1}).status_code for _ in range(count)]


def test_61st_events_request_in_a_minute_is_429(serve):
    """Usage events allow 60 requests per minute; the 61st is answered 429."""
    served = serve(rate_limits=True, clock=Clock(), days=2)
    with served.client() as client:
        assert statuses(client, 61) == [200] * 60 + [429]


def test_429_body_is_the_documented_one(serve):
    """A rate-limited request gets the documented JSON body."""
    served = serve(rate_limits=True, clock=Clock(), days=2)
    with served.client() as client:
        statuses(client, 20, "/teams/members")
        response = client.get("/teams/members")
    assert response.status_code == 429
    assert money.loads(response.text) == TOO_MANY


def test_21st_members_request_in_a_minute_is_429(serve):
    """Members share the default 20-per-minute budget; the 21st request is answered 429."""
    served = serve(rate_limits=True, clock=Clock(), days=2)
    with served.client() as client:
        assert statuses(client, 21, "/teams/members") == [200] * 20 + [429]


def test_each_endpoint_has_its_own_budget(serve):
    """Spending the members budget leaves spend and usage events unaffected."""
    served = serve(rate_limits=True, clock=Clock(), days=2)
    with served.client() as client:
        statuses(client, 21, "/teams/members")
        others = [
            client.post(SPEND, json={}).status_code,
            client.post(EVENTS, json={}).status_code,
        ]
    assert others == [200, 200]


def test_budget_resets_in_the_next_minute(serve):
    """After the clock enters the next minute the endpoint answers 200 again."""
    clock = Clock()
    served = serve(rate_limits=True, clock=clock, days=2)
    with served.client() as client:
        spent = statuses(client, 21, "/teams/members")
        clock.now += 60
        fresh = statuses(client, 1, "/teams/members")
    assert (spent[-1], fresh) == (429, [200])


def test_budget_is_per_calendar_minute_not_sliding(serve):
    """Requests late in one minute do not count against the next minute."""
    clock = Clock(MINUTE_START + 59)
    served = serve(rate_limits=True, clock=clock, days=2)
    with served.client() as client:
        statuses(client, 20, "/teams/members")
        clock.now = MINUTE_START + 60.5
        assert statuses(client, 20, "/teams/members") == [200] * 20


def test_no_retry_after_by_default(serve):
    """Retry-After is undocumented upstream, so a 429 carries none unless configured."""
    served = serve(rate_limits=True, clock=Clock(), days=2)
    with served.client() as client:
        statuses(client, 20, "/teams/members")
        response = client.get("/teams/members")
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_retry_after_is_seconds_to_the_next_minute(serve):
    """With retry_after on, Retry-After counts the whole seconds left in the minute."""
    clock = Clock(MINUTE_START + 12.5)
    served = serve(rate_limits=True, retry_after=True, clock=clock, days=2)
    with served.client() as client:
        statuses(client, 20, "/teams/members")
        response = client.get("/teams/members")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "48"  # 60 - 12.5, rounded up


def test_retry_after_absent_on_success(serve):
    """A 200 never carries Retry-After, even with retry_after on."""
    served = serve(rate_limits=True, retry_after=True, clock=Clock(), days=2)
    with served.client() as client:
        response = client.get("/teams/members")
    assert response.status_code == 200
    assert "retry-after" not in response.headers


def test_old_api_limits_events_at_20_a_minute(serve):
    """The old API allows 20 usage-events requests per minute; the 21st is answered 429."""
    served = serve(rate_limits=True, clock=Clock(), days=2, old_api=True)
    with served.client(key=DEMO_LEGACY_KEY) as client:
        assert statuses(client, 21) == [200] * 20 + [429]


def test_rejected_requests_do_not_spend_the_budget(serve):
    """401s are answered before the budget is drawn, so they leave it whole."""
    served = serve(rate_limits=True, clock=Clock(), days=2)
    with served.client(key=None) as stranger:
        statuses(stranger, 30, "/teams/members")
    with served.client() as client:
        assert statuses(client, 20, "/teams/members") == [200] * 20
