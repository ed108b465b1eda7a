"""``CursorClient(http)``: the one seam to the Cursor Admin API.

A call walks one way: allowlist (method + path, refused before anything is sent: ``allowlist``)
-> pacing (a sliding window per endpoint, under the documented per-minute limits: ``pacing``)
-> one HTTP exchange, turned into data or an error of ``pumpview.errors`` by ``_exchange`` (the
only place statuses and transport failures are mapped) -> a retry decided by the error's type
alone (stamina).

References: Cursor's Admin API docs (https://cursor.com/docs/account/teams/admin-api: limits,
auth, routes); the error bodies observed on Cursor's forum (forum.cursor.com/t/109221,
/134954); and what broke other importers (ingestr and Airbyte's source-cursor: no retry of 429,
5xx, timeouts or non-JSON bodies, POST reads not retried, ``Retry-After`` ignored, no pacing).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx
import stamina

from pumpview import __version__, money
from pumpview.errors import (
    AuthError,
    BadRequestError,
    BadResponse,
    RateLimited,
    ServerError,
    UpstreamError,
    UserInputError,
)
from pumpview.integrations.cursor import DEFAULT_BASE_URL
from pumpview.integrations.cursor.allowlist import check_route
from pumpview.integrations.cursor.keys import check_key_format, key_of_basic_auth, redact_keys
from pumpview.integrations.cursor.pacing import Budget, LocalBudget, Pacer, pace_bucket

USER_AGENT = f"pumpview/{__version__}"

# -- retries ----------------------------------------------------------------------------------

RETRYABLE: tuple[type[UpstreamError], ...] = (RateLimited, ServerError)
"""Retried by type alone. AuthError, BadRequestError (400/404) and BadResponse never are."""
BACKOFF_CAP_SECONDS = 30.0
RETRY_AFTER_CAP_SECONDS = 120.0


def backoff_seconds(error: UpstreamError, failures: int, rng: random.Random) -> float:
    """The wait before retry number ``failures``: ``Retry-After`` if Cursor sent one, else
    exponential with jitter, 1-2, 2-3, 4-5, 8-9, 16-17 s (the docs' 1, 2, 4, 8, 16 s)."""
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(error.retry_after, RETRY_AFTER_CAP_SECONDS)
    return min(BACKOFF_CAP_SECONDS, 2.0 ** (failures - 1) + rng.uniform(0.0, 1.0))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date); ``None`` if absent
    or unreadable. Cursor does not document the header; we use it when present."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


# -- status and transport -> the exception tree -----------------------------------------------

INVALID_KEY_MESSAGE = (
    "Cursor rejected the API key: it is invalid or has been revoked. Create a new Admin API key "
    "in the Cursor dashboard (Settings → API Keys) and connect again."
)
_NO_ACCESS_HINTS = ("enterprise", "scope", "permission", "plan")


