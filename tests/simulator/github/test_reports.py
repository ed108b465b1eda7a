"""Usage-metrics reports: links, signed NDJSON downloads that expire, split files, the 204 / 404
/ "" answers, and ``ai_credits_used`` equal to the credits billed that day."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pumpview import money
from pumpview.simulator.github import truth
from tests.simulator.github.conftest import TODAY, Clock

REPORTS = "/orgs/acme/copilot/metrics/reports"
USERS = f"{REPORTS}/users-1-day"
ORGANIZATION = f"{REPORTS}/organization-1-day"
DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"


def report(client, path, day):
    response = client.get(path, params={"day": day.isoformat()})
    assert response.status_code == 200, response.text
    return json.loads(response.text)


def records(client, links):
    """Every NDJSON record behind ``links``, in order; each file ends with a newline."""
    out = []
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response.text.endswith("\n")
        out.extend(money.loads(line) for line in response.text.splitlines())
    return out


def as_activity(record):
    return truth.Activity(
        interactions=record["user_initiated_interaction_count"],
        code_generations=record["code_generation_activity_count"],
        code_acceptances=record["code_acceptance_activity_count"],
        lines_added=record["loc_added_sum"],
        lines_deleted=record["loc_deleted_sum"],
        ai_credits_used=record.get("ai_credits_used"),
        used_agent=record["used_agent"],
        used_chat=record["used_chat"],
        used_cli=record["used_cli"],
        used_copilot_code_review_active=record["used_copilot_code_review_active"],
        used_copilot_code_review_passive=record["used_copilot_code_review_passive"],
        used_copilot_cloud_agent=record["used_copilot_cloud_agent"],
    )


@pytest.mark.parametrize(
    "day", [date(2026, 5, 20), date(2026, 6, 18), date(2026, 6, 19), date(2026, 12, 4)]
)
def test_users_report_lines_equal_the_activity_truth(shared, day):
    """One line per active user, and its totals and flags are the ground truth's."""
    with shared.client() as client:
        body = report(client, USERS, day)
        lines = records(client, body["download_links"])
    assert body["report_day"] == day.isoformat()
    assert {line["day"] for line in lines} == {day.isoformat()}
    got = {line["user_login"].lower(): as_activity(line) for line in lines}
    assert got == truth.activity_truth(shared.sim.org, day)


def test_ai_credits_used_is_the_credits_billed_that_day(shared):
    """From 2026-06-19, ``ai_credits_used`` equals the user's gross credits on the billing API
    that day (all models); before it the field is absent."""
    org = shared.sim.org
    with shared.client() as client:
        for day in (date(2026, 6, 19), date(2026, 11, 3), date(2026, 12, 4)):
            lines = records(client, report(client, USERS, day)["download_links"])
            billed = {}
            for (login, _model, _sku), line in truth.billing_truth(org, day).items():
                billed[login] = billed.get(login, Decimal(0)) + line.gross_quantity
            assert {x["user_login"].lower(): x["ai_credits_used"] for x in lines} == {
                x["user_login"].lower(): billed.get(x["user_login"].lower(), 0) for x in lines
            }
            assert any(x["ai_credits_used"] for x in lines)
        before = records(client, report(client, USERS, date(2026, 6, 18))["download_links"])
    assert before
    assert all("ai_credits_used" not in x for x in before)


def test_record_totals_are_the_sums_by_feature_and_ide(shared):
    """A record's counters are the sums of ``totals_by_feature`` and of ``totals_by_ide``; CLI
    use sits in ``totals_by_cli`` only when there was some."""
    with shared.client() as client:
        lines = []
        for back in range(1, 8):
            day = TODAY - timedelta(days=back)
            lines += records(client, report(client, USERS, day)["download_links"])
    counters = (
        "user_initiated_interaction_count",
        "code_generation_activity_count",
        "code_acceptance_activity_count",
        "loc_added_sum",
        "loc_deleted_sum",
    )
    for line in lines:
        for name in counters:
            assert line[name] == sum(f[name] for f in line["totals_by_feature"])
            assert line[name] == sum(i[name] for i in line["totals_by_ide"])
        assert ("totals_by_cli" in line) == line["used_cli"]
        assert line["ai_adoption_phase"]["version"] == "v1"
    assert any(line["used_cli"] for line in lines)


