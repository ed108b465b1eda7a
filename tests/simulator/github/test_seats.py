"""Seats: paging through the link header, the planted edge cases, one seat, the summary."""

from __future__ import annotations

import json
import re
from datetime import datetime

from pumpview.simulator.github import truth
from tests.simulator.github.conftest import NOW_MS

SEATS = "/orgs/acme/copilot/billing/seats"


def links(response):
    """The ``link`` header as {rel: url}."""
    header = response.headers.get("link")
    if header is None:
        return {}
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def ms(stamp):
    return None if stamp is None else int(datetime.fromisoformat(stamp).timestamp() * 1000)


def test_per_page_2_walks_every_seat_once_by_following_next(shared):
    """Following ``rel="next"`` from ``per_page=2`` visits every seat once, in the truth's order."""
    seen = []
    with shared.client() as client:
        url = f"{shared.url}{SEATS}?per_page=2"
        while url:
            response = client.get(url)
            body = json.loads(response.text)
            assert len(body["seats"]) <= 2
            seen.extend(body["seats"])
            url = links(response).get("next")
    expected = truth.seat_truth(shared.sim.org)
    assert len(seen) == len(expected) == body["total_seats"]
    assert [s["assignee"] and s["assignee"]["login"] for s in seen] == [s.login for s in expected]
    assert [ms(s["created_at"]) for s in seen] == [s.created_ms for s in expected]
    assert [ms(s["last_activity_at"]) for s in seen] == [s.last_activity_ms for s in expected]


def test_link_header_names_prev_next_last_first_on_a_middle_page(shared):
    """On page 2 of several the link header has prev, next, last and first."""
    with shared.client() as client:
        response = client.get(SEATS, params={"per_page": 3, "page": 2})
    total = json.loads(response.text)["total_seats"]
    last = -(-total // 3)
    assert links(response) == {
        "prev": f"{shared.url}{SEATS}?per_page=3&page=1",
        "next": f"{shared.url}{SEATS}?per_page=3&page=3",
        "last": f"{shared.url}{SEATS}?per_page=3&page={last}",
        "first": f"{shared.url}{SEATS}?per_page=3&page=1",
    }


def test_one_page_has_no_link_header_and_default_is_50(shared):
    """Without per_page the page holds up to 50 seats; all fitting, no link header."""
    with shared.client() as client:
        response = client.get(SEATS)
    body = json.loads(response.text)
    assert len(body["seats"]) == body["total_seats"] < 50
    assert "link" not in response.headers


def test_per_page_above_100_clamps_to_100(serve):
    """``per_page=500`` returns 100 seats and a next link."""
    served = serve(members=180, days=3)
    with served.client() as client:
        response = client.get(SEATS, params={"per_page": 500})
    body = json.loads(response.text)
    assert body["total_seats"] > 100
    assert len(body["seats"]) == 100
    assert links(response)["next"].endswith("per_page=500&page=2")


def test_planted_edge_cases_are_present(shared):
    """A deleted user's seat (assignee null), one login with two seats through two teams, one
    pending cancellation, one seat without plan_type, team and direct assignments."""
    with shared.client() as client:
        seats = json.loads(client.get(SEATS).text)["seats"]
    logins = [s["assignee"]["login"] for s in seats if s["assignee"] is not None]
    twice = [login for login in set(logins) if logins.count(login) == 2]
    assert sum(1 for s in seats if s["assignee"] is None) == 1
    assert len(twice) == 1
    teams = {
        s["assigning_team"]["slug"]
        for s in seats
        if s["assignee"] and s["assignee"]["login"] == twice[0]
    }
    assert len(teams) == 2
    assert [s["pending_cancellation_date"] for s in seats if s["pending_cancellation_date"]] == [
        "2027-01-01"
    ]
    assert sum(1 for s in seats if "plan_type" not in s) == 1
    assert {s.get("plan_type") for s in seats} == {"business", None}
    assert any(s["assigning_team"] is None and s["assignee"] for s in seats)


def test_seat_object_has_the_documented_fields(shared):
    """A seat carries the timestamps, the editor, the Simple User with its URL templates and
    ``email``, and a Team with slug and name."""
    with shared.client() as client:
        seats = json.loads(client.get(SEATS).text)["seats"]
    seat = next(s for s in seats if s["assigning_team"] is not None and s["assignee"])
    assert set(seat) == {
        "created_at",
        "updated_at",
        "pending_cancellation_date",
        "last_activity_at",
        "last_activity_editor",
        "last_authenticated_at",
        "plan_type",
        "assignee",
        "assigning_team",
    }
    assert {
        "login",
        "id",
        "node_id",
        "avatar_url",
        "url",
        "html_url",
        "type",
        "site_admin",
        "name",
        "email",
        "followers_url",
        "following_url",
        "gists_url",
        "starred_url",
        "subscriptions_url",
        "organizations_url",
        "repos_url",
        "events_url",
        "received_events_url",
    } <= set(seat["assignee"])
    assert {"id", "node_id", "name", "slug", "url", "html_url", "parent"} <= set(
        seat["assigning_team"]
    )
    assert seat["created_at"].endswith("-06:00")


def test_no_activity_after_the_present(shared):
    """``last_activity_at`` and ``last_authenticated_at`` are never after the present."""
    with shared.client() as client:
        seats = json.loads(client.get(SEATS).text)["seats"]
    stamps = [ms(s[k]) for s in seats for k in ("last_activity_at", "last_authenticated_at")]
    assert max(x for x in stamps if x is not None) <= NOW_MS


def test_member_seat_is_case_insensitive(shared):
    """``/orgs/acme/members/{login}/copilot`` answers the seat whatever the login's case."""
    mixed = next(u for u in shared.sim.org.users if u.login != u.login.lower())
    with shared.client() as client:
        lower = client.get(f"/orgs/acme/members/{mixed.login.lower()}/copilot")
        upper = client.get(f"/orgs/acme/members/{mixed.login.upper()}/copilot")
        unknown = client.get("/orgs/acme/members/nobody-here/copilot")
    assert lower.status_code == upper.status_code == 200
    assert json.loads(lower.text)["assignee"]["login"] == mixed.login
    assert unknown.status_code == 404


def test_summary_counts_match_the_seats(shared):
    """The subscription summary's breakdown is counted from the seats."""
    expected = truth.seat_truth(shared.sim.org)
    with shared.client() as client:
        body = json.loads(client.get("/orgs/acme/copilot/billing").text)
    breakdown = body["seat_breakdown"]
    assert breakdown["total"] == len(expected)
    assert breakdown["pending_cancellation"] == 1
    assert breakdown["active_this_cycle"] + breakdown["inactive_this_cycle"] == len(expected)
    active = sum(
        1 for s in expected if s.last_activity_ms and s.last_activity_ms >= 1_796_083_200_000
    )
    assert breakdown["active_this_cycle"] == active
    assert body["plan_type"] == "business"
    assert body["seat_management_setting"] == "assign_selected"
