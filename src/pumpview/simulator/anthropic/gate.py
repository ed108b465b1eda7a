"""What stands in front of every Admin endpoint: injected faults, auth, the version header and
per-key rate limits.

Order, as a gateway would have it: server faults (500/529, slowness) first, then the key (401),
then ``anthropic-version`` (400), then the per-minute budget (429), then the endpoint; truncation
happens on the way out.

Requiring ``anthropic-version`` is our choice: every doc example sends it and the guide says to
(§2), but no source shows an Admin endpoint refusing a request without it. The Messages API
answers such a request 400 ``"anthropic-version: header is required"``; so does this simulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from random import Random

from pumpview.simulator.anthropic.config import ADMIN, AnthropicConfig


@dataclass
class Verdict:
    """What the gate decided: pass through (``status`` 0), or answer now with an error."""

    status: int = 0
    kind: str = ""
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False


def key_from_headers(x_api_key: str | None, authorization: str | None) -> str | None:
    """The key of ``x-api-key``, else of ``authorization: Bearer ...`` (the 2026 OAuth form)."""
    if x_api_key:
        return x_api_key
    if authorization and authorization.startswith("Bearer "):
        return authorization[7:] or None
    return None


class Gate:
    """Stateful: revoked keys, per-key minute windows, the fault RNG."""

    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        self.revoked: set[str] = set()
        self._rng = Random(config.faults.seed)
        self._seen = 0
        self._windows: dict[str, tuple[int, int]] = {}

    def check(self, key: str | None, version: str | None) -> Verdict:
        faults = self.config.faults
        self._seen += 1
        draw = self._rng.random
        if faults.error_rate and draw() < faults.error_rate:
            if draw() < 0.5:
                return Verdict(500, "api_error", "Internal server error")
            return Verdict(529, "overloaded_error", "Overloaded")
        delay = faults.slow_seconds if faults.slow_rate and draw() < faults.slow_rate else 0.0
        if key is None or self.config.keys.get(key) != ADMIN or key in self.revoked:
            return Verdict(401, "authentication_error", "invalid x-api-key", delay=delay)
        if not version:
            return Verdict(400, "invalid_request_error", "anthropic-version: header is required",
                           delay=delay)  # fmt: skip
        if self._seen <= faults.first_429 or (
            faults.burst_429_rate and draw() < faults.burst_429_rate
        ):
            return self._too_many(1, delay)
        limit = self.config.rate_limit_per_minute
        if limit is not None:
            now = self.config.clock()
            minute = math.floor(now / 60)
            window, used = self._windows.get(key, (minute, 0))
            if window != minute:
                window, used = minute, 0
            if used >= limit:
                return self._too_many(max(1, math.ceil((minute + 1) * 60 - now)), delay)
            self._windows[key] = (window, used + 1)
        truncate = bool(faults.truncate_rate) and draw() < faults.truncate_rate
        return Verdict(delay=delay, truncate=truncate)

    def _too_many(self, retry_after: int, delay: float) -> Verdict:
        headers = {"retry-after": str(retry_after)} if self.config.retry_after else {}
        return Verdict(429, "rate_limit_error", "Number of requests has exceeded your rate limit",
                       headers, delay)  # fmt: skip
