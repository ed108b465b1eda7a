"""The primary hourly limit, the secondary per-minute per-endpoint limit, and the x-ratelimit-*
headers on every answer."""

from __future__ import annotations

import json

from tests.simulator.github.conftest import Clock

SEATS = "/orgs/acme/copilot/billing/seats"
SUMMARY = "/orgs/acme/copilot/billing"
HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-used",
    "x-ratelimit-reset",
    "x-ratelimit-resource",
)
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID "
    "E1F2:3A4B:5C6D7E:8F9A0B:675A1C2D."
)


def limits(response):
    return {name: response.headers[name] for name in HEADERS}


def test_every_answer_carries_the_rate_limit_headers(serve):
    """A 200, a 404 and a 403 all carry the five headers; each request uses one point."""
    clock = Clock(1_796_659_200.0)
    served = serve(members=6, days=10, clock=clock)
    with served.client() as client:
        answers = [
            client.get(SEATS),
            client.get("/orgs/acme/copilot/metrics"),
            client.get("/orgs/other/copilot/billing"),
        ]
    assert [r.status_code for r in answers] == [200, 404, 404]
    assert [limits(r) for r in answers] == [
        {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(5000 - n),
            "x-ratelimit-used": str(n),
            "x-ratelimit-reset": "1796662800",
            "x-ratelimit-resource": "core",
        }
        for n in (1, 2, 3)
    ]


def test_unauthenticated_answers_draw_from_the_anonymous_60(serve):
    """A 401 carries the headers of the unauthenticated bucket (60 an hour)."""
    served = serve(members=6, days=10)
    with served.client(token="ghp_" + "z" * 36) as client:
        response = client.get(SEATS)
    assert response.status_code == 401
    assert response.headers["x-ratelimit-limit"] == "60"


def test_primary_limit_spent_is_403_with_remaining_zero_until_reset(serve):
    """With hourly_limit 3 the fourth request is 403 "API rate limit exceeded" with
    remaining 0; an hour later the budget is back."""
    clock = Clock(1_796_659_200.0)
    served = serve(members=6, days=10, hourly_limit=3, clock=clock)
    with served.client() as client:
        statuses = [client.get(SUMMARY).status_code for _ in range(3)]
        refused = client.get(SEATS)
        clock.now += 3600
        after = client.get(SEATS)
    assert statuses == [200] * 3
    assert refused.status_code == 403
    assert json.loads(refused.text) == {
        "message": "API rate limit exceeded for user ID 1.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        "status": "403",
    }
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-used"] == "3"
    assert after.status_code == 200
    assert after.headers["x-ratelimit-used"] == "1"


def test_secondary_limit_is_per_endpoint_per_minute_with_retry_after(serve):
    """With secondary_per_minute 3 the fourth GET of one endpoint in a minute is 403 with the
    documented message and ``retry-after`` the seconds left in the minute; another endpoint is
    unaffected, and the next minute the endpoint answers again."""
    clock = Clock(1_796_659_200.0 + 15)
    served = serve(members=6, days=10, secondary_per_minute=3, clock=clock)
    with served.client() as client:
        statuses = [client.get(SEATS, params={"page": n}).status_code for n in (1, 2, 3)]
        refused = client.get(SEATS)
        other = client.get(SUMMARY).status_code
        clock.now += 45
        later = client.get(SEATS).status_code
    assert statuses == [200] * 3
    assert refused.status_code == 403
    assert json.loads(refused.text)["message"] == SECONDARY
    assert refused.headers["retry-after"] == "45"
    assert int(refused.headers["x-ratelimit-remaining"]) > 0
    assert (other, later) == (200, 200)


def test_member_seat_paths_are_one_endpoint_for_the_secondary_limit(serve):
    """Each user's seat path counts against the same endpoint's budget."""
    served = serve(members=12, days=10, secondary_per_minute=2)
    logins = [u.login for u in served.sim.org.users[:3]]
    with served.client() as client:
        statuses = [
            client.get(f"/orgs/acme/members/{login}/copilot").status_code for login in logins
        ]
    assert statuses == [200, 200, 403]


def test_secondary_limit_may_answer_429(serve):
    """``secondary_status=429``: the other documented status, same body and retry-after."""
    served = serve(members=6, days=10, secondary_per_minute=1, secondary_status=429)
    with served.client() as client:
        client.get(SEATS)
        refused = client.get(SEATS)
    assert refused.status_code == 429
    assert json.loads(refused.text) == {
        "message": SECONDARY,
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
        "#about-secondary-rate-limits",
        "status": "429",
    }
    assert "retry-after" in refused.headers


def test_a_mutation_costs_five_points(serve):
    """POST costs 5 points: with 9 points a minute, the second POST is refused."""
    served = serve(members=6, days=10, secondary_per_minute=9)
    path = "/orgs/acme/copilot/billing/selected_users"
    with served.client() as client:
        statuses = [
            client.post(path, json={"selected_usernames": ["x"]}).status_code for _ in range(2)
        ]
    assert statuses == [201, 403]
