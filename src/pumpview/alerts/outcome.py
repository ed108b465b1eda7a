"""How one attempt to deliver went: ``sent`` (a 2xx, or SMTP accepted it), ``retry`` (a timeout,
a connection error, a 5xx, 408 or 429: worth another attempt later) or ``failed`` (refused: a
4xx, a redirect, a bad address). The error says what happened in words that never carry the
channel's URL or secrets."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

SHOWN_BODY = 120
"""How much of a receiver's refusal (Slack's ``no_service``, ``invalid_payload``) is kept."""


@dataclass(frozen=True, slots=True)
class Outcome:
    result: str  # sent, retry or failed
    status_code: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.result == "sent"


def of_response(response: httpx.Response) -> Outcome:
    """A receiver's answer as an outcome."""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome("sent", status)
    said = " ".join(response.text.split())[:SHOWN_BODY]
    error = f"the receiver answered {status}" + (f": {said}" if said else "")
    if status >= 500 or status in (408, 429):
        return Outcome("retry", status, error)
    if 300 <= status < 400:
        return Outcome("failed", status, f"the receiver answered {status} (a redirect; "
                       "redirects are not followed: use the address it names)")  # fmt: skip
    return Outcome("failed", status, error)


def of_transport(exc: httpx.HTTPError) -> Outcome:
    """A request that got no answer: retried. The words are ours, never the exception's text,
    which may quote the URL."""
    if isinstance(exc, httpx.TimeoutException):
        return Outcome("retry", None, "no answer in time (timed out)")
    if isinstance(exc, httpx.ConnectError):
        return Outcome("retry", None, "could not connect to the receiver")
    if isinstance(exc, httpx.TransportError):
        return Outcome("retry", None, f"the connection failed ({type(exc).__name__})")
    return Outcome("failed", None, f"the request could not be sent ({type(exc).__name__})")
