"""How one attempt to deliver went: ``sent`` (a 2xx, or SMTP accepted it), ``retry`` (a timeout,
a connection error, a 5xx, 408 or 429: worth another attempt later) or ``failed`` (refused: a
4xx, a redirect, a bad address). The error says what happened in words that never carry the
channel's URL or secrets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

SHOWN_BODY = 120
"""How much of a receiver's refusal (Slack's ``no_service``, ``invalid_payload``) is kept."""


@dataclass(frozen=True, slots=True)
class Outcome:
    result: str  # sent, retry or failed
    status_code: int | None = None
    error: str | None = None
    field: str | None = None
    """Which of the channel's fields the failure is about, when one is (an SMTP login refused:
    ``password``); a channel's form shows the error there, else at its address."""

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


_SENDING: set[str] = set()
"""The secret URLs being posted to right now, whose mention httpx's log must not carry."""
_INSTALLED = threading.Lock()


class _Masked(logging.Filter):
    """httpx logs every request's URL at INFO ("HTTP Request: POST https://..."): a Slack or
    webhook URL is a secret, so a log record naming one gets its scheme and host only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and _SENDING:
            record.args = tuple(
                f"{a.scheme}://{a.host}/…" if isinstance(a, httpx.URL) and str(a) in _SENDING
                else a for a in record.args
            )  # fmt: skip
        return True


_FILTER = _Masked()


@contextmanager
def unlogged(url: str) -> Iterator[None]:
    """While posting to ``url``, keep it out of httpx's log."""
    with _INSTALLED:
        logger = logging.getLogger("httpx")
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    shown = str(httpx.URL(url))
    _SENDING.add(shown)
    try:
        yield
    finally:
        _SENDING.discard(shown)
