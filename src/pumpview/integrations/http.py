"""``JsonApi``: the one way Pump View reads an upstream's JSON API, whichever the provider.

A call walks one way: allowlist (method + path, refused before anything is sent) -> pacing (a
sliding window per bucket, ``pacing.Pacer``) -> one HTTP exchange, turned into data or
an error of ``pumpview.errors`` (transport failures here, statuses by the provider's
``Upstream.refuse``) -> a retry decided by the error's type alone (stamina), bounded by
attempts and total time, waiting what ``Retry-After`` says when the upstream says it.

Each provider's client (``cursor.client``, ``claude_code.client``, ``copilot.client``) is a
``JsonApi`` with its ``Upstream``: its name, its allowlist, how it maps an error status, and how
its key is scrubbed out of text.
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
from pumpview.errors import BadResponse, RateLimited, ServerError, UpstreamError, UserInputError
from pumpview.integrations.pacing import Budget, LocalBudget, Pacer

USER_AGENT = f"pumpview/{__version__}"

# -- retries ----------------------------------------------------------------------------------

RETRYABLE: tuple[type[UpstreamError], ...] = (RateLimited, ServerError)
"""Retried by type alone. AuthError, BadRequestError (400/404) and BadResponse never are."""
BACKOFF_CAP_SECONDS = 30.0
RETRY_AFTER_CAP_SECONDS = 120.0


def backoff_seconds(error: UpstreamError, failures: int, rng: random.Random) -> float:
    """The wait before retry number ``failures``: ``Retry-After`` if the upstream sent one,
    else exponential with jitter, 1-2, 2-3, 4-5, 8-9, 16-17 s."""
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(error.retry_after, RETRY_AFTER_CAP_SECONDS)
    return min(BACKOFF_CAP_SECONDS, 2.0 ** (failures - 1) + rng.uniform(0.0, 1.0))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date); ``None`` if absent
    or unreadable."""
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


def quiet_retries() -> None:
    """For a process that syncs: stamina logs every scheduled retry as a WARNING, which the
    run's record (and the CLI's progress bars and errors) say better."""
    stamina.instrumentation.set_on_retry_hooks([])


# -- what a provider says about itself --------------------------------------------------------


@dataclass(frozen=True)
class Upstream:
    """A provider's API as the client needs to know it."""

    name: str
    """How messages name it: ``Cursor``, ``Anthropic``, ``GitHub``."""
    check_route: Callable[[str, str], str]
    """(method, path) -> the allowlisted route template, or ``ForbiddenCall``."""
    refuse: Callable[[httpx.Response, str, str], UpstreamError]
    """(response, its error message as the upstream said it, what was asked) -> the error to
    raise for a non-2xx answer."""
    redact: Callable[[str, httpx.Request], str]
    """Text from upstream with the request's key (and anything shaped like a key) masked."""
    limit: Callable[[str], int]
    """The requests a minute a pacing bucket may send."""
    after_429: int
    """A bucket's pace after a 429, for the client's lifetime."""
    bucket: Callable[[str], str] = str
    """The pacing bucket a path draws from (by default its own)."""


def check_base_url(url: str, redact: Callable[[str], str] = str) -> str:
    """``url`` without a trailing slash if it can be an API's base URL, else a
    ``UserInputError`` saying why. Credentials in the URL are refused: they would be stored."""
    text = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(text)
        _ = parsed.port  # httpx only parses the port when asked
    except (httpx.InvalidURL, ValueError, TypeError):
        msg = f"not a valid base URL: {redact(text)!r} (expected https://host[:port])"
        raise UserInputError(msg, field="base_url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        msg = f"not a valid base URL: {redact(text)!r} (expected https://host[:port])"
        raise UserInputError(msg, field="base_url")
    if parsed.userinfo:
        msg = (
            "the base URL must not contain a user name or password; pass the key with "
            "--api-key (it is stored encrypted)"
        )
        raise UserInputError(msg, field="base_url")
    return text


def upstream_message(response: httpx.Response, redact: Callable[[str, httpx.Request], str]) -> str:
    """``body.message or body.error`` for every error body shape seen (``{"error": {"type",
    "message"}}`` too); else a description of the body. Redacted, at most 500 characters."""
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
                return redact(value.strip(), response.request)[:500]
        body = body.get("error")
    kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "no message"
    return f"{response.reason_phrase or 'no reason'} ({kind})"


def exchange(send: Callable[[], httpx.Response], what: str, upstream: Upstream) -> tuple[int, Any]:
    """Send once; return ``(status, parsed JSON)`` (``None`` for a 204) or raise the matching
    ``pumpview.errors`` type: transport failures here, error statuses as ``upstream`` maps them.
    Messages say what to do and never contain the key."""
    name = upstream.name
    try:
        response = send()
    except httpx.TimeoutException as exc:
        msg = f"{name} did not answer {what} in time ({type(exc).__name__})"
        raise ServerError(msg) from exc
    except httpx.UnsupportedProtocol as exc:
        msg = f"the {name} base URL must start with https:// (or http:// for a local simulator)"
        raise UserInputError(msg) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        msg = f"could not complete {what} with {name} ({type(exc).__name__})"
        raise ServerError(msg) from exc
    except httpx.TooManyRedirects as exc:
        msg = f"{name} redirected {what} too many times"
        raise BadResponse(msg) from exc
    status = response.status_code
    if 200 <= status < 300:
        if status == 204:
            return status, None
        try:
            return status, money.loads(response.content)
        except ValueError as exc:  # truncated, empty, or an HTML page with a 200
            msg = (
                f"{name} sent an incomplete or non-JSON answer to {what} "
                f"(HTTP {status}, {len(response.content)} bytes)"
            )
            raise ServerError(msg, status=status) from exc
    raise upstream.refuse(response, upstream_message(response, upstream.redact), what)


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


class JsonApi:
    """Read-only access to an upstream's JSON API over an injected ``httpx.Client``.

    ``get``/``post`` return the JSON answer with every fractional number as ``Decimal``. One
    request is in flight at a time. Paced sends are recorded in ``budget``: the client's own by
    default, or one shared by every process calling the same account
    (``store.budget.SharedBudget``); pacing waits go through ``sleep``, retry backoff through
    stamina (so ``stamina.set_testing(True)`` removes it in tests).
    """

    upstream: Upstream
    """Whose API it is: each provider's client names its own."""

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
        upstream = self.upstream
        self._http = http
        self._upstream = upstream
        self._clock = clock
        self._pacer = (
            Pacer(budget or LocalBudget(clock), sleep, upstream.limit, upstream.after_429)
            if pacing
            else None
        )
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
            f"{type(self).__name__}(base_url={where!r}, pacing={self._pacer is not None}, "
            f"attempts={self.attempts}, requests={self.stats.requests})"
        )

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """``GET path`` on an allowlisted route; the parsed JSON answer (``None`` for a 204)."""
        return self._request("GET", path, params=params, body=None)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """``POST path`` with a JSON body on an allowlisted (read-only) route; the parsed answer."""
        return self._request("POST", path, params=None, body=body)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
    ) -> Any:
        route = self._upstream.check_route(method, path)
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
        params: Mapping[str, Any] | None,
        content: bytes | None,
    ) -> Any:
        bucket = self._upstream.bucket(path)
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
            status, data = exchange(send, f"{method} {path}", self._upstream)
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
