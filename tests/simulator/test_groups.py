"""GET /teams/groups and /teams/groups/:groupId: billing groups for a cycle, and the 404."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from pumpview import money
from pumpview.timeutil import to_ms
from tests.simulator.calls import get_json

GROUP_KEYS = {
    "id",
    "name",
    "type",
    "directoryGroupId",
    "memberCount",
    "createdAt",
    "updatedAt",
    "spendCents",
    "currentMembers",
    "formerMembers",
    "dailySpend",
}
PERSON_KEYS = {"userId", "name", "email", "joinedAt", "leftAt", "spendCents"}


def groups(served, **params):
    with served.client() as client:
        return get_json(client, "/teams/groups", **params)


def all_groups(body):
    return [*body["groups"], body["unassignedGroup"]]


def test_envelope_has_groups_unassigned_and_cycle(shared):
    """The answer holds groups, unassignedGroup and billingCycle, nothing else."""
    assert set(groups(shared)) == {"groups", "unassignedGroup", "billingCycle"}


def test_groups_carry_exactly_the_documented_keys(shared):
    """Every group, the unassigned one included, has exactly the documented fields."""
    body = groups(shared)
    assert body["groups"]
    assert all(set(g) == GROUP_KEYS for g in all_groups(body))


def test_group_members_carry_exactly_the_documented_keys(shared):
    """Current and former members have userId, name, email, joinedAt, leftAt and spendCents."""
    people = [
        p for g in all_groups(groups(shared)) for p in g["currentMembers"] + g["formerMembers"]
    ]
    assert people
    assert all(set(p) == PERSON_KEYS for p in people)


def test_groups_are_billing_groups_with_group_ids(shared):
    """Every group has type BILLING and a `group_` id; the reserved one is named Unassigned."""
    body = groups(shared)
    assert {g["type"] for g in all_groups(body)} == {"BILLING"}
    assert all(g["id"].startswith("group_") for g in all_groups(body))
    assert body["unassignedGroup"]["name"] == "Unassigned"


def test_billing_cycle_is_the_current_cycle_as_iso_strings(shared):
    """billingCycle gives the open cycle's start and end instants (17:23 UTC by default) as ISO
    8601 UTC strings."""
    assert groups(shared)["billingCycle"] == {
        "cycleStart": "2025-11-01T17:23:00Z",
        "cycleEnd": "2025-12-01T17:23:00Z",
    }


def test_billing_cycle_parameter_selects_a_past_cycle(shared):
    """billingCycle=YYYY-MM-DD selects the cycle containing that day."""
    body = groups(shared, billingCycle="2025-10-15")
    assert body["billingCycle"] == {
        "cycleStart": "2025-10-01T17:23:00Z",
        "cycleEnd": "2025-11-01T17:23:00Z",
    }


def test_billing_cycle_parameter_on_a_start_day_selects_the_cycle_starting_then(shared):
    """A day on which a cycle starts at 17:23 names that cycle, not the one ending that day."""
    body = groups(shared, billingCycle="2025-11-01")
    assert body["billingCycle"] == {
        "cycleStart": "2025-11-01T17:23:00Z",
        "cycleEnd": "2025-12-01T17:23:00Z",
    }


def test_every_listed_member_is_in_exactly_one_group(shared):
    """Each listed member appears once across all groups, current or former."""
    people = [
        p["email"]
        for g in all_groups(groups(shared))
        for p in g["currentMembers"] + g["formerMembers"]
    ]
    assert sorted(people) == sorted(m.email for m in shared.sim.team.members if m.listed)


def test_member_count_counts_current_members(shared):
    """memberCount is the number of current members."""
    assert all(g["memberCount"] == len(g["currentMembers"]) for g in all_groups(groups(shared)))


def test_member_spend_is_the_cycle_charged_cents(shared):
    """A member's spendCents is the chargedCents of all their events in the cycle so far."""
    team = shared.sim.team
    start = to_ms(datetime(2025, 11, 1, 17, 23, tzinfo=UTC))
    expected = defaultdict(Decimal)
    for event in team.events_between(start, team.now):
        expected[team.members[event.member].email] += event.charged_cents
    people = [
        p for g in all_groups(groups(shared)) for p in g["currentMembers"] + g["formerMembers"]
    ]
    assert {p["email"]: p["spendCents"] for p in people} == {
        p["email"]: expected[p["email"]] for p in people
    }


def test_group_spend_is_the_sum_of_its_members(shared):
    """A group's spendCents equals its members' spendCents and its dailySpend totals."""
    for group in all_groups(groups(shared)):
        people = group["currentMembers"] + group["formerMembers"]
        assert group["spendCents"] == sum((p["spendCents"] for p in people), Decimal(0))
        assert group["spendCents"] == sum(
            (d["spendCents"] for d in group["dailySpend"]), Decimal(0)
        )


def test_single_group_route_returns_that_group(shared):
    """GET /teams/groups/:groupId answers {group, billingCycle} with the same group."""
    listing = groups(shared)
    wanted = listing["groups"][1]
    with shared.client() as client:
        body = get_json(client, f"/teams/groups/{wanted['id']}")
    assert body == {"group": wanted, "billingCycle": listing["billingCycle"]}


def test_unknown_group_is_404(shared):
    """An unknown group id is answered 404 with the documented body."""
    with shared.client() as client:
        response = client.get("/teams/groups/group_nope")
    assert response.status_code == 404
    assert money.loads(response.text) == {"error": "Not Found", "message": "Resource not found"}
