"""Injected faults, seeded: 5xx pages, truncated bodies, spurious 429s and slow answers."""

from __future__ import annotations

import json

import httpx
import pytest

from pumpview import money
from pumpview.simulator import Faults
from tests.simulator.calls import EVENTS

SERVER_ERROR = {"error": "Internal Server Error", "message": "An unexpected error occurred"}


def test_error_rate_one_answers_only_500_json_or_502_html(serve):
    """With error_rate 1 every answer is a JSON 500 or an HTML 502 page from a proxy."""
    served = serve(faults=Faults(error_rate=1.0, seed=7))
    kinds = []
    with served.client() as client:
        for _ in range(20):
            response = client.get("/teams/members")
            if response.status_code == 500:
                assert money.loads(response.text) == SERVER_ERROR
                kinds.append("json")
            else:
                assert response.status_code == 502
                assert response.headers["content-type"].startswith("text/html")
                assert "502 Bad Gateway" in response.text
                kinds.append("html")
    assert set(kinds) == {"json", "html"}


def test_errors_come_before_auth(serve):
    """A proxy error hides the auth result: a keyless request still gets a 5xx."""
    served = serve(faults=Faults(error_rate=1.0))
    with served.client(key=None) as client:
        assert client.get("/teams/members").status_code in (500, 502)


def test_faults_are_deterministic_for_a_seed(serve):
    """Two simulators with the same fault seed answer the same sequence of statuses."""
    sequences = []
    for _ in range(2):
        served = serve(faults=Faults(error_rate=0.5, seed=3))
        with served.client() as client:
            sequences.append([client.get("/teams/members").status_code for _ in range(20)])
    assert sequences[0] == sequences[1]
    assert len(set(sequences[0])) > 1


def test_truncate_rate_one_answers_200_with_broken_json(serve):
    """With truncate_rate 1 a 200 arrives whose body is cut and is not valid JSON."""
    served = serve(faults=Faults(truncate_rate=1.0))
    with served.client() as client:
        response = client.post(EVENTS, json={})
    assert response.status_code == 200
    assert response.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_truncation_spares_errors(serve):
    """Only 200s are truncated: a 400 keeps its whole JSON body."""
    served = serve(faults=Faults(truncate_rate=1.0))
    with served.client() as client:
        response = client.post(EVENTS, json={"pageSize": 0})
    assert response.status_code == 400
    assert money.loads(response.text)["error"] == "Bad Request"


def test_first_429_answers_the_first_requests_429(serve):
    """With first_429 2 the first two requests are 429 and the third succeeds."""
    served = serve(faults=Faults(first_429=2))
    with served.client() as client:
        codes = [client.get("/teams/members").status_code for _ in range(3)]
    assert codes == [429, 429, 200]


def test_burst_429_rate_one_answers_429_with_budget_left(serve):
    """With burst_429_rate 1 requests are 429 though no budget was spent."""
    served = serve(faults=Faults(burst_429_rate=1.0))
    with served.client() as client:
        response = client.post(EVENTS, json={})
    assert response.status_code == 429
    assert money.loads(response.text)["error"] == "Too Many Requests"


def test_slow_answer_times_out_a_short_client_timeout(serve):
    """With slow_rate 1 and 0.5 s delays, a client with a 0.1 s read timeout times out."""
    served = serve(faults=Faults(slow_rate=1.0, slow_seconds=0.5))
    with served.client(timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/teams/members")


def test_slow_answer_arrives_with_a_patient_client(serve):
    """A slow answer is otherwise a normal 200."""
    served = serve(faults=Faults(slow_rate=1.0, slow_seconds=0.2))
    with served.client(timeout=5) as client:
        assert client.get("/teams/members").status_code == 200
