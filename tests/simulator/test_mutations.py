"""Mutating routes exist, answer, and are recorded so tests can prove a client never calls them."""

from __future__ import annotations

from pumpview import money
from tests.simulator.calls import EVENTS

WRITES = [
    ("POST", "/teams/user-spend-limit", {"userEmail": "a@acme.dev", "spendLimitDollars": 100}),
    ("POST", "/teams/remove-member", {"email": "a@acme.dev"}),
    ("POST", "/teams/groups", {"name": "New"}),
    ("PATCH", "/teams/groups/group_data", {"name": "Renamed"}),
    ("DELETE", "/teams/groups/group_data", None),
    ("POST", "/teams/groups/group_data/members", {"userIds": ["user_x"]}),
    ("DELETE", "/teams/groups/group_data/members", {"userIds": ["user_x"]}),
    ("POST", "/settings/repo-blocklists/repos/upsert", {"repos": []}),
    ("DELETE", "/settings/repo-blocklists/repos/repo_1", None),
    ("PUT", "/teams/model-access/configuration", {"state": "custom"}),
    ("PUT", "/teams/model-access/providers/openai", {}),
    ("PUT", "/teams/model-access/providers/openai/models/gpt-5", {}),
    ("POST", "/bugbot/repo/update", {"repoUrl": "x", "enabled": True}),
    ("POST", "/v0/agents", {}),
]


def test_every_mutating_route_answers_and_is_recorded(serve):
    """Each write answers 200 and lands in sim.mutations with its method, path and body."""
    served = serve()
    with served.client() as client:
        statuses = [client.request(m, path, json=body).status_code for m, path, body in WRITES]
    assert statuses == [200] * len(WRITES)
    assert [(c.method, c.path) for c in served.sim.mutations] == [(m, p) for m, p, _ in WRITES]
    assert [money.loads(c.body) if c.body else None for c in served.sim.mutations] == [
        body for _, _, body in WRITES
    ]


def test_mutations_route_lists_the_writes_in_order(serve):
    """GET /_simulator/mutations lists every write, oldest first, without needing a key."""
    served = serve()
    with served.client() as client:
        client.post("/teams/user-spend-limit", json={"userEmail": "a@acme.dev"})
        client.post("/teams/remove-member", json={"email": "a@acme.dev"})
    with served.client(key=None) as control:
        listed = control.get("/_simulator/mutations")
    assert listed.status_code == 200
    assert listed.json() == [
        {"method": "POST", "path": "/teams/user-spend-limit"},
        {"method": "POST", "path": "/teams/remove-member"},
    ]


def test_reads_are_not_recorded_as_mutations(serve):
    """Reads, including the POST read routes, leave the mutation log empty but appear in calls."""
    served = serve()
    with served.client() as client:
        client.get("/teams/members")
        client.post(EVENTS, json={})
        client.post("/teams/spend", json={})
    assert served.sim.mutations == []
    assert [(c.method, c.path, c.status) for c in served.sim.calls] == [
        ("GET", "/teams/members", 200),
        ("POST", EVENTS, 200),
        ("POST", "/teams/spend", 200),
    ]


def test_refused_write_is_not_recorded(serve):
    """A write without a valid key is answered 401 and never reaches the mutation log."""
    served = serve()
    with served.client(key=None) as client:
        response = client.post("/teams/remove-member", json={"email": "a@acme.dev"})
    assert response.status_code == 401
    assert served.sim.mutations == []