def test_large_reports_are_split_across_links(serve):
    """With 5 lines a file, a day's users come in several files that together hold them all."""
    served = serve(members=30, days=20, report_file_lines=5)
    day = date(2026, 12, 4)
    with served.client() as client:
        body = report(client, USERS, day)
        lines = records(client, body["download_links"])
    assert len(body["download_links"]) == -(-len(lines) // 5) >= 2
    assert len({x["user_login"] for x in lines}) == len(lines)
    assert len(lines) == len(truth.activity_truth(served.sim.org, day))


def test_links_expire_with_a_blob_storage_403(serve):
    """A signed link works until ``link_ttl_seconds`` pass on the clock, then answers 403 with
    an XML body, as blob storage does."""
    clock = Clock()
    served = serve(members=6, days=20, link_ttl_seconds=300, clock=clock)
    with served.client() as client:
        link = report(client, USERS, date(2026, 12, 4))["download_links"][0]
        clock.now += 300
        fresh = client.get(link)
        clock.now += 1
        expired = client.get(link)
    assert fresh.status_code == 200
    assert expired.status_code == 403
    assert expired.headers["content-type"].startswith("application/xml")
    assert "<Code>AuthenticationFailed</Code>" in expired.text


def test_a_tampered_link_is_403(shared):
    """A link whose signature does not match is refused by the storage."""
    with shared.client() as client:
        link = report(client, USERS, date(2026, 12, 4))["download_links"][0]
        response = client.get(link.replace(".ndjson", "0.ndjson"))
    assert response.status_code == 403
    assert "Signature did not match" in response.text


def test_links_need_no_token(shared):
    """Downloads are signed URLs: no Authorization header is needed."""
    with shared.client() as client:
        link = report(client, USERS, date(2026, 12, 4))["download_links"][0]
    with shared.client(token=None) as anonymous:
        assert anonymous.get(link).status_code == 200


def test_newest_report_is_yesterday_and_later_days_are_404(shared):
    """The newest report is the day before the present's; today and later are 404."""
    with shared.client() as client:
        yesterday = client.get(USERS, params={"day": "2026-12-06"})
        today = client.get(USERS, params={"day": TODAY.isoformat()})
        future = client.get(ORGANIZATION, params={"day": "2027-01-01"})
    assert yesterday.status_code == 200
    assert today.status_code == future.status_code == 404
    assert json.loads(today.text) == {
        "message": "No report is available for the requested day.",
        "documentation_url": DOCS,
        "status": "404",
    }


def test_a_day_before_the_data_is_200_with_an_empty_string(shared):
    """Before the history starts the answer is 200 with the JSON body ``""``."""
    with shared.client() as client:
        response = client.get(USERS, params={"day": "2026-01-05"})
    assert response.status_code == 200
    assert response.text == '""'


def test_a_day_without_activity_is_204(serve):
    """A day in the history on which nobody used Copilot answers 204 with no body."""
    served = serve(members=3, days=60)
    org = served.sim.org
    quiet = next(
        d
        for d in (org.first_day + timedelta(days=n) for n in range(59))
        if not truth.activity_truth(org, d)
    )
    with served.client() as client:
        users = client.get(USERS, params={"day": quiet.isoformat()})
        organization = client.get(ORGANIZATION, params={"day": quiet.isoformat()})
    assert users.status_code == organization.status_code == 204
    assert users.content == b""


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "Missing required parameter: day"),
        ({"day": "2026-13-01"}, "Invalid value"),
        ({"day": "20261201"}, "Invalid value"),
    ],
)
def test_missing_or_malformed_day_is_422(shared, params, fragment):
    """``day`` is required as ``YYYY-MM-DD``: otherwise 422 with GitHub's error body."""
    with shared.client() as client:
        response = client.get(USERS, params=params)
    body = json.loads(response.text)
    assert response.status_code == 422
    assert fragment in body["message"]
    assert body["status"] == "422"


def test_policy_disabled_is_403_on_every_report(serve):
    """``metrics_policy=False``: every report endpoint answers 403."""
    served = serve(members=6, days=20, metrics_policy=False)
    with served.client() as client:
        statuses = [
            client.get(USERS, params={"day": "2026-12-04"}).status_code,
            client.get(ORGANIZATION, params={"day": "2026-12-04"}).status_code,
            client.get(f"{REPORTS}/users-28-day/latest").status_code,
        ]
    assert statuses == [403] * 3


def test_legacy_metrics_endpoint_is_404(shared):
    """``/orgs/{org}/copilot/metrics`` was closed down on 2026-04-02: 404."""
    with shared.client() as client:
        assert client.get("/orgs/acme/copilot/metrics").status_code == 404


def test_organization_report_counts_the_active_users(shared):
    """The organisation's day record counts the day's active users and sums their counters."""
    day = date(2026, 12, 4)
    expected = truth.activity_truth(shared.sim.org, day)
    with shared.client() as client:
        (line,) = records(client, report(client, ORGANIZATION, day)["download_links"])
    assert line["daily_active_users"] == len(expected)
    assert line["user_initiated_interaction_count"] == sum(
        a.interactions for a in expected.values()
    )
    assert line["loc_added_sum"] == sum(a.lines_added for a in expected.values())
    assert line["daily_active_users"] <= line["weekly_active_users"] <= line["monthly_active_users"]
    assert "user_login" not in line


def test_users_28_day_latest_covers_the_28_days_to_yesterday(shared):
    """The latest 28-day report spans 2026-11-09 .. 2026-12-06, one line per user-day."""
    with shared.client() as client:
        response = client.get(f"{REPORTS}/users-28-day/latest")
        body = json.loads(response.text)
        lines = records(client, body["download_links"])
    first, last = date(2026, 11, 9), date(2026, 12, 6)
    assert (body["report_start_day"], body["report_end_day"]) == (
        first.isoformat(),
        last.isoformat(),
    )
    days = [first + timedelta(days=n) for n in range(28)]
    expected = sum(len(truth.activity_truth(shared.sim.org, d)) for d in days)
    assert len(lines) == expected
    assert {x["report_start_day"] for x in lines} == {first.isoformat()}


def test_moving_the_present_moves_the_newest_report(serve):
    """``POST /_simulator/now`` moves the present: the next day's report appears."""
    served = serve(members=6, days=20)
    with served.client() as client:
        before = client.get(USERS, params={"day": "2026-12-07"}).status_code
        with served.client(token=None) as control:
            control.post("/_simulator/now", json={"now_ms": 1_796_745_600_000})
        after = client.get(USERS, params={"day": "2026-12-07"}).status_code
    assert (before, after) == (404, 200)
