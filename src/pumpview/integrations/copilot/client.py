"""``GitHubClient(http)``: the one seam to GitHub's REST API for Copilot, a ``JsonApi``
(``integrations.http``) with GitHub's read-only routes, its token as ``Authorization: Bearer``
beside ``X-GitHub-Api-Version``, a pace under its limits and its error answers mapped by status.

Limits (the reference's §1): a secondary limit of 900 points a minute per endpoint (a GET is one
point) and a primary limit of 5,000 requests an hour per token. We pace each route template at
``PER_MINUTE`` (slower after a 429 or a secondary-limit 403), and when the ``x-ratelimit-*``
headers say the hour's budget is nearly spent we wait for its reset before the next request.

The usage-metrics reports answer signed download links to another host: ``download`` fetches
only links a report answered this client, without the token, and parses them as NDJSON.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import stamina

from pumpview import money
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
from pumpview.integrations.copilot import API_VERSION, DEFAULT_BASE_URL
from pumpview.integrations.copilot.keys import check_token_format, redact_keys

PREMIUM_PATH = "/organizations/{org}/settings/billing/premium_request/usage"
CREDITS_PATH = "/organizations/{org}/settings/billing/ai_credit/usage"
SUMMARY_PATH = "/orgs/{org}/copilot/billing"
SEATS_PATH = "/orgs/{org}/copilot/billing/seats"
MEMBER_SEAT_PATH = "/orgs/{org}/members/{username}/copilot"
USERS_REPORT_PATH = "/orgs/{org}/copilot/metrics/reports/users-1-day"
READ_ONLY_ROUTES = (PREMIUM_PATH, CREDITS_PATH, SUMMARY_PATH, SEATS_PATH, MEMBER_SEAT_PATH,
                    USERS_REPORT_PATH)  # fmt: skip
"""The only routes this client calls, each with GET. A token of an organisation owner can also
add and cancel seats (``/copilot/billing/selected_users``); we never do."""
_ROUTES = tuple(
    (re.compile("".join(r"[^/]+" if p.startswith("{") else re.escape(p)
                        for p in re.split(r"(\{[a-z]+\})", t) if p)), t)
    for t in READ_ONLY_ROUTES
)  # fmt: skip
PER_MINUTE = 80
"""Requests a minute per route template, well under the 900 points of the secondary limit."""
AFTER_429_PER_MINUTE = 20
PRIMARY_LOW = 10
"""Requests left in the hour at which we wait for the primary limit's reset."""
INVALID_KEY_MESSAGE = (
    "GitHub rejected the token (Bad credentials): it is invalid, expired or has been revoked. "
    "Create a new token of an organisation owner and connect again."
)
ENTERPRISE_OWNED = "cannot filter usage by user"
"""GitHub's 403 on ``user=`` for an organisation owned by an enterprise (navikt/copilot#111)."""
PERMISSIONS = {
    "organization_administration": '"Administration" (organisation, read)',
    "organization_copilot_seat_management": '"GitHub Copilot Business" (organisation, read)',
    "organization_copilot_metrics": '"Organization Copilot metrics" (organisation, read)',
}
"""``X-Accepted-GitHub-Permissions`` names as GitHub's token settings page shows them."""


def route_path(template: str, **segments: str) -> str:
    """``template`` with its ``{org}``/``{username}`` segments filled in (percent-encoded)."""
    return re.sub(r"\{([a-z]+)\}", lambda m: quote(segments[m.group(1)], safe=""), template)


def check_route(method: str, path: str) -> str:
    """The template ``path`` fills if it is one of ``READ_ONLY_ROUTES`` asked with GET, else
    ``ForbiddenCall``."""
    if method.upper() == "GET":
        for pattern, template in _ROUTES:
            if pattern.fullmatch(path):
                return template
    msg = (
        f"refusing {method.upper()} {redact_keys(path)}: Pump View only reads GitHub's Copilot "
        f"billing usage, seats and usage metrics (GET {', '.join(READ_ONLY_ROUTES)})"
    )
    raise ForbiddenCall(msg)


