"""Injected faults and rate limits, seeded: 500/529, 429 with retry-after, truncation, slowness."""

from __future__ import annotations

import json

import httpx
import pytest

from pumpview.simulator.anthropic import DEMO_ANTHROPIC_KEY
from pumpview.simulator.anthropic.config import ADMIN
from pumpview.simulator.config import Faults
from tests.simulator.anthropic.calls import USERS, error_of

SECOND_KEY = "sk-ant-admin01-" + "s" * 86
TOO_MANY = (429, "rate_limit_error", "Number of requests has exceeded your rate limit")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_error_rate_one_answers_500_api_error_or_529_overloaded(serve_anthropic):
    """With error_rate 1 every answer is a 500 api_error or a 529 overloaded_error envelope."""
    served = serve_anthropic(faults=Faults(error_rate=1.0, seed=7))
    kinds = set()
    with served.client() as client:
        for _ in range(20):
            status, kind, _ = error_of(client.get(USERS))
            kinds.add((status, kind))
    assert kinds == {(500, "api_error"), (529, "overloaded_error")}


def test_server_errors_come_before_auth(serve_anthropic):
    """A keyless request still gets the server error."""
    served = serve_anthropic(faults=Faults(error_rate=1.0))
    with served.client(key=None) as client:
        assert client.get(USERS).status_code in (500, 529)


def test_first_429_then_answers(serve_anthropic):
    """first_429=2: two 429 rate_limit_error with retry-after, then a 200."""
    served = serve_anthropic(faults=Faults(first_429=2))
    with served.client() as client:
        for _ in range(2):
            response = client.get(USERS)
            assert error_of(response) == TOO_MANY
            assert response.headers["retry-after"] == "1"
        assert client.get(USERS).status_code == 200


def test_burst_429_rate_one_is_always_429(serve_anthropic):
    """burst_429_rate 1: every authenticated request is a 429."""
    served = serve_anthropic(faults=Faults(burst_429_rate=1.0))
    with served.client() as client:
        assert error_of(client.get(USERS)) == TOO_MANY


def test_rate_limit_is_per_key_per_minute(serve_anthropic):
    """Past the per-minute budget a key gets 429 until its window ends; another key does not."""
    clock = FakeClock(1_000_040.0)  # 20 s into a minute
    served = serve_anthropic(rate_limit_per_minute=3, clock=clock,
                             keys={DEMO_ANTHROPIC_KEY: ADMIN, SECOND_KEY: ADMIN})  # fmt: skip
    with served.client() as client, served.client(SECOND_KEY) as other:
        assert [client.get(USERS).status_code for _ in range(3)] == [200, 200, 200]
        response = client.get(USERS)
        assert error_of(response) == TOO_MANY
        assert response.headers["retry-after"] == "40"
        assert other.get(USERS).status_code == 200
        clock.now += 40
        assert client.get(USERS).status_code == 200


def test_retry_after_can_be_switched_off(serve_anthropic):
    """retry_after=False: the 429 has no retry-after header."""
    served = serve_anthropic(faults=Faults(first_429=1), retry_after=False)
    with served.client() as client:
        response = client.get(USERS)
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_truncate_rate_one_cuts_the_body(serve_anthropic):
    """truncate_rate 1: a 200 whose JSON is cut in half."""
    served = serve_anthropic(faults=Faults(truncate_rate=1.0))
    with served.client() as client:
        response = client.get(USERS)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_slow_rate_delays_past_a_client_timeout(serve_anthropic):
    """slow_rate 1 with slow_seconds 1: a client with a 0.2 s timeout times out."""
    served = serve_anthropic(faults=Faults(slow_rate=1.0, slow_seconds=1.0))
    with served.client() as client, pytest.raises(httpx.ReadTimeout):
        client.get(USERS, timeout=0.2)
