"""CursorClient: allowlist, auth errors, retries, pacing and key hygiene, over real HTTP."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
import stamina

from pumpview import __version__
from pumpview.errors import (
    AuthError,
    BadRequestError,
    BadResponse,
    ForbiddenCall,
    RateLimited,
    ServerError,
    UserInputError,
)
from pumpview.integrations.cursor.allowlist import check_route
from pumpview.integrations.cursor.client import (
    INVALID_KEY_MESSAGE,
    CursorClient,
    check_base_url,
    make_http,
)
from pumpview.integrations.cursor.connection import verify
from pumpview.integrations.cursor.keys import key_forms
from pumpview.integrations.http import ClientEvent, parse_retry_after
from pumpview.simulator import DEMO_KEY, Faults, Grant
from pumpview.simulator.truth import overall
from pumpview.timeutil import MS_PER_DAY

NOW_MS = 1_764_000_000_000  # the serve fixture's simulated present (2025-11-24T16:00:00Z)
EVENTS = "/teams/filtered-usage-events"
UNKNOWN_KEY = "crsr_" + "0123456789abcdef" * 4
PLAN_KEY = "crsr_" + "fedcba9876543210" * 4


def day_window(page_size: int = 1000) -> dict[str, int]:
    """Yesterday (UTC) in full: inclusive ms bounds, one page."""
    end = NOW_MS - NOW_MS % MS_PER_DAY - 1
    return {"startDate": end - MS_PER_DAY + 1, "endDate": end, "page": 1, "pageSize": page_size}


_OPENED: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """No test sleeps for a retry; each client keeps its own attempt bound."""
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Every httpx.Client a test opened is closed after it (no ResourceWarning)."""
    yield
    while _OPENED:
        _OPENED.pop().close()


def opened(http: httpx.Client) -> httpx.Client:
    _OPENED.append(http)
    return http


class FakeClock:
    """A clock that only moves when something sleeps on it; records every sleep."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def cursor(
    served: Any, key: str = DEMO_KEY, *, timeout: float = 5.0, **options: Any
) -> CursorClient:
    """A CursorClient over real HTTP to ``served``, with a fake clock unless one is given."""
    if "clock" not in options:
        clock = FakeClock()
        options.update(clock=clock, sleep=clock.sleep)
    return CursorClient(opened(served.client(key, timeout=timeout)), **options)


def mocked(
    *answers: httpx.Response | Exception, key: str = DEMO_KEY, **options: Any
) -> tuple[CursorClient, list[httpx.Request]]:
    """A CursorClient over ``httpx.MockTransport`` giving ``answers`` in turn (the last repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = opened(
        httpx.Client(
            transport=httpx.MockTransport(handler),
            base_url="https://api.cursor.test",
            auth=(key, ""),
        )
    )
    if "clock" not in options:
        clock = FakeClock()
        options.update(clock=clock, sleep=clock.sleep)
    return CursorClient(http, **options), seen


def ok(payload: object = None) -> httpx.Response:
    return httpx.Response(200, json={"ok": True} if payload is None else payload)


def statuses(served: Any) -> list[int]:
    return [call.status for call in served.sim.calls]


# -- the allowlist ----------------------------------------------------------------------------


def test_mutating_route_is_refused_before_sending(serve):
    """POST /teams/user-spend-limit raises ForbiddenCall and nothing reaches the upstream."""
    served = serve()
    client = cursor(served)
    with pytest.raises(ForbiddenCall):
        client.post("/teams/user-spend-limit", {"userEmail": "a@b.c", "spendLimitDollars": 0})
    assert list(served.sim.calls) == []
    assert served.sim.mutations == []
    assert client.stats.requests == 0


def test_unlisted_read_route_is_refused_before_sending(serve):
    """A read route outside the allowlist (GET /teams/audit-logs) is refused too."""
    served = serve()
    client = cursor(served)
    with pytest.raises(ForbiddenCall):
        client.get("/teams/audit-logs")
    assert list(served.sim.calls) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/teams/groups/group_platform"),
        ("PATCH", "/teams/groups/group_platform"),
        ("POST", "/teams/groups"),
        ("POST", "/teams/groups/group_platform/members"),
        ("DELETE", "/teams/groups/group_platform/members"),
        ("POST", "/teams/remove-member"),
        ("GET", "/teams/spend"),
        ("POST", "/teams/members"),
        ("POST", "/teams/spend/../user-spend-limit"),
        ("GET", "/teams/groups/.."),
        ("GET", "/teams/groups/%2e%2e"),
        ("GET", "/teams/members/"),
        ("GET", "/teams/members?x=1"),
        ("GET", "https://evil.example/teams/members"),
        ("PUT", "/teams/model-access/configuration"),
        ("POST", "/v0/agents"),
    ],
)
def test_check_route_refuses_everything_off_the_allowlist(method, path):
    """Writes, wrong methods, traversal and absolute URLs are all ForbiddenCall."""
    with pytest.raises(ForbiddenCall):
        check_route(method, path)


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/teams/members", "/teams/members"),
        ("post", EVENTS, EVENTS),
        ("POST", "/teams/daily-usage-data", "/teams/daily-usage-data"),
        ("POST", "/teams/spend", "/teams/spend"),
        ("GET", "/teams/groups", "/teams/groups"),
        ("GET", "/teams/groups/group_platform", "/teams/groups/{id}"),
    ],
)
def test_check_route_names_the_allowlisted_template(method, path, template):
    """Every documented read route passes and reports its template."""
    assert check_route(method, path) == template


