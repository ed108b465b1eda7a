"""Authentication and plan checks: 401 and 403 bodies, key formats, and revocation."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from pumpview import money
from pumpview.simulator import (
    DEMO_KEY,
    DEMO_LEGACY_KEY,
    DEMO_SECOND_KEY,
    ByKey,
    Grant,
    SimConfig,
    create_simulator,
)
from pumpview.simulator.server import serve_in_thread
from tests.conftest import NOW_MS, Served
from tests.simulator.calls import EVENTS

INVALID = {"error": "Unauthorized", "message": "Invalid API key"}
REVOKED = {"statusCode": 401, "error": "Unauthorized", "message": "Invalid API key"}
FORBIDDEN = {"error": "Forbidden", "message": "Enterprise access required"}
NOT_ENTERPRISE = {
    "code": "error",
    "message": "You must be a member of an enterprise team to access this resource",
}
OTHER_KEY = "crsr_" + "0" * 64
BUSINESS_KEY = "crsr_" + "b" * 64
NO_API_KEY = "crsr_" + "n" * 64
NO_API_401_KEY = "crsr_" + "m" * 64


@pytest.fixture(scope="module")
def plans() -> Iterator[Served]:
    """A team holding one key of every grant; nothing here revokes, so tests share it."""
    keys = {
        DEMO_KEY: Grant.ENTERPRISE,
        BUSINESS_KEY: Grant.BUSINESS,
        NO_API_KEY: Grant.NO_API,
        NO_API_401_KEY: Grant.NO_API_401,
    }
    app = create_simulator(SimConfig(now_ms=NOW_MS, members=6, days=3, keys=keys))
    with serve_in_thread(app) as url:
        yield Served(url, app.state.sim)


def answer(response):
    return response.status_code, money.loads(response.text)


def test_missing_authorization_is_401(shared):
    """A request without Authorization is answered 401 "Invalid API key"."""
    with shared.client(key=None) as client:
        assert answer(client.get("/teams/members")) == (401, INVALID)


def test_unknown_key_is_401(shared):
    """A well-formed key the team does not have is answered 401 "Invalid API key"."""
    with shared.client(key=OTHER_KEY) as client:
        assert answer(client.get("/teams/members")) == (401, INVALID)


def test_bearer_scheme_is_401(shared):
    """The Admin API takes Basic auth; a Bearer token is not a key."""
    with shared.client(key=None, headers={"Authorization": f"Bearer {DEMO_KEY}"}) as client:
        assert answer(client.get("/teams/members")) == (401, INVALID)


def test_key_as_basic_username_with_empty_password_is_accepted(shared):
    """Authorization: Basic base64("KEY:") is the documented form."""
    token = base64.b64encode(f"{DEMO_KEY}:".encode()).decode()
    with shared.client(key=None, headers={"Authorization": f"Basic {token}"}) as client:
        assert client.get("/teams/members").status_code == 200


@pytest.mark.parametrize("key", [DEMO_KEY, DEMO_LEGACY_KEY], ids=["crsr_", "key_"])
def test_both_key_formats_are_accepted(shared, key):
    """The new API accepts `crsr_` and `key_` keys."""
    with shared.client(key=key) as client:
        assert client.get("/teams/members").status_code == 200


def test_key_revoked_at_runtime_gets_the_observed_401_variant(serve):
    """After sim.revoke the key is answered 401 with the extra statusCode field."""
    served = serve()
    with served.client() as client:
        before = client.get("/teams/members").status_code
        served.sim.revoke(DEMO_KEY)
        after = answer(client.get("/teams/members"))
    assert (before, after) == (200, (401, REVOKED))


def test_revocation_leaves_other_keys_working(serve):
    """Revoking one key does not affect the team's other key."""
    served = serve()
    served.sim.revoke(DEMO_KEY)
    with served.client(key=DEMO_LEGACY_KEY) as client:
        assert client.get("/teams/members").status_code == 200


