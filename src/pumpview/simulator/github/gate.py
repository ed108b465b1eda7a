"""What stands in front of every endpoint: faults, the API version, auth, rate limits and who may
see the organisation.

Order, as GitHub's edge has it: proxy faults (5xx, slowness) first, then the primary hourly
limit of the caller's bucket (403, ``x-ratelimit-remaining: 0``; a token the org does not know
draws from the anonymous bucket of 60), then the API version (410), then the token (401), then
the secondary per-minute, per-endpoint limit (403 or 429 with ``retry-after``), then the
organisation (404: another org, or a caller who is not its owner) and the token's grant (403).
Every answer that passed the faults carries the ``x-ratelimit-*`` headers of its bucket.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from random import Random

from pumpview.simulator.github.config import (
    GitHubConfig,
    Permission,
    Scope,
    TokenGrant,
    TokenKind,
    token_kind,
)

DOCS = "https://docs.github.com/rest"
VERSIONS = ("2022-11-28", "2026-03-10")
"""The REST API versions accepted in ``X-GitHub-Api-Version``; another is 410 Gone."""
VERSIONS_DOCS = "https://docs.github.com/rest/about-the-rest-api/api-versions"
ANONYMOUS_LIMIT = 60
"""The primary limit of unauthenticated requests (per client, per hour)."""
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID "
    "E1F2:3A4B:5C6D7E:8F9A0B:675A1C2D."
)
BAD_GATEWAY_HTML = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>Server Error</h1>"
    "<p>Sorry, this page is taking way too long to load.</p></body></html>"
)


def error(message: str, status: int, documentation_url: str = DOCS) -> dict[str, str]:
    """GitHub's error body; ``status`` is a string."""
    return {"message": message, "documentation_url": documentation_url, "status": str(status)}


@dataclass(frozen=True)
class Family:
    """A group of endpoints with one grant rule."""

    name: str
    scopes: frozenset[str]
    """Classic scopes, any one of which suffices."""
    permissions: frozenset[str]
    """Fine-grained / App permissions, any one of which suffices."""
    accepted: str
    """The ``X-Accepted-GitHub-Permissions`` header naming them."""
    docs: str


BILLING = Family(
    "billing-usage",
    frozenset({Scope.MANAGE_BILLING_COPILOT}),
    frozenset({Permission.ADMINISTRATION}),
    "organization_administration=read",
    "https://docs.github.com/rest/billing/usage",
)
SEATS = Family(
    "seats",
    frozenset({Scope.MANAGE_BILLING_COPILOT, Scope.READ_ORG}),
    frozenset({Permission.COPILOT_BUSINESS, Permission.ADMINISTRATION}),
    "organization_copilot_seat_management=read; organization_administration=read",
    "https://docs.github.com/rest/copilot/copilot-user-management",
)
SEATS_WRITE = Family(
    "seats-write",
    frozenset({Scope.MANAGE_BILLING_COPILOT}),
    frozenset({Permission.COPILOT_BUSINESS}),
    "organization_copilot_seat_management=write",
    "https://docs.github.com/rest/copilot/copilot-user-management",
)
METRICS = Family(
    "metrics",
    frozenset({Scope.READ_ORG}),
    frozenset({Permission.COPILOT_METRICS}),
    "organization_copilot_metrics=read",
    "https://docs.github.com/rest/copilot/copilot-usage-metrics",
)
_PATHS = (
    (
        re.compile(r"/organizations/([^/]+)/settings/billing/(?:premium_request|ai_credit)/usage"),
        BILLING,
    ),
    (re.compile(r"/orgs/([^/]+)/copilot/billing(?:/seats)?"), SEATS),
    (re.compile(r"/orgs/([^/]+)/members/[^/]+/copilot"), SEATS),
    (re.compile(r"/orgs/([^/]+)/copilot/metrics/reports/[^/]+(?:/latest)?"), METRICS),
    (re.compile(r"/orgs/([^/]+)/copilot/billing/selected_(?:users|teams)"), SEATS_WRITE),
)


def endpoint(path: str) -> tuple[str, Family] | None:
    """The organisation a known endpoint's path names, and its family; ``None`` for others."""
    for pattern, family in _PATHS:
        match = pattern.fullmatch(path)
        if match:
            return match.group(1), family
    return None


def endpoint_key(method: str, path: str) -> str:
    """The endpoint a request belongs to, for the per-endpoint secondary limit."""
    return f"{method} " + re.sub(r"/members/[^/]+/", "/members/{username}/", path)


