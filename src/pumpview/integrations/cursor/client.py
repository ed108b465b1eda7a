"""``CursorClient(http)``: the one seam to the Cursor Admin API, a ``JsonApi``
(``integrations.http``: allowlist, pacing, one exchange, retries by type) with Cursor's routes
(``allowlist``), limits (``pacing``), auth (Basic, the key as user name) and error statuses
(``_refuse``, the only place they are mapped).

References: Cursor's Admin API docs (https://cursor.com/docs/account/teams/admin-api: limits,
auth, routes); the error bodies observed on Cursor's forum (forum.cursor.com/t/109221,
/134954); and what broke other importers (ingestr and Airbyte's source-cursor: no retry of 429,
5xx, timeouts or non-JSON bodies, POST reads not retried, ``Retry-After`` ignored, no pacing).
"""

from __future__ import annotations

import httpx

from pumpview.errors import (
    AuthError,
    BadRequestError,
    BadResponse,
    RateLimited,
    ServerError,
    UpstreamError,
)
from pumpview.integrations import http as api
from pumpview.integrations.cursor import DEFAULT_BASE_URL
from pumpview.integrations.cursor import pacing as limits
from pumpview.integrations.cursor.allowlist import check_route
from pumpview.integrations.cursor.keys import check_key_format, key_of_basic_auth, redact_keys
from pumpview.integrations.http import USER_AGENT, parse_retry_after

INVALID_KEY_MESSAGE = (
    "Cursor rejected the API key: it is invalid or has been revoked. Create a new Admin API key "
    "in the Cursor dashboard (Settings → API Keys) and connect again."
)
_NO_ACCESS_HINTS = ("enterprise", "scope", "permission", "plan")


def _redact(text: str, request: httpx.Request) -> str:
    key = key_of_basic_auth(request.headers.get("Authorization"))
    return redact_keys(text, [key] if key else [])


def _refuse(response: httpx.Response, message: str, what: str) -> UpstreamError:
    """Cursor's error statuses as errors that say what to do."""
    status = response.status_code
    if status in {401, 403}:
        if status == 403 or any(hint in message.lower() for hint in _NO_ACCESS_HINTS):
            msg = (
                "Cursor accepted the key but refused access: the team's plan has no Admin API "
                "access (Cursor requires an Enterprise plan) or the key lacks the admin scope. "
                "Ask a Cursor admin to create an Admin API key with admin access on an eligible "
                f"team. Cursor said: {message}"
            )
            return AuthError(msg, status=status, reason="no_access")
        return AuthError(INVALID_KEY_MESSAGE, status=status, reason="invalid_key")
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        msg = f"Cursor rate-limited {what} (HTTP 429): {message}"
        return RateLimited(msg, retry_after=retry_after)
    if status >= 500:
        msg = f"Cursor failed on {what} (HTTP {status}): {message}"
        return ServerError(msg, status=status)
    if status >= 400:
        msg = f"Cursor refused the request {what} (HTTP {status}): {message}"
        return BadRequestError(msg, status=status, upstream_message=message)
    msg = f"Cursor answered {what} with an unexpected HTTP {status}"
    return BadResponse(msg, status=status)


CURSOR = api.Upstream(
    "Cursor",
    check_route,
    _refuse,
    _redact,
    limits.limit,
    limits.AFTER_429_PER_MINUTE,
    limits.pace_bucket,
)


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash if it can be the Cursor API's base URL, else a
    ``UserInputError`` saying why."""
    return api.check_base_url(url, redact_keys)


def make_http(
    api_key: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 30.0
) -> httpx.Client:
    """The real ``httpx.Client``: Basic auth (key as username, empty password), our User-Agent,
    JSON content type. Raises ``UserInputError`` for a malformed key (without echoing it)."""
    key = check_key_format(api_key)
    return httpx.Client(
        base_url=check_base_url(base_url),
        auth=httpx.BasicAuth(key, ""),
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        timeout=httpx.Timeout(timeout),
    )


class CursorClient(api.JsonApi):
    """Read-only access to the Cursor Admin API over an injected ``httpx.Client``."""

    upstream = CURSOR