# -- reads against the simulator --------------------------------------------------------------


def test_members_match_the_roster(serve):
    """GET /teams/members returns exactly the simulator's listed members."""
    served = serve()
    payload = cursor(served).get("/teams/members")
    listed = [m.email for m in served.sim.team.members if m.listed]
    assert [m["email"] for m in payload["teamMembers"]] == listed


def test_events_page_matches_ground_truth_in_decimal(serve):
    """One events page carries every visible event and its chargedCents sum is exact."""
    served = serve()
    window = day_window()
    payload = cursor(served).post(EVENTS, window)
    truth = overall(served.sim.team, window["startDate"], window["endDate"])
    events = payload["usageEvents"]
    assert payload["totalUsageEventsCount"] == truth.events == len(events)
    assert sum((e["chargedCents"] for e in events), Decimal(0)) == truth.spend_cents


def test_parsed_events_contain_no_float(serve):
    """Every fractional number in a parsed events page is a Decimal; none is a float."""
    served = serve()
    payload = cursor(served).post(EVENTS, day_window())

    def leaves(value: object) -> Iterator[object]:
        if isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        elif isinstance(value, list):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    found = list(leaves(payload))
    assert not [v for v in found if isinstance(v, float)]
    assert any(isinstance(v, Decimal) for v in found)


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    [
        ("POST", "/teams/spend", {"page": 1, "pageSize": 100}, "teamMemberSpend"),
        ("POST", "/teams/daily-usage-data", day_window(), "data"),
        ("GET", "/teams/groups", None, "groups"),
        ("GET", "/teams/groups/group_platform", None, "group"),
    ],
)
def test_other_reads_succeed(serve, method, path, body, key):
    """Spend, daily usage, groups and one group answer 200 with their documented envelope."""
    served = serve()
    client = cursor(served)
    payload = client.get(path) if method == "GET" else client.post(path, body)
    assert key in payload
    assert statuses(served) == [200]


def test_make_http_authenticates_with_basic_auth_and_user_agent(serve):
    """make_http strips the key, sends it as the Basic username, and names pumpview."""
    served = serve()
    http = opened(make_http(f"  {DEMO_KEY}\n", served.url))
    payload = CursorClient(http).get("/teams/members")
    assert "teamMembers" in payload
    assert http.headers["User-Agent"] == f"pumpview/{__version__}"
    assert http.headers["Content-Type"] == "application/json"


def test_make_http_refuses_a_malformed_key():
    """A malformed key is a UserInputError before any client exists."""
    with pytest.raises(UserInputError):
        make_http("sk-not-a-cursor-key")


def test_basic_auth_header_carries_key_and_empty_password():
    """The Authorization header is Basic base64("<key>:")."""
    client, seen = mocked(ok())
    client.get("/teams/members")
    expected = base64.b64encode(f"{DEMO_KEY}:".encode()).decode()
    assert seen[0].headers["Authorization"] == f"Basic {expected}"


