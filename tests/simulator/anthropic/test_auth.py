"""Keys, the version header, and the error envelope: every error is §2.1's, with a request ID."""

from __future__ import annotations

import httpx

from pumpview.simulator.anthropic import DEMO_ANTHROPIC_API_KEY, DEMO_ANTHROPIC_KEY
from tests.simulator.anthropic.calls import CLAUDE_CODE, USERS, error_of

INVALID = (401, "authentication_error", "invalid x-api-key")
ADMIN_PATHS = [
    CLAUDE_CODE + "?starting_at=2026-12-04",
    "/v1/organizations/cost_report?starting_at=2026-12-01T00:00:00Z",
    USERS,
    "/v1/organizations/api_keys",
    "/v1/organizations/me",
]


def test_missing_key_is_401_on_every_endpoint(anthropic):
    """Without x-api-key every Admin endpoint answers 401 authentication_error."""
    with anthropic.client(key=None) as client:
        for path in ADMIN_PATHS:
            assert error_of(client.get(path)) == INVALID


def test_unknown_key_is_401(anthropic):
    """A key the organisation never issued is answered 401."""
    with anthropic.client(key="sk-ant-admin01-" + "x" * 86) as client:
        assert error_of(client.get(USERS)) == INVALID


def test_regular_api_key_is_401_on_admin_endpoints(anthropic):
    """A regular sk-ant-api03- key is not an Admin key: 401 on every Admin endpoint."""
    assert DEMO_ANTHROPIC_API_KEY.startswith("sk-ant-api03-")
    with anthropic.client(key=DEMO_ANTHROPIC_API_KEY) as client:
        for path in ADMIN_PATHS:
            assert error_of(client.get(path)) == INVALID


def test_demo_key_has_the_admin_format(anthropic):
    """The demo key is sk-ant-admin01- plus 86 url-safe characters, and it is answered."""
    tail = DEMO_ANTHROPIC_KEY.removeprefix("sk-ant-admin01-")
    assert len(tail) == 86
    assert set(tail) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    with anthropic.client() as client:
        assert client.get(USERS).status_code == 200


def test_bearer_token_is_accepted(anthropic):
    """The admin key sent as ``authorization: Bearer`` (the OAuth form) is answered too."""
    headers = {"authorization": f"Bearer {DEMO_ANTHROPIC_KEY}", "anthropic-version": "2023-06-01"}
    with httpx.Client(base_url=anthropic.url, headers=headers) as client:
        assert client.get(USERS).status_code == 200


def test_missing_version_header_is_400(anthropic):
    """Without anthropic-version a valid key is answered 400 invalid_request_error."""
    with anthropic.client(version=False) as client:
        assert error_of(client.get(USERS)) == (
            400,
            "invalid_request_error",
            "anthropic-version: header is required",
        )


def test_revoked_key_is_401_from_then_on(serve_anthropic):
    """A key revoked through the control route is answered 401 on its next request."""
    served = serve_anthropic()
    with served.client() as client:
        assert client.get(USERS).status_code == 200
        httpx.post(served.url + "/_simulator/revoke", json={"key": DEMO_ANTHROPIC_KEY})
        assert error_of(client.get(USERS)) == INVALID


def test_every_response_has_a_request_id(anthropic):
    """Successes and errors alike carry a req_ request-id header, each one different."""
    with anthropic.client() as client:
        ids = [client.get(path).headers["request-id"] for path in ADMIN_PATHS]
        ids.append(client.get("/v1/organizations/nowhere").headers["request-id"])
    assert all(i.startswith("req_") for i in ids)
    assert len(set(ids)) == len(ids)


def test_unknown_path_and_user_are_404(anthropic):
    """An unknown route or user ID is a 404 not_found_error envelope."""
    expected = (404, "not_found_error", "The requested resource could not be found.")
    with anthropic.client() as client:
        assert error_of(client.get("/v1/organizations/nowhere")) == expected
        assert error_of(client.get(USERS + "/user_01nobody")) == expected
