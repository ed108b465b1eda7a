"""Mutating routes exist only so tests can prove a client never calls them: each is recorded."""

from __future__ import annotations

import httpx

from tests.simulator.anthropic.calls import CLAUDE_CODE, NOW, USERS

WRITES = [
    ("POST", "/v1/organizations/users/user_01abc", {"role": "admin"}),
    ("DELETE", "/v1/organizations/users/user_01abc", None),
    ("POST", "/v1/organizations/invites", {"email": "x@acme.dev", "role": "user"}),
    ("POST", "/v1/organizations/api_keys/apikey_01abc", {"status": "inactive"}),
]


def test_every_mutating_route_is_recorded(serve_anthropic):
    """Each write answers 200 and lands in sim.mutations; reads do not."""
    served = serve_anthropic()
    with served.client() as client:
        client.get(USERS)
        statuses = [client.request(m, path, json=body).status_code for m, path, body in WRITES]
    assert statuses == [200] * len(WRITES)
    assert [(c.method, c.path) for c in served.sim.mutations] == [(m, p) for m, p, _ in WRITES]
    listed = httpx.get(served.url + "/_simulator/mutations").json()
    assert [(c["method"], c["path"]) for c in listed] == [(m, p) for m, p, _ in WRITES]


def test_calls_record_method_path_query_and_status(serve_anthropic):
    """sim.calls holds every Admin request with its query string and answer status."""
    served = serve_anthropic()
    with served.client() as client:
        client.get(CLAUDE_CODE, params={"starting_at": "2026-12-04", "limit": 2})
        client.get(CLAUDE_CODE, params={"starting_at": "bad"})
    httpx.post(served.url + "/_simulator/now", json={"now_ms": 1})
    calls = [(c.method, c.path, c.query, c.status) for c in served.sim.calls]
    assert calls == [
        ("GET", CLAUDE_CODE, "starting_at=2026-12-04&limit=2", 200),
        ("GET", CLAUDE_CODE, "starting_at=bad", 400),
    ]
    assert served.sim.org.now == 1


def test_the_now_control_route_needs_an_integer(serve_anthropic):
    """POST /_simulator/now without an integer now_ms is a 400; the present stays."""
    served = serve_anthropic()
    response = httpx.post(served.url + "/_simulator/now", json={"now_ms": "soon"})
    assert response.status_code == 400
    assert served.sim.org.now == NOW
