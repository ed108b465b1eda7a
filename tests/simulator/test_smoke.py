"""The simulator serves the members roster over real HTTP."""

from __future__ import annotations


def test_members_listed_over_http(serve):
    """GET /teams/members answers 200 with the teamMembers envelope."""
    served = serve()
    with served.client() as client:
        response = client.get("/teams/members")
    assert response.status_code == 200
    listed = [m for m in served.sim.team.members if m.listed]
    assert [m["email"] for m in response.json()["teamMembers"]] == [m.email for m in listed]