def token_from_header(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer <t>`` or ``token <t>``, else ``None``."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not token.strip():
        return None
    return token.strip()


@dataclass
class Verdict:
    """What the gate decided: pass through (``status`` 0), or answer now. ``headers`` go on
    the response either way."""

    status: int = 0
    body: dict[str, str] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False


@dataclass
class _Bucket:
    reset: int
    used: int = 0


class Gate:
    """Stateful: revoked tokens, the hourly and per-minute counters, the fault RNG."""

    def __init__(self, config: GitHubConfig) -> None:
        self.config = config
        self.revoked: set[str] = set()
        self._rng = Random(config.faults.seed)
        self._seen = 0
        self._hourly: dict[str, _Bucket] = {}
        self._minute: dict[tuple[str, str], tuple[int, int]] = {}

    def check(
        self, method: str, path: str, authorization: str | None, version: str | None
    ) -> Verdict:
        faults = self.config.faults
        self._seen += 1
        draw = self._rng.random
        if faults.error_rate and draw() < faults.error_rate:
            if draw() < 0.5:
                return Verdict(502, BAD_GATEWAY_HTML)
            return Verdict(500, error("Server Error", 500))
        delay = faults.slow_seconds if faults.slow_rate and draw() < faults.slow_rate else 0.0
        verdict = self._check(method, path, authorization, version)
        verdict.delay = delay
        if verdict.status == 0:
            verdict.truncate = bool(faults.truncate_rate) and draw() < faults.truncate_rate
        return verdict

    def _check(
        self, method: str, path: str, authorization: str | None, version: str | None
    ) -> Verdict:
        token = token_from_header(authorization)
        grant = self.config.tokens.get(token) if token is not None else None
        bucket_name = token if grant is not None and token not in self.revoked else None
        limit = self.config.hourly_limit if bucket_name is not None else ANONYMOUS_LIMIT
        bucket = self._bucket(bucket_name or "anonymous")
        if bucket.used >= limit:
            headers = _rate_headers(limit, bucket)
            who = f"user ID {grant.user_id}" if grant is not None else "127.0.0.1"
            return Verdict(
                403,
                error(
                    f"API rate limit exceeded for {who}.",
                    403,
                    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                ),
                headers,
            )
        bucket.used += 1
        headers = _rate_headers(limit, bucket)
        if version is not None and version not in VERSIONS:
            return Verdict(410, error(f"API version '{version}' is not supported.", 410,
                                      VERSIONS_DOCS), headers)  # fmt: skip
        if token is None:
            return Verdict(401, error("Requires authentication", 401), headers)
        if grant is None or bucket_name is None:
            return Verdict(401, error("Bad credentials", 401), headers)

        faults = self.config.faults
        if self._seen <= faults.first_429 or (
            faults.burst_429_rate and self._rng.random() < faults.burst_429_rate
        ):
            return self._secondary(headers, retry_after=60)
        now = self.config.clock()
        minute = math.floor(now / 60)
        key = (token, endpoint_key(method, path))
        window, points = self._minute.get(key, (minute, 0))
        if window != minute:
            window, points = minute, 0
        cost = 1 if method in ("GET", "HEAD") else 5
        if points + cost > self.config.secondary_per_minute:
            return self._secondary(headers, retry_after=max(1, math.ceil((minute + 1) * 60 - now)))
        self._minute[key] = (window, points + cost)

        found = endpoint(path)
        if found is None:
            return Verdict(headers=headers)
        org, family = found
        kind = token_kind(token)
        hidden = not grant.org_admin and kind is not TokenKind.INSTALLATION
        if org.lower() != self.config.org.lower() or hidden:
            return Verdict(404, error("Not Found", 404), headers)
        if not _allows(grant, kind, family):
            message = "Resource not accessible by " + (
                "integration"
                if kind in (TokenKind.INSTALLATION, TokenKind.APP_USER)
                else "personal access token"
            )
            denied = {**headers, "X-Accepted-GitHub-Permissions": family.accepted}
            if kind is TokenKind.CLASSIC:
                denied["X-OAuth-Scopes"] = ", ".join(sorted(grant.scopes))
                denied["X-Accepted-OAuth-Scopes"] = ", ".join(sorted(family.scopes))
            return Verdict(403, error(message, 403, family.docs), denied)
        return Verdict(headers=headers)

    def _bucket(self, name: str) -> _Bucket:
        now = int(self.config.clock())
        bucket = self._hourly.get(name)
        if bucket is None or now >= bucket.reset:
            bucket = _Bucket(reset=now + 3600)
            self._hourly[name] = bucket
        return bucket

    def _secondary(self, headers: dict[str, str], retry_after: int) -> Verdict:
        status = self.config.secondary_status
        return Verdict(
            status,
            error(
                SECONDARY,
                status,
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            ),
            {**headers, "retry-after": str(retry_after)},
        )


def _allows(grant: TokenGrant, kind: TokenKind | None, family: Family) -> bool:
    if kind is TokenKind.CLASSIC:
        return bool(grant.scopes & family.scopes)
    if kind is None:
        return False
    return bool(grant.permissions & family.permissions)


def _rate_headers(limit: int, bucket: _Bucket) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(max(0, limit - bucket.used)),
        "x-ratelimit-used": str(bucket.used),
        "x-ratelimit-reset": str(bucket.reset),
        "x-ratelimit-resource": "core",
    }
