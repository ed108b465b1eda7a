"""The GitHub client's own rules, without a network: tokens, the allowlist, statuses mapped to
errors, the primary limit's wait, the report downloads, the seats' ``link`` header."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import stamina

from pumpview.errors import AuthError, BadRequestError, ForbiddenCall, RateLimited, UserInputError
from pumpview.integrations.copilot.client import (
    SEATS_PATH,
    GitHubClient,
    check_route,
    make_http,
    route_path,
)
from pumpview.integrations.copilot.keys import check_token_format, mask_key, redact_keys
from pumpview.integrations.copilot.seats import next_page

TOKEN = "ghp_" + "a1B2" * 9


@pytest.fixture(autouse=True)
def _no_sleep():
    with stamina.set_testing(True, attempts=3):
        yield


def _http(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    """``make_http``'s headers over a handler standing in for GitHub."""
    headers = make_http(TOKEN, "https://api.github.com").headers
    return httpx.Client(base_url="https://api.github.com", headers=headers,
                        transport=httpx.MockTransport(handler))  # fmt: skip


def _client(handler: Callable[[httpx.Request], httpx.Response], **options: object) -> GitHubClient:
    return GitHubClient(_http(handler), pacing=False, **options)


@pytest.mark.parametrize("token", [TOKEN, "github_pat_" + "x_Y1" * 20, "ghs_" + "z" * 36,
                                   "ghu_" + "Q" * 40])  # fmt: skip
def test_the_four_kinds_of_github_token_are_accepted(token):
    assert check_token_format(f" {token}\n") == token


@pytest.mark.parametrize("token", ["", "sk-ant-admin01-" + "x" * 40, "gho_" + "x" * 36, "ghp_x"])
def test_anything_else_is_refused_at_the_key_field_without_echoing_it(token):
    with pytest.raises(UserInputError) as caught:
        check_token_format(token)
    assert caught.value.field == "api_key"
    assert not token or token not in str(caught.value)


def test_tokens_are_masked_and_scrubbed_from_text_in_every_form():
    assert mask_key(TOKEN) == "ghp_…a1B2"
    other = "github_pat_" + "9" * 40
    text = f"a {TOKEN} b {other} c ghs_{'k' * 30}"
    scrubbed = redact_keys(text, [TOKEN])
    assert TOKEN not in scrubbed
    assert other not in scrubbed
    assert "k" * 30 not in scrubbed


def test_only_the_read_routes_are_allowed():
    assert check_route("GET", "/orgs/acme/copilot/billing/seats") == SEATS_PATH
    assert route_path(SEATS_PATH, org="a/b") == "/orgs/a%2Fb/copilot/billing/seats"
    for method, path in [("POST", "/orgs/acme/copilot/billing/selected_users"),
                         ("DELETE", "/orgs/acme/copilot/billing/selected_users"),
                         ("GET", "/orgs/acme/copilot/billing/selected_users"),
                         ("POST", "/orgs/acme/copilot/billing/seats"),
                         ("GET", "/orgs/acme/copilot/metrics")]:  # fmt: skip
        with pytest.raises(ForbiddenCall):
            check_route(method, path)


def test_a_missing_permission_is_named_as_githubs_settings_name_it():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403, json={"message": "Resource not accessible by personal access token"},
            headers={"X-Accepted-GitHub-Permissions": "organization_administration=read"},
        )  # fmt: skip

    with pytest.raises(AuthError) as caught:
        _client(handler).get("/orgs/acme/copilot/billing")
    assert caught.value.reason == "no_access"
    assert 'missing the permission "Administration" (organisation, read)' in str(caught.value)


def test_the_secondary_limit_and_the_spent_hour_are_rate_limits_with_their_waits():
    answers = iter([
        httpx.Response(403, json={"message": "You have exceeded a secondary rate limit."},
                       headers={"retry-after": "7"}),
        httpx.Response(403, json={"message": "API rate limit exceeded for user ID 1."},
                       headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"}),
        httpx.Response(429, json={"message": "slow down"}),
    ])  # fmt: skip
    client = _client(lambda _r: next(answers), attempts=1)
    with pytest.raises(RateLimited) as secondary:
        client.get("/orgs/acme/copilot/billing")
    assert secondary.value.retry_after == 7
    with pytest.raises(RateLimited) as hourly:
        client.get("/orgs/acme/copilot/billing")
    assert "hourly rate limit" in str(hourly.value)
    assert (hourly.value.retry_after or 0) > 3600
    with pytest.raises(RateLimited):
        client.get("/orgs/acme/copilot/billing")


def test_when_the_hour_is_nearly_spent_the_next_request_waits_for_its_reset():
    waits: list[float] = []
    now = [1_000.0]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"seat_breakdown": {}}, headers={
            "x-ratelimit-remaining": "3", "x-ratelimit-reset": "1600"})  # fmt: skip

    client = GitHubClient(_http(handler), pacing=True, sleep=waits.append, wall=lambda: now[0])
    client.get("/orgs/acme/copilot/billing")
    assert waits == []
    client.get("/orgs/acme/copilot/billing")
    assert waits == [601.0]


def test_a_wrong_organisation_is_said_and_a_missing_report_is_told_apart():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "Not Found", "status": "404"})

    client = _client(handler)
    with pytest.raises(BadRequestError) as org:
        client.get("/orgs/nope/copilot/billing")
    assert "no such organisation" in str(org.value)
    with pytest.raises(BadRequestError) as report:
        client.get("/orgs/acme/copilot/metrics/reports/users-1-day", {"day": "2026-12-07"})
    assert "no usage-metrics report" in str(report.value)


def test_report_files_are_downloaded_without_the_token_and_only_from_a_reports_links():
    link = "https://blob.example.net/r/1.ndjson?sig=abc"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "api.github.com":
            return httpx.Response(200, json={"download_links": [link], "report_day": "2026-12-06"})
        return httpx.Response(200, content=b'{"user_login":"a","day":"2026-12-06"}\n\n{"x":1.5}\n')

    client = _client(handler)
    with pytest.raises(ForbiddenCall):
        client.download(link)
    client.get("/orgs/acme/copilot/metrics/reports/users-1-day", {"day": "2026-12-06"})
    records = client.download(link)
    assert records[0]["user_login"] == "a"
    assert str(records[1]["x"]) == "1.5"  # exact, never a float
    assert "authorization" in seen[0].headers
    assert "authorization" not in seen[1].headers


def test_the_seats_next_page_comes_from_the_link_header():
    link = ('<https://api.github.com/orgs/acme/copilot/billing/seats?per_page=100&page=2>; '
            'rel="next", <https://api.github.com/orgs/acme/copilot/billing/seats?per_page=100'
            '&page=5>; rel="last"')  # fmt: skip
    assert next_page(link) == 2
    assert next_page(None) is None
    assert next_page('<https://x/?page=1>; rel="prev"') is None
