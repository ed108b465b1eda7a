"""The exception tree. Every error a user can cause or meet is one of these.

    PumpViewError
      UpstreamError        something about the Cursor Admin API (or the simulator)
        AuthError          401/403: fatal, never retried; says exactly what to fix
        RateLimited        429: carries retry_after
        ServerError        5xx, timeouts, truncated bodies: retried, bounded
        BadResponse        unparseable or unexpected shape
        BadRequestError    400/404 (and other 4xx): Cursor refused the request; never retried
      UserInputError       bad dates, bad key format, bad sizes, busy port: one clear line
      ForbiddenCall        a route outside the read-only allowlist; refused before sending

The CLI prints ``str(error)`` on one line and exits non-zero; nothing here ever carries a key.
"""

from __future__ import annotations

from typing import Literal

AuthReason = Literal["invalid_key", "no_access"]


class PumpViewError(Exception):
    """Base of every error Pump View raises on purpose."""


class UserInputError(PumpViewError):
    """The user asked for something that cannot be done as asked.

    ``str(error)`` is the CLI's line; ``web`` is what a page shows instead where the CLI's line
    names a command (``pumpview ...``) a person in a browser would not run, and ``field`` is the
    form field it belongs next to (``api_key``, ``name``), so a page never matches message text.
    """

    def __init__(self, message: str, *, field: str | None = None, web: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.web = web or message


class UpstreamError(PumpViewError):
    """The upstream API answered with an error or not at all."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(UpstreamError):
    """The key is invalid, revoked, or lacks access. Never retried.

    ``reason`` is ``"invalid_key"`` (wrong or revoked: the integration needs a new key) or
    ``"no_access"`` (a valid key whose plan or scope has no Admin API access).
    """

    def __init__(
        self, message: str, *, status: int | None = None, reason: AuthReason = "invalid_key"
    ) -> None:
        super().__init__(message, status=status)
        self.reason: AuthReason = reason


class RateLimited(UpstreamError):
    """429 Too Many Requests; ``retry_after`` is seconds when the upstream said so."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class ServerError(UpstreamError):
    """5xx, timeout, connection failure or truncated body: worth a bounded retry."""


class BadResponse(UpstreamError):
    """The upstream answered 2xx/4xx with something we cannot interpret."""


class BadRequestError(UpstreamError):
    """The upstream refused the request as asked (400, 404, ...); ``upstream_message`` says why."""

    def __init__(
        self, message: str, *, status: int | None = None, upstream_message: str = ""
    ) -> None:
        super().__init__(message, status=status)
        self.upstream_message = upstream_message


class ForbiddenCall(PumpViewError):
    """A method + path outside the read-only allowlist; nothing was sent."""