def test_revoke_control_route_revokes_the_key(serve):
    """POST /_simulator/revoke {"apiKey": ...} needs no key and revokes the named one."""
    served = serve()
    with served.client(key=None) as control:
        done = control.post("/_simulator/revoke", json={"apiKey": DEMO_KEY})
    with served.client() as client:
        after = answer(client.post(EVENTS, json={}))
    assert done.status_code == 200
    assert after == (401, REVOKED)


def test_plan_without_api_access_is_403_everywhere(plans):
    """A key of a plan without Admin API access gets the documented 403 on every route."""
    with plans.client(key=NO_API_KEY) as client:
        answers = [answer(client.get("/teams/members")), answer(client.post(EVENTS, json={}))]
    assert answers == [(403, FORBIDDEN), (403, FORBIDDEN)]


def test_plan_without_api_access_observed_variant_is_401_code_error(plans):
    """Grant.NO_API_401 reproduces the observed 401 {"code": "error", ...} body."""
    with plans.client(key=NO_API_401_KEY) as client:
        assert answer(client.get("/teams/members")) == (401, NOT_ENTERPRISE)


def test_business_key_is_403_on_groups(plans):
    """A Business-plan key is refused the Enterprise-only billing groups with 403."""
    with plans.client(key=BUSINESS_KEY) as client:
        assert answer(client.get("/teams/groups")) == (403, FORBIDDEN)


def test_business_key_reads_members_and_events(plans):
    """A Business-plan key reads the core routes: members and usage events answer 200."""
    with plans.client(key=BUSINESS_KEY) as client:
        statuses = [
            client.get("/teams/members").status_code,
            client.post(EVENTS, json={}).status_code,
        ]
    assert statuses == [200, 200]


def test_business_key_is_403_on_other_enterprise_routes(plans):
    """Audit logs and the mutating Enterprise routes are refused a Business key with 403."""
    with plans.client(key=BUSINESS_KEY) as client:
        answers = [
            answer(client.get("/teams/audit-logs")),
            answer(client.post("/teams/remove-member", json={"email": "a@acme.dev"})),
        ]
    assert answers == [(403, FORBIDDEN), (403, FORBIDDEN)]
    assert plans.sim.mutations == []


def test_auth_is_checked_before_the_body(shared):
    """A bad body from an unauthenticated caller is answered 401, not 400."""
    with shared.client(key=None) as client:
        response = client.post(EVENTS, json={"pageSize": 0})
    assert answer(response) == (401, INVALID)


def test_unknown_route_is_404_for_a_valid_key(shared):
    """A route the API does not have is answered 404 with the documented body."""
    with shared.client() as client:
        response = client.get("/teams/nope")
    assert answer(response) == (404, {"error": "Not Found", "message": "Resource not found"})


def test_two_teams_behind_one_address_each_answer_their_own_key():
    """``ByKey`` serves each team to its own key (its roster, its domain) and an unknown key
    the documented 401, as Cursor serves every team from one address."""
    first = create_simulator(SimConfig(now_ms=NOW_MS, members=4, days=1))
    second = create_simulator(SimConfig(seed=2, now_ms=NOW_MS, members=3, days=1,
                                        domain="eu.acme.dev",
                                        keys={DEMO_SECOND_KEY: Grant.ENTERPRISE}))  # fmt: skip
    with serve_in_thread(ByKey(first, second)) as url:
        for key, app in ((DEMO_KEY, first), (DEMO_SECOND_KEY, second)):
            with Served(url, app.state.sim).client(key=key) as client:
                emails = [m["email"] for m in client.get("/teams/members").json()["teamMembers"]]
            truth = [m.email for m in app.state.sim.team.members if m.listed]
            assert emails == truth
        assert {e.split("@")[1] for e in emails} == {"eu.acme.dev"}
        with Served(url, first.state.sim).client(key=OTHER_KEY) as client:
            assert answer(client.get("/teams/members")) == (401, INVALID)
