"""``AnthropicClient(http)``: the one seam to Anthropic's Admin API, a ``JsonApi``
(``integrations.http``) with Anthropic's read-only routes, its key in ``x-api-key`` beside
``anthropic-version``, a pace under its limits and its error envelope
(``{"type": "error", "error": {"type", "message"}, "request_id"}``) mapped by status.

Anthropic documents no number for the Admin API's limits ("polling once per minute for sustained
use; more frequent polling is acceptable for short bursts, e.g. paginated data"): we pace at
``PER_MINUTE`` a path, slower after a 429, and wait what ``retry-after`` says.
"""

from __future__ import annotations

import re

import httpx

from pumpview.errors import (
    AuthError,
    BadRequestError,
    BadResponse,
    ForbiddenCall,
    RateLimited,
    ServerError,
    UpstreamError,
)
from pumpview.integrations import http as api
from pumpview.integrations.claude_code import API_VERSION, DEFAULT_BASE_URL
from pumpview.integrations.claude_code.keys import check_key_format, redact_keys

USAGE_PATH = "/v1/organizations/usage_report/claude_code"
COST_PATH = "/v1/organizations/cost_report"
USERS_PATH = "/v1/organizations/users"
ME_PATH = "/v1/organizations/me"
READ_ONLY_ROUTES = (USAGE_PATH, COST_PATH, USERS_PATH, ME_PATH)
"""The only paths this client calls, each with GET (the Admin API's reads). An Admin key can also
invite, remove and change users and keys; we never do."""
PER_MINUTE = 50
AFTER_429_PER_MINUTE = 20
INVALID_KEY_MESSAGE = (
    "Anthropic rejected the Admin API key: it is invalid, expired or has been revoked. Create a "
    "new Admin API key in the Claude Console (Settings → Admin keys) and connect again."
)


def check_route(method: str, path: str) -> str:
    """``path`` if it is one of ``READ_ONLY_ROUTES`` asked with GET, else ``ForbiddenCall``."""
    if method.upper() == "GET" and path in READ_ONLY_ROUTES:
        return path
    msg = (
        f"refusing {method.upper()} {redact_keys(path)}: Pump View only reads Anthropic's usage "
        f"and cost reports and users (GET {', '.join(READ_ONLY_ROUTES)})"
    )
    raise ForbiddenCall(msg)


def _redact(text: str, request: httpx.Request) -> str:
    key = request.headers.get("x-api-key")
    return redact_keys(text, [key] if key else [])


def _refuse(response: httpx.Response, message: str, what: str) -> UpstreamError:
    """Anthropic's error statuses as errors that say what to do."""
    status = response.status_code
    kind = _error_type(response)
    if status == 401:
        return AuthError(INVALID_KEY_MESSAGE, status=status, reason="invalid_key")
    if status == 403:
        msg = (
            "Anthropic accepted the key but refused access: an Admin API key of an organisation "
            "admin is needed (Claude Platform organisations only; a Claude Enterprise "
            f"organisation's Claude Code usage is in its Analytics API). Anthropic said: {message}"
        )
        return AuthError(msg, status=status, reason="no_access")
    if status == 429:
        retry_after = api.parse_retry_after(response.headers.get("retry-after"))
        msg = f"Anthropic rate-limited {what} (HTTP 429): {message}"
        return RateLimited(msg, retry_after=retry_after)
    if status >= 500:  # 500 api_error, 529 overloaded_error, 504 timeout_error
        msg = f"Anthropic failed on {what} (HTTP {status}{f', {kind}' if kind else ''}): {message}"
        return ServerError(msg, status=status)
    if status >= 400:
        msg = f"Anthropic refused the request {what} (HTTP {status}): {message}"
        return BadRequestError(msg, status=status, upstream_message=message)
    msg = f"Anthropic answered {what} with an unexpected HTTP {status}"
    return BadResponse(msg, status=status)


def _error_type(response: httpx.Response) -> str | None:
    """The envelope's ``error.type`` (an open set: unknown types are kept as they come)."""
    found = re.search(rb'"type"\s*:\s*"([a-z_]{1,40}_error)"', response.content[:2000])
    return found.group(1).decode() if found else None


ANTHROPIC = api.Upstream(
    "Anthropic", check_route, _refuse, _redact, lambda _bucket: PER_MINUTE, AFTER_429_PER_MINUTE
)


def check_base_url(url: str) -> str:
    return api.check_base_url(url, redact_keys)


def make_http(
    api_key: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 30.0
) -> httpx.Client:
    """The real ``httpx.Client``: the key in ``x-api-key``, ``anthropic-version``, our
    User-Agent. Raises ``UserInputError`` for a malformed key (without echoing it)."""
    key = check_key_format(api_key)
    return httpx.Client(
        base_url=check_base_url(base_url),
        headers={
            "x-api-key": key,
            "anthropic-version": API_VERSION,
            "User-Agent": api.USER_AGENT,
            "Accept": "application/json",
        },
        timeout=httpx.Timeout(timeout),
    )


class AnthropicClient(api.JsonApi):
    """Read-only access to Anthropic's Admin API over an injected ``httpx.Client``."""

    upstream = ANTHROPIC