def test_post_sends_a_json_body():
    """post() sends the body as JSON with a JSON content type."""
    client, seen = mocked(ok())
    client.post("/teams/spend", {"page": 2, "pageSize": 100})
    assert json.loads(seen[0].content) == {"page": 2, "pageSize": 100}
    assert seen[0].headers["Content-Type"] == "application/json"


def test_request_events_and_counters():
    """Each request emits one event and is counted under its allowlisted template."""
    events: list[ClientEvent] = []
    client, _ = mocked(ok(), on_event=events.append)
    client.get("/teams/groups/group_a")
    client.get("/teams/groups/group_b")
    assert events == [
        ClientEvent("request", "GET", "/teams/groups/group_a", 200, 0.0),
        ClientEvent("request", "GET", "/teams/groups/group_b", 200, 0.0),
    ]
    assert client.stats.requests == 2
    assert dict(client.stats.requests_by_path) == {"/teams/groups/{id}": 2}


# -- auth errors: never retried ---------------------------------------------------------------


def test_unknown_key_is_invalid_key(serve):
    """A well-formed key Cursor does not know is AuthError("invalid_key"), asked once."""
    served = serve()
    with pytest.raises(AuthError) as caught:
        cursor(served, UNKNOWN_KEY).get("/teams/members")
    assert caught.value.reason == "invalid_key"
    assert caught.value.status == 401
    assert str(caught.value) == INVALID_KEY_MESSAGE
    assert statuses(served) == [401]


def test_revoked_key_is_invalid_key(serve):
    """A key revoked after working (401 with statusCode) is AuthError("invalid_key"), asked once."""
    served = serve()
    client = cursor(served)
    client.get("/teams/members")
    served.sim.revoke(DEMO_KEY)
    with pytest.raises(AuthError) as caught:
        client.get("/teams/members")
    assert caught.value.reason == "invalid_key"
    assert str(caught.value) == INVALID_KEY_MESSAGE
    assert statuses(served) == [200, 401]


def test_plan_without_api_403_is_no_access(serve):
    """Grant.NO_API (documented 403) is AuthError("no_access") quoting Cursor, asked once."""
    served = serve(keys={PLAN_KEY: Grant.NO_API})
    with pytest.raises(AuthError) as caught:
        cursor(served, PLAN_KEY).get("/teams/members")
    assert caught.value.reason == "no_access"
    assert caught.value.status == 403
    assert "Enterprise plan" in str(caught.value)
    assert str(caught.value).endswith("Cursor said: Enterprise access required")
    assert statuses(served) == [403]


def test_plan_without_api_401_variant_is_no_access(serve):
    """The observed 401 {"code": "error", ...enterprise...} is AuthError("no_access"), once."""
    served = serve(keys={PLAN_KEY: Grant.NO_API_401})
    with pytest.raises(AuthError) as caught:
        cursor(served, PLAN_KEY).get("/teams/members")
    assert caught.value.reason == "no_access"
    assert caught.value.status == 401
    assert str(caught.value).endswith(
        "Cursor said: You must be a member of an enterprise team to access this resource"
    )
    assert statuses(served) == [401]


# -- 400 / 404: never retried -----------------------------------------------------------------


def test_bad_request_is_not_retried(serve):
    """A 400 is BadRequestError carrying Cursor's message, after exactly one request."""
    served = serve()
    with pytest.raises(BadRequestError) as caught:
        cursor(served).post(EVENTS, day_window(page_size=5000))
    assert caught.value.status == 400
    assert caught.value.upstream_message == "pageSize must be between 1 and 1000"
    assert str(caught.value) == (
        "Cursor refused the request POST /teams/filtered-usage-events (HTTP 400): "
        "pageSize must be between 1 and 1000"
    )
    assert statuses(served) == [400]


def test_unknown_group_is_not_retried(serve):
    """A 404 for an unknown group is BadRequestError with status 404, after one request."""
    served = serve()
    with pytest.raises(BadRequestError) as caught:
        cursor(served).get("/teams/groups/group_nope")
    assert caught.value.status == 404
    assert caught.value.upstream_message == "Resource not found"
    assert statuses(served) == [404]


