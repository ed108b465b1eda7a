"""Users, API keys and the organisation: paging, filters, and the people the Cursor roster has."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from pumpview.simulator.anthropic import AnthropicConfig
from pumpview.simulator.anthropic.data import Organisation
from pumpview.simulator.anthropic.people import IDLE_DAYS, JOINED_DAYS_AGO
from pumpview.simulator.anthropic.truth import claude_code_truth
from pumpview.simulator.config import SimConfig
from pumpview.simulator.data import Team
from pumpview.simulator.roster import SCRIPT_NAME, UNICODE_NAME
from tests.simulator.anthropic.calls import (
    KEYS,
    NOW,
    TODAY,
    USERS,
    all_records,
    error_of,
    get_json,
)


def walk(client, path, **params):
    """Every object of a list endpoint, ``after_id`` page by page."""
    rows, body = [], get_json(client, path, **params)
    while True:
        rows.extend(body["data"])
        if not body["has_more"]:
            return rows
        body = get_json(client, path, **params, after_id=body["last_id"])


def test_users_walk_with_limit_two_gives_everyone_once(anthropic):
    """after_id paging two at a time lists every user once, with first_id and last_id."""
    with anthropic.client() as client:
        first = get_json(client, USERS, limit=2)
        everyone = walk(client, USERS, limit=2)
    assert (first["first_id"], first["last_id"]) == (first["data"][0]["id"], first["data"][1]["id"])
    assert [u["id"] for u in everyone] == [u.id for u in anthropic.sim.org.users]
    assert set(everyone[0]) == {"id", "type", "email", "name", "role", "added_at"}


def test_users_before_id_pages_backwards(anthropic):
    """before_id gives the users just before it, and has_more says whether more precede."""
    ids = [u.id for u in anthropic.sim.org.users]
    with anthropic.client() as client:
        body = get_json(client, USERS, limit=3, before_id=ids[5])
        assert [u["id"] for u in body["data"]] == ids[2:5]
        assert body["has_more"] is True
        assert get_json(client, USERS, limit=3, before_id=ids[3])["has_more"] is False


def test_default_user_page_is_twenty(anthropic):
    """Without limit, 20 users a page."""
    with anthropic.client() as client:
        assert len(get_json(client, USERS)["data"]) == 20


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"after_id": "user_01x"}])
def test_bad_user_paging_is_400(anthropic, params):
    """A limit outside 1-1000 or an unknown after_id is a 400."""
    with anthropic.client() as client:
        assert error_of(client.get(USERS, params=params))[:2] == (400, "invalid_request_error")


def test_email_filter_and_user_by_id(anthropic):
    """?email= finds exactly that user; /users/{id} returns the same object."""
    user = anthropic.sim.org.users[3]
    with anthropic.client() as client:
        found = get_json(client, USERS, email=user.email)
        assert [u["id"] for u in found["data"]] == [user.id]
        assert get_json(client, f"{USERS}/{user.id}") == found["data"][0]
        nobody = get_json(client, USERS, email="nobody@acme.dev")
    assert nobody == {"data": [], "has_more": False, "first_id": None, "last_id": None}


def test_users_are_two_thirds_of_the_cursor_roster_plus_two(anthropic):
    """Org users share the Cursor roster's emails; two more are Claude-only on the same domain."""
    team = Team(SimConfig(now_ms=NOW, days=30))
    roster = {m.email: m for m in team.members
              if m.listed and not m.is_removed and not m.is_service_account}  # fmt: skip
    users = anthropic.sim.org.users
    shared = [u for u in users if u.email in roster]
    only = [u for u in users if u.email not in roster]
    assert [u.email for u in only] == ["rin.sato@acme.dev", "bo.lindqvist@acme.dev"]
    assert 0.5 <= len(shared) / len(roster) <= 0.85
    assert all(roster[u.email].name == u.name for u in shared)
    names = {u.name for u in users}
    assert {SCRIPT_NAME, UNICODE_NAME} <= names