def _bucket(path: str) -> str:
    """Pacing per route template: GitHub's secondary limit counts per endpoint."""
    try:
        return check_route("GET", path)
    except ForbiddenCall:
        return path


def _token(request: httpx.Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() in ("bearer", "token") else None


def _redact(text: str, request: httpx.Request) -> str:
    token = _token(request)
    return redact_keys(text, [token] if token else [])


def _reset_in(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds until ``x-ratelimit-reset`` (UTC epoch seconds), or ``None`` without it."""
    text = response.headers.get("x-ratelimit-reset", "")
    if not text.isdigit():
        return None
    return max(0.0, int(text) - (time.time() if now is None else now))


def _refuse(response: httpx.Response, message: str, what: str) -> UpstreamError:
    """GitHub's error statuses as errors that say what to do."""
    status, headers = response.status_code, response.headers
    if status == 401:
        return AuthError(INVALID_KEY_MESSAGE, status=status, reason="invalid_key")
    if status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
        wait = _reset_in(response)
        msg = f"GitHub's hourly rate limit for this token is spent ({what}): {message}"
        return RateLimited(msg, retry_after=wait)
    if status == 429 or (status == 403 and (
            "retry-after" in headers or "secondary rate limit" in message)):  # fmt: skip
        retry_after = api.parse_retry_after(headers.get("retry-after"))
        msg = f"GitHub's secondary rate limit answered {what} (HTTP {status}): {message}"
        return RateLimited(msg, retry_after=retry_after)
    if status == 403:
        return AuthError(_forbidden(headers, message), status=status, reason="no_access")
    if status == 404:
        if "/copilot/metrics/reports/" in response.request.url.path:
            msg = f"GitHub has no usage-metrics report for {what}: {message}"
        else:
            msg = (
                "GitHub found no such organisation, or the token cannot see it (a token of an "
                f"organisation owner is needed) ({what}: {message})"
            )
        return BadRequestError(msg, status=status, upstream_message=message)
    if status == 410:
        msg = f"GitHub no longer serves API version {API_VERSION} ({what}): {message}"
        return BadRequestError(msg, status=status, upstream_message=message)
    if status >= 500:
        return ServerError(f"GitHub failed on {what} (HTTP {status}): {message}", status=status)
    if status >= 400:
        msg = f"GitHub refused the request {what} (HTTP {status}): {message}"
        return BadRequestError(msg, status=status, upstream_message=message)
    return BadResponse(f"GitHub answered {what} with an unexpected HTTP {status}", status=status)


def _forbidden(headers: httpx.Headers, message: str) -> str:
    """A 403 in words: the permission or scope the token lacks, when GitHub names it."""
    if ENTERPRISE_OWNED in message:
        return (
            "this organisation is owned by an enterprise: GitHub does not let organisation "
            "admins read billing usage per user there (only the enterprise's billing endpoints "
            f"can, with an enterprise admin's classic token). GitHub said: {message}"
        )
    scopes = headers.get("x-accepted-oauth-scopes")
    if scopes:
        return (f"the token is missing the scope {scopes.replace(', ', ' or ')}: give the "
                f"classic token that scope and connect again. GitHub said: {message}")  # fmt: skip
    accepted = headers.get("x-accepted-github-permissions")
    if accepted:
        names = []
        for part in accepted.split(";"):
            name = part.strip().partition("=")[0]
            if name:
                names.append(PERMISSIONS.get(name, part.strip()))
        return (f"the token is missing the permission {' or '.join(names)}: grant it to the "
                f"token and connect again. GitHub said: {message}")  # fmt: skip
    return f"GitHub refused access (HTTP 403): {message}"


GITHUB = api.Upstream(
    "GitHub", check_route, _refuse, _redact, lambda _bucket: PER_MINUTE, AFTER_429_PER_MINUTE,
    _bucket,
)  # fmt: skip


def check_base_url(url: str) -> str:
    return api.check_base_url(url, redact_keys)


def make_http(token: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 30.0) -> httpx.Client:
    """The real ``httpx.Client``: the token as a bearer, GitHub's media type and API version,
    our User-Agent. Raises ``UserInputError`` for a malformed token (without echoing it)."""
    key = check_token_format(token)
    return httpx.Client(
        base_url=check_base_url(base_url),
        headers={
            "Authorization": f"Bearer {key}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": api.USER_AGENT,
        },
        timeout=httpx.Timeout(timeout),
    )


class GitHubClient(api.JsonApi):
    """Read-only access to GitHub's Copilot endpoints over an injected ``httpx.Client``; the
    ``link`` header of the last answer in ``last_link``; report files through ``download``."""

    upstream = GITHUB

    def __init__(self, http: httpx.Client, **options: Any) -> None:
        self._wall: Callable[[], float] = options.pop("wall", time.time)
        self._wait: Callable[[float], object] = options.get("sleep", time.sleep)
        super().__init__(http, **options)
        self.last_link: str | None = None
        self._reset_at: float | None = None
        """When the primary limit resets, once an answer said it is nearly spent."""
        self._links: set[str] = set()
        http.event_hooks["response"] = [*http.event_hooks["response"], self._observe]

    def _observe(self, response: httpx.Response) -> None:
        """Every answer's ``link`` and primary rate-limit headers."""
        self.last_link = response.headers.get("link")
        remaining = response.headers.get("x-ratelimit-remaining", "")
        if remaining.isdigit() and int(remaining) <= PRIMARY_LOW:
            wait = _reset_in(response, self._wall())
            self._reset_at = None if wait is None else self._wall() + wait
        elif remaining.isdigit():
            self._reset_at = None

    def get(self, path: str, params: Any = None) -> Any:
        """``GET path`` as ``JsonApi.get`` does, after the primary limit's reset when it is
        nearly spent (pacing only); the download links of a report answer are remembered."""
        if self._pacer is not None and self._reset_at is not None:
            wait = self._reset_at - self._wall() + 1
            if wait > 0:
                self.stats.pacing_seconds += wait
                self._emit(api.ClientEvent("wait", "GET", path, None, wait))
                self._wait(wait)
            self._reset_at = None
        data = super().get(path, params)
        if isinstance(data, dict) and isinstance(data.get("download_links"), list):
            self._links.update(str(link) for link in data["download_links"])
        return data

    def download(self, url: str) -> list[dict[str, Any]]:
        """The NDJSON records of a report file whose link a report answered this client: sent
        without the token (the link is signed), retried on 5xx and transport failures. A link
        refused (expired: 403, gone: 404) is a ``BadRequestError``."""
        if url not in self._links:
            msg = "refusing to download a URL no usage-metrics report of this sync gave"
            raise ForbiddenCall(msg)
        for attempt in stamina.retry_context(on=ServerError, attempts=self.attempts,
                                             timeout=self.retry_timeout):  # fmt: skip
            with attempt:
                if attempt.num > 1:
                    self.stats.retries += 1
                return self._download_once(url)
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    def _download_once(self, url: str) -> list[dict[str, Any]]:
        request = self._http.build_request("GET", url)
        del request.headers["authorization"]
        self.stats.requests += 1
        self.stats.requests_by_path["download"] += 1
        try:
            response = self._http.send(request)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            msg = f"could not download a Copilot usage-metrics report file ({type(exc).__name__})"
            raise ServerError(msg) from exc
        status = response.status_code
        if status >= 500:
            raise ServerError(f"the report file's host failed (HTTP {status})", status=status)
        if status >= 400:
            msg = f"the report file's link was refused (HTTP {status}: expired or gone)"
            raise BadRequestError(msg, status=status)
        if status == 204:
            return []
        records = []
        for line in response.content.splitlines():
            if not line.strip():
                continue
            try:
                record = money.loads(line)
            except ValueError as exc:  # a truncated file
                msg = "a Copilot usage-metrics report file has an unreadable line"
                raise ServerError(msg, status=status) from exc
            if not isinstance(record, dict):
                msg = "a Copilot usage-metrics report line is not an object"
                raise BadResponse(msg)
            records.append(record)
        return records