def _exchange(send: Callable[[], httpx.Response], what: str) -> tuple[int, Any]:
    """Send once; return ``(status, parsed JSON)`` or raise the matching ``pumpview.errors`` type.

    The only place HTTP statuses and transport failures are mapped. Messages say what to do and
    never contain the key (upstream text is scrubbed with ``redact_keys``).
    """
    try:
        response = send()
    except httpx.TimeoutException as exc:
        msg = f"Cursor did not answer {what} in time ({type(exc).__name__})"
        raise ServerError(msg) from exc
    except httpx.UnsupportedProtocol as exc:
        msg = "the Cursor base URL must start with https:// (or http:// for a local simulator)"
        raise UserInputError(msg) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        msg = f"could not complete {what} with Cursor ({type(exc).__name__})"
        raise ServerError(msg) from exc
    except httpx.TooManyRedirects as exc:
        msg = f"Cursor redirected {what} too many times"
        raise BadResponse(msg) from exc

    status = response.status_code
    if 200 <= status < 300:
        if status == 204:
            return status, None
        try:
            return status, money.loads(response.content)
        except ValueError as exc:  # truncated, empty, or an HTML page with a 200
            msg = (
                f"Cursor sent an incomplete or non-JSON answer to {what} "
                f"(HTTP {status}, {len(response.content)} bytes)"
            )
            raise ServerError(msg, status=status) from exc

    message = _upstream_message(response)
    if status in {401, 403}:
        if status == 403 or any(hint in message.lower() for hint in _NO_ACCESS_HINTS):
            msg = (
                "Cursor accepted the key but refused access: the team's plan has no Admin API "
                "access (Cursor requires an Enterprise plan) or the key lacks the admin scope. "
                "Ask a Cursor admin to create an Admin API key with admin access on an eligible "
                f"team. Cursor said: {message}"
            )
            raise AuthError(msg, status=status, reason="no_access")
        raise AuthError(INVALID_KEY_MESSAGE, status=status, reason="invalid_key")
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        msg = f"Cursor rate-limited {what} (HTTP 429): {message}"
        raise RateLimited(msg, retry_after=retry_after)
    if status >= 500:
        msg = f"Cursor failed on {what} (HTTP {status}): {message}"
        raise ServerError(msg, status=status)
    if status >= 400:
        msg = f"Cursor refused the request {what} (HTTP {status}): {message}"
        raise BadRequestError(msg, status=status, upstream_message=message)
    msg = f"Cursor answered {what} with an unexpected HTTP {status}"
    raise BadResponse(msg, status=status)


def _upstream_message(response: httpx.Response) -> str:
    """``body.message or body.error`` for every error body shape seen; else a description of
    the body."""
    try:
        body = money.loads(response.content)
    except ValueError:
        body = None
    for _ in range(2):  # tolerate one level of nesting: {"error": {"message": ...}}
        if not isinstance(body, dict):
            break
        for name in ("message", "error"):
            value = body.get(name)
            if isinstance(value, str) and value.strip():
                key = key_of_basic_auth(response.request.headers.get("Authorization"))
                return redact_keys(value.strip(), [key] if key else [])[:500]
        body = body.get("error")
    kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "no message"
    return f"{response.reason_phrase or 'no reason'} ({kind})"


# -- the client -------------------------------------------------------------------------------

EventKind = Literal["request", "wait", "retry"]


@dataclass(frozen=True)
class ClientEvent:
    """Progress: one per request sent (``seconds`` = its duration, ``status`` ``None`` when no
    answer came), per pacing wait, and per retry (``seconds`` = backoff, ``status`` = the failure).
    """

    kind: EventKind
    method: str
    path: str
    status: int | None = None
    seconds: float = 0.0