def test_roles_include_admin_and_one_outside_the_enum(anthropic):
    """One admin, one owner (not in the documented enum), mostly developers and CC users."""
    roles = [u.role for u in anthropic.sim.org.users]
    assert roles.count("admin") == 1
    assert "owner" in roles
    assert roles.count("developer") + roles.count("claude_code_user") > len(roles) / 2


def test_the_joiner_has_no_activity_before_joining():
    """The user added JOINED_DAYS_AGO days ago has records only after that day."""
    org = Organisation(AnthropicConfig(now_ms=NOW, days=60))
    joiner = org.people.joiner
    joined = next(u for u in org.users if u.email == joiner).added_at_ms
    assert NOW - joined < (JOINED_DAYS_AGO + 1) * 86_400_000
    seen = [n for n in range(60) if any(k[0] == joiner
            for k in claude_code_truth(org, TODAY - timedelta(days=n)))]  # fmt: skip
    assert seen
    assert max(seen) < JOINED_DAYS_AGO


def test_the_idle_user_stopped_weeks_ago():
    """The idle user has activity, none of it in the last IDLE_DAYS days."""
    org = Organisation(AnthropicConfig(now_ms=NOW, days=120))
    idle = org.people.idle
    seen = [n for n in range(120) if any(k[0] == idle
            for k in claude_code_truth(org, TODAY - timedelta(days=n)))]  # fmt: skip
    assert seen
    assert min(seen) > IDLE_DAYS - 1


def test_api_keys_name_owners_and_principals(anthropic):
    """The CI bot's key is a service account's; two users each own a key called dev-key."""
    org = anthropic.sim.org
    user_ids = {u.id for u in org.users}
    with anthropic.client() as client:
        keys = walk(client, KEYS, limit=2)
    assert [k["id"] for k in keys] == [k.id for k in org.api_keys]
    bot = next(k for k in keys if k["name"] == "ci-claude-code-bot")
    assert bot["principal"]["type"] == "service_account_actor"
    assert bot["principal"]["service_account_id"].startswith("svac_")
    assert bot["created_by"]["id"] in user_ids
    assert bot["workspace_id"].startswith("wrkspc_")
    twins = [k for k in keys if k["name"] == "dev-key"]
    assert len(twins) == 2
    owners = {k["principal"]["user_id"] for k in twins}
    assert len(owners) == 2
    assert owners <= user_ids
    assert all(k["id"].startswith("apikey_") for k in keys)


def test_api_actors_are_key_names(anthropic):
    """Every api_actor in the report names a key the organisation lists."""
    names = {k.name for k in anthropic.sim.org.api_keys}
    seen = set()
    with anthropic.client() as client:
        for n in range(1, 5):
            for record in all_records(client, TODAY - timedelta(days=n)):
                if record["actor"]["type"] == "api_actor":
                    seen.add(record["actor"]["api_key_name"])
    assert seen
    assert seen <= names
    assert {"ci-claude-code-bot", "dev-key"} <= seen


def test_api_key_filters(anthropic):
    """status and created_by_user_id narrow the list."""
    with anthropic.client() as client:
        archived = get_json(client, KEYS, status="archived")["data"]
        owner = archived[0]["created_by"]["id"]
        mine = get_json(client, KEYS, created_by_user_id=owner)["data"]
    assert [k["name"] for k in archived] == ["old-prototype"]
    assert all(k["created_by"]["id"] == owner for k in mine)


def test_me_is_the_organisation(anthropic):
    """/me gives the organisation's UUID, the one the records carry."""
    with anthropic.client() as client:
        me = get_json(client, "/v1/organizations/me")
    assert me == {"id": anthropic.sim.config.organization_id, "type": "organization",
                  "name": "Acme"}  # fmt: skip
    assert str(uuid.UUID(me["id"])) == me["id"]
