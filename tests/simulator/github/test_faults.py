"""Injected faults, the mutating routes a client must never call, and the call log."""

from __future__ import annotations

import json

import pytest

from pumpview.simulator.github import Faults

SEATS = "/orgs/acme/copilot/billing/seats"


def test_error_rate_one_answers_500_json_or_502_html(serve):
    """With error_rate 1 every answer is GitHub's JSON 500 or an HTML 502 from the edge."""
    served = serve(members=6, days=10, faults=Faults(error_rate=1.0, seed=7))
    kinds = set()
    with served.client() as client:
        for _ in range(20):
            response = client.get(SEATS)
            if response.status_code == 500:
                assert json.loads(response.text) == {
                    "message": "Server Error",
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "500",
                }
                kinds.add("json")
            else:
                assert response.status_code == 502
                assert response.headers["content-type"].startswith("text/html")
                kinds.add("html")
    assert kinds == {"json", "html"}


def test_errors_come_before_auth(serve):
    """A proxy error hides the auth result: a request without a token still gets a 5xx."""
    served = serve(members=6, days=10, faults=Faults(error_rate=1.0))
    with served.client(token=None) as client:
        assert client.get(SEATS).status_code in (500, 502)


def test_first_429_answers_the_secondary_limit_first(serve):
    """``first_429=2``: the first two requests meet the secondary limit (retry-after 60)."""
    served = serve(members=6, days=10, faults=Faults(first_429=2))
    with served.client() as client:
        answers = [client.get(SEATS) for _ in range(3)]
    assert [r.status_code for r in answers] == [403, 403, 200]
    assert answers[0].headers["retry-after"] == "60"


def test_truncate_rate_one_cuts_200_bodies_only(serve):
    """A 200 arrives cut in half (not valid JSON); a 404 keeps its whole body."""
    served = serve(members=6, days=10, faults=Faults(truncate_rate=1.0))
    with served.client() as client:
        cut = client.get(SEATS)
        whole = client.get("/orgs/acme/copilot/metrics")
    assert cut.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)
    assert json.loads(whole.text)["message"] == "Not Found"


def test_faults_are_deterministic_for_a_seed(serve):
    """Two simulators with the same fault seed answer the same sequence of statuses."""
    runs = []
    for _ in range(2):
        served = serve(members=6, days=10, faults=Faults(error_rate=0.5, seed=3))
        with served.client() as client:
            runs.append([client.get(SEATS).status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert len(set(runs[0])) > 1


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/orgs/acme/copilot/billing/selected_users", 201),
        ("DELETE", "/orgs/acme/copilot/billing/selected_users", 200),
        ("POST", "/orgs/acme/copilot/billing/selected_teams", 201),
        ("DELETE", "/orgs/acme/copilot/billing/selected_teams", 200),
    ],
)
def test_mutating_routes_answer_and_are_recorded(serve, method, path, status):
    """Seat assignment writes answer as GitHub does and land in ``sim.mutations``."""
    served = serve(members=6, days=10)
    with served.client() as client:
        response = client.request(method, path, json={"selected_usernames": ["octocat"]})
    assert response.status_code == status
    assert [(c.method, c.path) for c in served.sim.mutations] == [(method, path)]


def test_reads_record_calls_but_no_mutations(shared):
    """Reading records (method, path, query, status) in ``sim.calls`` and no mutation."""
    with shared.client() as client:
        client.get(SEATS, params={"per_page": 7})
    call = shared.sim.calls[-1]
    assert (call.method, call.path, call.query, call.status) == ("GET", SEATS, "per_page=7", 200)
    assert shared.sim.mutations == []