# -- 429 --------------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried_and_the_wait_honoured(serve):
    """Two 429s with Retry-After: 1 are retried after exactly 1 s each, then the call succeeds."""
    served = serve(retry_after=True, faults=Faults(first_429=2))
    events: list[ClientEvent] = []
    client = cursor(served, on_event=events.append)
    assert "teamMembers" in client.get("/teams/members")
    assert statuses(served) == [429, 429, 200]
    assert [e for e in events if e.kind == "retry"] == [
        ClientEvent("retry", "GET", "/teams/members", 429, 1.0),
        ClientEvent("retry", "GET", "/teams/members", 429, 1.0),
    ]
    assert (client.stats.rate_limited, client.stats.retries) == (2, 2)
    assert client.stats.backoff_seconds == 2.0


def test_429_without_retry_after_backs_off_exponentially(serve):
    """Without Retry-After the waits are 1 s and 2 s plus up to 1 s of jitter."""
    served = serve(faults=Faults(first_429=2))
    events: list[ClientEvent] = []
    client = cursor(served, on_event=events.append, rng=random.Random(7))
    client.get("/teams/members")
    jitter = random.Random(7)
    expected = [1 + jitter.uniform(0, 1), 2 + jitter.uniform(0, 1)]
    assert [e.seconds for e in events if e.kind == "retry"] == expected
    assert statuses(served) == [429, 429, 200]


def test_429_lowers_the_events_budget_to_18_per_minute():
    """After a 429 on usage events, the 19th send within 60 s waits for the window."""
    clock = FakeClock()
    client, seen = mocked(httpx.Response(429, json={}), ok(), clock=clock, sleep=clock.sleep)
    for _ in range(17):  # 1 call = 429 + retry, then 16 more: 18 sends at t=1000
        client.post(EVENTS, {})
    assert (len(seen), clock.sleeps) == (18, [])
    client.post(EVENTS, {})
    assert clock.sleeps == [60.0]


