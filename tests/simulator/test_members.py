"""GET /teams/members: the roster envelope, its fields and who is (not) on it."""

from __future__ import annotations

from pumpview.simulator.roster import SCRIPT_NAME, UNICODE_NAME
from tests.simulator.calls import get_json

MEMBER_KEYS = {"id", "name", "email", "role", "isRemoved"}


def test_members_are_wrapped_in_team_members(shared):
    """The roster is the only key of the envelope, `teamMembers`."""
    with shared.client() as client:
        body = get_json(client, "/teams/members")
    assert set(body) == {"teamMembers"}


def test_member_rows_carry_exactly_the_documented_keys(shared):
    """Every row has exactly id, name, email, role and isRemoved."""
    with shared.client() as client:
        rows = get_json(client, "/teams/members")["teamMembers"]
    assert rows
    assert all(set(row) == MEMBER_KEYS for row in rows)


def test_members_are_the_listed_roster_in_order(shared):
    """The rows are the ground-truth listed members, with their ids, names, emails and roles."""
    with shared.client() as client:
        rows = get_json(client, "/teams/members")["teamMembers"]
    expected = [
        {
            "id": m.user_id,
            "name": m.name,
            "email": m.email,
            "role": m.role,
            "isRemoved": m.is_removed,
        }
        for m in shared.sim.team.members
        if m.listed
    ]
    assert rows == expected


def test_member_ids_are_user_strings(shared):
    """Ids are `user_` strings, the namespace shared with spend and groups."""
    with shared.client() as client:
        rows = get_json(client, "/teams/members")["teamMembers"]
    assert all(isinstance(r["id"], str) and r["id"].startswith("user_") for r in rows)


def test_roles_are_the_documented_values(shared):
    """Roles come from owner, member and free-owner, and the team has an owner."""
    with shared.client() as client:
        roles = {r["role"] for r in get_json(client, "/teams/members")["teamMembers"]}
    assert roles <= {"owner", "member", "free-owner"}
    assert "owner" in roles


def test_html_and_unicode_name_arrives_intact(shared):
    """The name with markup, quotes, accents and an emoji is returned character for character."""
    with shared.client() as client:
        names = [r["name"] for r in get_json(client, "/teams/members")["teamMembers"]]
    assert UNICODE_NAME in names
    assert SCRIPT_NAME in names


def test_removed_member_still_listed_is_flagged(serve):
    """A removed member who is still listed carries isRemoved true."""
    served = serve(members=23, days=3)
    with served.client() as client:
        rows = get_json(client, "/teams/members")["teamMembers"]
    removed = [m.email for m in served.sim.team.members if m.listed and m.is_removed]
    assert removed
    assert [r["email"] for r in rows if r["isRemoved"]] == removed


def test_one_removed_member_is_omitted(shared):
    """The removed member whose events lose userEmail is not on the roster (forum 161589)."""
    with shared.client() as client:
        emails = {r["email"] for r in get_json(client, "/teams/members")["teamMembers"]}
    omitted = [m for m in shared.sim.team.members if not m.listed and not m.is_service_account]
    assert len(omitted) == 1
    assert omitted[0].is_removed
    assert omitted[0].email not in emails


def test_service_account_is_not_a_member(shared):
    """The service account uses the API but is not on the roster."""
    with shared.client() as client:
        emails = {r["email"] for r in get_json(client, "/teams/members")["teamMembers"]}
    accounts = [m.email for m in shared.sim.team.members if m.is_service_account]
    assert accounts
    assert emails.isdisjoint(accounts)
