"""What stands in front of every endpoint: injected faults, auth, and per-team rate limits.

Order, as a real gateway would have it: proxy faults (5xx, slowness) first, then auth (401/403),
then the per-minute budget (429), then the endpoint; truncation happens on the way out.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from random import Random

from pumpview.simulator.config import Grant, SimConfig

ENTERPRISE_ONLY = (
    "/teams/groups",
    "/teams/audit-logs",
    "/teams/user-spend-limit",
    "/teams/remove-member",
    "/settings/repo-blocklists",
    "/teams/model-access",
)

UNAUTHORIZED = {"error": "Unauthorized", "message": "Invalid API key"}
REVOKED = {"statusCode": 401, "error": "Unauthorized", "message": "Invalid API key"}
"""The observed variant (forum, Jun 2025) with an extra ``statusCode``; used for revoked keys."""
FORBIDDEN = {"error": "Forbidden", "message": "Enterprise access required"}
NOT_ENTERPRISE_401 = {
    "code": "error",
    "message": "You must be a member of an enterprise team to access this resource",
}
TOO_MANY = {"error": "Too Many Requests", "message": "Rate limit exceeded. Please try again later."}
SERVER_ERROR = {"error": "Internal Server Error", "message": "An unexpected error occurred"}
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def key_from_header(header: str | None) -> str | None:
    """The username of a Basic ``Authorization`` header (the key), or ``None``."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _password = decoded.partition(":")
    return user or None


def rate_bucket(method: str, path: str, config: SimConfig) -> tuple[str, int]:
    """The per-team budget a request draws from, and its size per minute (documented values)."""
    if path == "/teams/filtered-usage-events":
        return path, config.events_rate_limit
    if path == "/teams/user-spend-limit":
        return path, 60 if config.old_api else 250
    if path == "/teams/remove-member":
        return path, 50
    if path.startswith("/teams/groups"):
        return "/teams/groups", 20
    return f"{method} {path}", 20


@dataclass
class Verdict:
    """What the gate decided: pass through (``status`` 0), or answer now."""

    status: int = 0
    body: Mapping[str, object] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False


class Gate:
    """Stateful: revoked keys, per-minute counters, the fault RNG."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.revoked: set[str] = set()
        self._rng = Random(config.faults.seed)
        self._seen = 0
        self._windows: dict[str, tuple[int, int]] = {}

    def check(self, method: str, path: str, authorization: str | None) -> Verdict:
        faults = self.config.faults
        self._seen += 1
        draw = self._rng.random
        if faults.error_rate and draw() < faults.error_rate:
            if draw() < 0.5:
                return Verdict(502, BAD_GATEWAY_HTML)
            return Verdict(500, SERVER_ERROR)
        delay = faults.slow_seconds if faults.slow_rate and draw() < faults.slow_rate else 0.0

        denied = self._auth(path, key_from_header(authorization))
        if denied is not None:
            denied.delay = delay
            return denied

        if self._seen <= faults.first_429 or (
            faults.burst_429_rate and draw() < faults.burst_429_rate
        ):
            return self._too_many(retry_after=1, delay=delay)
        if self.config.rate_limits:
            bucket, limit = rate_bucket(method, path, self.config)
            now = self.config.clock()
            minute = math.floor(now / 60)
            window, used = self._windows.get(bucket, (minute, 0))
            if window != minute:
                window, used = minute, 0
            if used >= limit:
                return self._too_many(
                    retry_after=max(1, math.ceil((minute + 1) * 60 - now)), delay=delay
                )
            self._windows[bucket] = (window, used + 1)
        truncate = bool(faults.truncate_rate) and draw() < faults.truncate_rate
        return Verdict(delay=delay, truncate=truncate)

    def _auth(self, path: str, key: str | None) -> Verdict | None:
        if key is None or key not in self.config.keys:
            return Verdict(401, UNAUTHORIZED)
        if key in self.revoked:
            return Verdict(401, REVOKED)
        if self.config.old_api and not key.startswith("key_"):
            return Verdict(401, UNAUTHORIZED)
        grant = self.config.keys[key]
        if grant is Grant.NO_API:
            return Verdict(403, FORBIDDEN)
        if grant is Grant.NO_API_401:
            return Verdict(401, NOT_ENTERPRISE_401)
        if grant is Grant.BUSINESS and path.startswith(ENTERPRISE_ONLY):
            return Verdict(403, FORBIDDEN)
        return None

    def _too_many(self, retry_after: int, delay: float) -> Verdict:
        headers = {"Retry-After": str(retry_after)} if self.config.retry_after else {}
        return Verdict(429, TOO_MANY, headers=headers, delay=delay)