def test_rate_limited_error_carries_retry_after():
    """When every attempt is a 429, RateLimited is raised with the parsed Retry-After."""
    client, seen = mocked(
        httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "Too Many Requests"}),
        attempts=2,
    )
    with pytest.raises(RateLimited) as caught:
        client.get("/teams/members")
    assert caught.value.retry_after == 7.0
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1", 1.0),
        (" 2.5 ", 2.5),
        ("Sat, 22 Nov 2025 10:00:30 GMT", 30.0),
        ("Sat, 22 Nov 2025 09:59:00 GMT", 0.0),
        ("-3", 0.0),
        ("soon", None),
        ("nan", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, seconds):
    """Retry-After is delta-seconds or an HTTP date; past, negative and unreadable are handled."""
    now = datetime(2025, 11, 22, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds


# -- 5xx, truncation, timeouts: retried and bounded -------------------------------------------


def test_500_and_html_502_are_retried_until_success(serve):
    """A JSON 500 then an HTML 502 are retried and the third request succeeds."""
    served = serve(faults=Faults(error_rate=0.5, seed=40))
    client = cursor(served)
    assert "teamMembers" in client.get("/teams/members")
    assert statuses(served) == [500, 502, 200]
    assert client.stats.retries == 2


def test_persistent_server_errors_give_up_after_attempts(serve):
    """With every request failing, the client stops after ``attempts`` requests with ServerError."""
    served = serve(faults=Faults(error_rate=1.0))
    client = cursor(served, attempts=4)
    with pytest.raises(ServerError) as caught:
        client.get("/teams/members")
    assert statuses(served) == [500, 502, 502, 502]
    assert caught.value.status == 502
    assert str(caught.value) == (
        "Cursor failed on GET /teams/members (HTTP 502): Bad Gateway (an HTML page)"
    )
    assert (client.stats.requests, client.stats.retries) == (4, 3)


def test_truncated_body_is_retried(serve):
    """A 200 whose JSON is cut in half is retried, and the next full answer is returned."""
    served = serve(faults=Faults(truncate_rate=0.5, seed=1))
    client = cursor(served)
    payload = client.post(EVENTS, day_window())
    assert payload["totalUsageEventsCount"] == len(payload["usageEvents"])
    assert statuses(served) == [200, 200]
    assert client.stats.retries == 1


def test_persistent_truncation_gives_up_with_server_error(serve):
    """If every body is truncated, ServerError says the answer was incomplete."""
    served = serve(faults=Faults(truncate_rate=1.0))
    with pytest.raises(ServerError, match="incomplete or non-JSON answer to GET /teams/members"):
        cursor(served, attempts=3).get("/teams/members")
    assert statuses(served) == [200, 200, 200]


def test_real_read_timeout_is_retried_then_server_error(serve):
    """A server slower than the client's timeout is retried, then ServerError after attempts."""
    served = serve(faults=Faults(slow_rate=1.0, slow_seconds=0.5))
    client = cursor(served, timeout=0.1, attempts=3)
    with pytest.raises(ServerError) as caught:
        client.get("/teams/members")
    assert str(caught.value) == "Cursor did not answer GET /teams/members in time (ReadTimeout)"
    assert (client.stats.requests, client.stats.retries) == (3, 2)


def test_connect_error_is_retried():
    """A refused connection is a ServerError and is retried."""
    client, seen = mocked(httpx.ConnectError("refused"), ok())
    assert client.get("/teams/members") == {"ok": True}
    assert len(seen) == 2


def test_non_json_200_is_a_server_error():
    """A 200 HTML page is treated like a truncated body: ServerError after the attempts."""
    client, seen = mocked(
        httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"}),
        attempts=2,
    )
    with pytest.raises(ServerError):
        client.get("/teams/members")
    assert len(seen) == 2


# -- pacing -----------------------------------------------------------------------------------


def test_59th_events_call_within_a_minute_waits_for_the_oldest():
    """58 events calls pass; the 59th waits until the oldest leaves the 60 s window."""
    clock = FakeClock(1000.0)
    events: list[ClientEvent] = []
    client, _ = mocked(ok(), clock=clock, sleep=clock.sleep, on_event=events.append)
    for i in range(58):
        clock.now = 1000.0 + i * 0.5
        client.post(EVENTS, {})
    clock.now = 1029.0
    client.post(EVENTS, {})
    assert clock.sleeps == [31.0]
    assert ClientEvent("wait", "POST", EVENTS, None, 31.0) in events
    assert client.stats.pacing_seconds == 31.0


def test_other_routes_are_paced_at_18_per_minute():
    """The 19th members call within 60 s waits; groups and members have separate budgets."""
    clock = FakeClock()
    client, _ = mocked(ok(), clock=clock, sleep=clock.sleep)
    for _ in range(18):
        client.get("/teams/members")
        client.get("/teams/groups")
    assert clock.sleeps == []
    client.get("/teams/members")
    assert clock.sleeps == [60.0]


def test_pacing_off_never_waits():
    """With pacing=False, 100 events calls in the same instant never sleep."""
    clock = FakeClock()
    client, seen = mocked(ok(), pacing=False, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        client.post(EVENTS, {})
    assert (len(seen), clock.sleeps, client.stats.pacing_seconds) == (100, [], 0.0)


def _shared_clock(serve: Callable[..., Any]) -> tuple[Any, FakeClock]:
    clock = FakeClock(1_764_000_030.0)  # mid-minute, so paced sends straddle upstream minutes
    served = serve(rate_limits=True, clock=clock, days=2)
    return served, clock


def test_pacing_keeps_the_simulator_rate_limit_quiet(serve):
    """130 events requests with pacing see zero 429s; two full-minute waits are needed."""
    served, clock = _shared_clock(serve)
    client = cursor(served, clock=clock, sleep=clock.sleep)
    for _ in range(130):
        client.post(EVENTS, day_window(page_size=1))
    assert set(statuses(served)) == {200}
    assert client.stats.rate_limited == 0
    assert clock.sleeps == [60.0, 60.0]


def test_without_pacing_the_simulator_limit_bites(serve):
    """Control: unpaced, the 61st events request in one upstream minute is answered 429."""
    served, clock = _shared_clock(serve)
    client = cursor(served, clock=clock, sleep=clock.sleep, pacing=False, attempts=1)
    for _ in range(60):
        client.post(EVENTS, day_window(page_size=1))
    with pytest.raises(RateLimited):
        client.post(EVENTS, day_window(page_size=1))


# -- the key never leaks ----------------------------------------------------------------------


def test_key_absent_from_errors_repr_and_events(serve):
    """Neither the key nor its Basic encoding appears in the error, the client repr or events."""
    served = serve()
    events: list[ClientEvent] = []
    client = CursorClient(opened(make_http(UNKNOWN_KEY, served.url)), on_event=events.append)
    with pytest.raises(AuthError) as caught:
        client.get("/teams/members")
    encoded = base64.b64encode(f"{UNKNOWN_KEY}:".encode()).decode()
    texts = [str(caught.value), repr(caught.value), repr(client), *map(repr, events)]
    assert not [t for t in texts if UNKNOWN_KEY in t or UNKNOWN_KEY[5:25] in t or encoded in t]
    assert repr(client) == (
        f"CursorClient(base_url={served.url!r}, pacing=True, attempts=6, requests=1)"
    )


def test_key_echoed_by_upstream_is_masked():
    """If Cursor echoes a key in an error message, the raised message carries only its mask."""
    client, _ = mocked(httpx.Response(400, json={"message": f"unknown key {DEMO_KEY}"}))
    with pytest.raises(BadRequestError) as caught:
        client.get("/teams/members")
    assert DEMO_KEY not in str(caught.value)
    assert caught.value.upstream_message == f"unknown key crsr_…{DEMO_KEY[-4:]}"


def test_redirect_is_a_bad_response_and_not_followed():
    """A 3xx is BadResponse after one request; the key is never sent on to another host."""
    client, seen = mocked(httpx.Response(302, headers={"Location": "https://elsewhere.test/"}))
    with pytest.raises(BadResponse) as caught:
        client.get("/teams/members")
    assert caught.value.status == 302
    assert len(seen) == 1


PUNCTUATED_KEY = "crsr_" + "Ab+/=%:&?#@!" * 5 + "wxyz"


@pytest.mark.parametrize(
    "echo",
    [
        lambda key: f"Basic {base64.b64encode(f'{key}:'.encode()).decode()}",
        lambda key: quote(key, safe=""),
        quote_plus,
        lambda key: key,
    ],
    ids=["basic-auth-header", "url-encoded", "form-encoded", "plain"],
)
def test_a_403_echoing_the_credentials_in_any_encoding_is_masked(echo):
    """Echoed credentials (the Authorization header, URL-encoded or plain, punctuation and all)
    never reach the error; the key travelled with the request, so every form of it is known."""
    for key in (DEMO_KEY, PUNCTUATED_KEY):
        client, _ = mocked(
            httpx.Response(403, json={"error": f"forbidden for {echo(key)}; scope"}), key=key
        )
        with pytest.raises(AuthError) as caught:
            client.get("/teams/members")
        text = f"{caught.value} {caught.value!r}"
        assert key not in text
        for form in key_forms(key):
            assert form not in text, form
        assert key[5:25] not in text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("::::", "not a valid base URL"),
        ("http://127.0.0.1:abc", "not a valid base URL"),
        ("http://[::1", "not a valid base URL"),
        ("ftp://example.com", "not a valid base URL"),
        (f"http://user:{DEMO_KEY}@127.0.0.1:1", "must not contain a user name or password"),
    ],
)
def test_bad_base_urls_are_one_clear_error(url, message):
    with pytest.raises(UserInputError, match=message) as caught:
        check_base_url(url)
    assert DEMO_KEY not in str(caught.value)


@pytest.mark.parametrize(
    "answers",
    [
        (ok({"unexpected": True}),),
        (ok({"teamMembers": []}), ok({"data": []})),
    ],
    ids=["members-wrong-shape", "events-wrong-shape"],
)
def test_connect_refuses_a_200_of_the_wrong_shape(answers):
    """A server that answers 200 with other JSON is not the Cursor Admin API."""
    client, _ = mocked(*answers)
    with pytest.raises(BadResponse, match="unexpected /teams/"):
        verify(client, 1_764_000_000_000)