@dataclass
class ClientStats:
    """Counters for the sync and the benchmark to print."""

    requests: int = 0
    requests_by_path: Counter[str] = field(default_factory=Counter)
    """Keyed by the allowlisted template, e.g. ``/teams/groups/{id}``."""
    retries: int = 0
    rate_limited: int = 0
    """429 answers seen."""
    pacing_seconds: float = 0.0
    backoff_seconds: float = 0.0
    """Backoff asked of stamina (zero real time under ``stamina.set_testing``)."""


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash if it can be the Cursor API's base URL, else a
    ``UserInputError`` saying why. Credentials in the URL are refused: they would be stored."""
    text = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(text)
        _ = parsed.port  # httpx only parses the port when asked
    except (httpx.InvalidURL, ValueError, TypeError):
        msg = f"not a valid base URL: {redact_keys(text)!r} (expected https://host[:port])"
        raise UserInputError(msg) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        msg = f"not a valid base URL: {redact_keys(text)!r} (expected https://host[:port])"
        raise UserInputError(msg)
    if parsed.userinfo:
        msg = (
            "the base URL must not contain a user name or password; pass the key with "
            "--api-key (it is stored encrypted)"
        )
        raise UserInputError(msg)
    return text


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


class CursorClient:
    """Read-only access to the Cursor Admin API over an injected ``httpx.Client``.

    ``get``/``post`` return the JSON answer with every fractional number as ``Decimal``. One
    request is in flight at a time (the limits are per team). Paced sends are recorded in
    ``budget``: the client's own by default, or one shared by every process calling the same
    team (``store.budget.SharedBudget``). Pacing waits go through ``sleep``;
    retry backoff is stamina's (so ``stamina.set_testing(True)`` removes it in tests).
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        pacing: bool = True,
        budget: Budget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        attempts: int = 6,
        retry_timeout: float = 300.0,
        on_event: Callable[[ClientEvent], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if attempts < 1:
            msg = "attempts must be at least 1"
            raise ValueError(msg)
        self._http = http
        self._clock = clock
        self._pacer = Pacer(budget or LocalBudget(clock), sleep) if pacing else None
        self._on_event = on_event
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.attempts = attempts
        self.retry_timeout = retry_timeout
        self.stats = ClientStats()

    def __repr__(self) -> str:
        url = self._http.base_url
        where = f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}".rstrip("/")
        return (
            f"CursorClient(base_url={where!r}, pacing={self._pacer is not None}, "
            f"attempts={self.attempts}, requests={self.stats.requests})"
        )

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """``GET path`` on an allowlisted route; the parsed JSON answer."""
        return self._request("GET", path, params=params, body=None)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """``POST path`` with a JSON body on an allowlisted (read-only) route; the parsed answer."""
        return self._request("POST", path, params=None, body=body)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None,
        body: Mapping[str, Any] | None,
    ) -> Any:
        route = check_route(method, path)
        content = None if body is None else json.dumps(dict(body)).encode()
        started = self._clock()
        failures = 0
        pending: tuple[int | None, float] | None = None  # (status, wait) of a scheduled retry

        def should_retry(error: BaseException) -> bool | timedelta:
            # The whole retry policy: by type, bounded by attempts and total time.
            nonlocal pending
            if not isinstance(error, RETRYABLE) or failures >= self.attempts:
                return False
            wait = backoff_seconds(error, failures, self._rng)
            if self._clock() - started + wait > self.retry_timeout:
                return False
            pending = (error.status, wait)
            return timedelta(seconds=wait)  # stamina sleeps this (no sleep under set_testing)

        with self._lock:
            for attempt in stamina.retry_context(
                on=should_retry, attempts=self.attempts, timeout=self.retry_timeout
            ):
                with attempt:
                    failures = attempt.num
                    if pending is not None:  # counted only once the retry really happens
                        status, wait = pending
                        pending = None
                        self.stats.retries += 1
                        self.stats.backoff_seconds += wait
                        self._emit(ClientEvent("retry", method, path, status, wait))
                    return self._send_once(method, path, route, params, content)
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    def _send_once(
        self,
        method: str,
        path: str,
        route: str,
        params: Mapping[str, str | int] | None,
        content: bytes | None,
    ) -> Any:
        bucket = pace_bucket(path)
        if self._pacer is not None:
            waited = self._pacer.acquire(bucket)
            if waited > 0:
                self.stats.pacing_seconds += waited
                self._emit(ClientEvent("wait", method, path, None, waited))
        self.stats.requests += 1
        self.stats.requests_by_path[route] += 1
        headers = {"Content-Type": "application/json"} if content is not None else None

        def send() -> httpx.Response:
            return self._http.request(method, path, params=params, content=content, headers=headers)

        sent_at = self._clock()
        status: int | None = None
        try:
            status, data = _exchange(send, f"{method} {path}")
        except UpstreamError as error:
            status = error.status
            if isinstance(error, RateLimited):
                self.stats.rate_limited += 1
                if self._pacer is not None:
                    self._pacer.slow_down(bucket)
            raise
        finally:
            self._emit(ClientEvent("request", method, path, status, self._clock() - sent_at))
        return data

    def _emit(self, event: ClientEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)


def quiet_retries() -> None:
    """For a process that syncs: stamina logs every scheduled retry as a WARNING, which the
    run's record (and the CLI's progress bars and errors) say better."""
    stamina.instrumentation.set_on_retry_hooks([])
