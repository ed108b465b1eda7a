"""The organisation's people overlap the Cursor simulator's roster of the same seed."""

from __future__ import annotations

import json

from pumpview.simulator.config import SimConfig
from pumpview.simulator.data import Team as CursorTeam
from pumpview.simulator.github import truth
from tests.simulator.github.conftest import NOW_MS, SHARED

REPORT = "/orgs/acme/copilot/metrics/reports/users-1-day"


def cursor_members():
    team = CursorTeam(
        SimConfig(seed=1, members=SHARED["members"], days=SHARED["days"], now_ms=NOW_MS)
    )
    return [m for m in team.members if m.listed and not m.is_removed and not m.is_service_account]


def test_about_two_thirds_of_the_cursor_people_have_a_login(shared):
    """The logins' emails are Cursor people's emails, about two thirds of the current humans."""
    emails = set(truth.login_emails(shared.sim.org).values())
    people = {m.email for m in cursor_members()}
    assert emails <= people
    assert 0.5 <= len(emails) / len(people) <= 0.85


def test_logins_follow_names_and_one_is_mixed_case(shared):
    """Logins are ASCII ``first-last`` from the work email; exactly one is in mixed case."""
    org = shared.sim.org
    mapped = truth.login_emails(org)
    for login, email in mapped.items():
        assert login.isascii()
        assert login.startswith(email.split("@")[0].replace(".", "-")[:3])
    assert sum(1 for u in org.users if u.login != u.login.lower()) == 1


def test_contractors_have_seats_and_usage_but_no_cursor_email(shared):
    """Two logins are nobody in the Cursor roster: seated, active, and absent from the mapping."""
    org = shared.sim.org
    outsiders = [u.login for u in org.users if u.login.lower() not in truth.login_emails(org)]
    with shared.client() as client:
        seats = json.loads(client.get("/orgs/acme/copilot/billing/seats").text)["seats"]
    seated = {s["assignee"]["login"] for s in seats if s["assignee"]}
    assert outsiders == ["octo-contractor", "dev-agency-jl"]
    assert set(outsiders) <= seated


def test_a_few_seats_show_a_public_email_most_null(shared):
    """``assignee.email`` is the public profile email: a work email for a few, null for most."""
    mapped = truth.login_emails(shared.sim.org)
    with shared.client() as client:
        seats = json.loads(client.get("/orgs/acme/copilot/billing/seats").text)["seats"]
    emails = {
        s["assignee"]["login"].lower(): s["assignee"]["email"] for s in seats if s["assignee"]
    }
    work = [login for login, email in emails.items() if email and email == mapped.get(login)]
    assert 1 <= len(work) < len(emails) / 3
    assert sum(1 for e in emails.values() if e is None) > len(emails) / 2


def test_report_user_ids_are_the_seat_assignee_ids(shared):
    """``user_id`` in the reports is the seat's ``assignee.id`` (the join key beside the login)."""
    with shared.client() as client:
        seats = json.loads(client.get("/orgs/acme/copilot/billing/seats").text)["seats"]
        report = client.get(REPORT, params={"day": "2026-12-04"})
        link = json.loads(report.text)["download_links"][0]
        lines = [json.loads(x) for x in client.get(link).text.splitlines()]
    ids = {s["assignee"]["login"]: s["assignee"]["id"] for s in seats if s["assignee"]}
    assert lines
    assert all(ids[line["user_login"]] == line["user_id"] for line in lines)
