"""Who is asking, and what protects them: signed cookies, sessions, CSRF, headers, throttling.

Each mechanism lives here once. Sessions are server-side rows named by a random id that the
browser holds in a signed, HttpOnly, SameSite=Lax cookie. CSRF uses a signed double-submit: a
random ``pv_csrf`` cookie, and in every form (or the ``X-CSRF-Token`` header) its HMAC, which a
page of another site can neither read nor forge. Requests with an API token (``Authorization:
Bearer``) carry no cookie, so they need no CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request, Response

from pumpview import accounts
from pumpview.store import accounts as store

if TYPE_CHECKING:
    from pumpview.web.app import Web

SESSION_COOKIE = "pv_session"
CSRF_COOKIE = "pv_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Signer:
    """HMAC-SHA256 over cookie values, with a key derived from the data folder's secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, value: str) -> str:
        return f"{value}.{self._mac('cookie', value)}"

    def unsign(self, signed: str | None) -> str | None:
        value, _, mac = (signed or "").rpartition(".")
        return value if value and hmac.compare_digest(mac, self._mac("cookie", value)) else None

    def csrf_token(self, cookie: str) -> str:
        return self._mac("csrf", cookie)


class Throttle:
    """At most ``limit`` failed sign-ins per key (an account, an address) in any ``window``."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


# -- cookies and headers ----------------------------------------------------------------------


def csrf_cookie(request: Request) -> str:
    """This browser's CSRF cookie, made for this response when it has none yet."""
    if not hasattr(request.state, "csrf_cookie"):
        given = request.cookies.get(CSRF_COOKIE)
        request.state.csrf_cookie = given or secrets.token_urlsafe(32)
        request.state.csrf_new = not given
    cookie: str = request.state.csrf_cookie
    return cookie


def csrf_token(request: Request) -> str:
    """What this browser's forms must send back."""
    return web_of(request).signer.csrf_token(csrf_cookie(request))


def secure_cookies(request: Request) -> bool:
    configured = web_of(request).settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


async def protect(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Middleware: every response carries the security headers, and a CSRF cookie when the
    browser had none."""
    csrf_cookie(request)
    response = await call_next(request)
    response.headers.update(HEADERS)
    if request.state.csrf_new:
        response.set_cookie(
            CSRF_COOKIE, request.state.csrf_cookie, httponly=True, samesite="lax",
            secure=secure_cookies(request),
        )  # fmt: skip
    return response


async def check_csrf(request: Request) -> None:
    """App-wide dependency: a state-changing request from a browser must carry its token."""
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    cookie = request.cookies.get(CSRF_COOKIE)
    expected = web_of(request).signer.csrf_token(cookie) if cookie else None
    if not sent or expected is None or not hmac.compare_digest(sent, expected):
        raise HTTPException(
            403,
            "The form's security token is missing or out of date: reload the page and try again.",
        )


# -- sessions ---------------------------------------------------------------------------------


def start_session(request: Request, response: Response, user: accounts.User) -> None:
    """Sign ``user`` in on this browser (a new session id, a new CSRF cookie)."""
    web = web_of(request)
    session_id = secrets.token_urlsafe(32)
    now = web.clock()
    expires = now + accounts.SESSION_DAYS * 86_400_000
    with web.engine.begin() as conn:
        store.add_session(conn, accounts.digest(session_id), user.id, now, expires)
    secure = secure_cookies(request)
    response.set_cookie(
        SESSION_COOKIE, web.signer.sign(session_id), max_age=accounts.SESSION_DAYS * 86_400,
        httponly=True, samesite="lax", secure=secure,
    )  # fmt: skip
    response.set_cookie(
        CSRF_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="lax", secure=secure
    )


def end_session(request: Request, response: Response) -> None:
    session_id = web_of(request).signer.unsign(request.cookies.get(SESSION_COOKIE))
    if session_id is not None:
        with web_of(request).engine.begin() as conn:
            store.end_session(conn, accounts.digest(session_id))
    response.delete_cookie(SESSION_COOKIE)


# -- who is asking ----------------------------------------------------------------------------


class NotSignedIn(Exception):
    """No session or token: a page sends the browser to sign in, the API answers 401."""


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def current_user(request: Request) -> accounts.User | None:
    """The user a session cookie or an API token names, looked up once per request."""
    if hasattr(request.state, "user"):
        found: accounts.User | None = request.state.user
        return found
    web, user = web_of(request), None
    token = _bearer(request)
    if token is not None:
        user = accounts.token_user(web.engine, token, web.clock())
        if user is None:
            request.state.user = None
            raise NotSignedIn
    else:
        session_id = web.signer.unsign(request.cookies.get(SESSION_COOKIE))
        if session_id is not None:
            with web.engine.connect() as conn:
                row = store.session_user(conn, accounts.digest(session_id), web.clock())
            user = None if row is None else accounts.User(row.id, row.email, row.role)
    request.state.user = user
    return user


def viewer(request: Request) -> accounts.User:
    """Dependency: anyone signed in."""
    user = current_user(request)
    if user is None:
        raise NotSignedIn
    return user


def admin(request: Request) -> accounts.User:
    """Dependency: an admin (connect, sync, disconnect, manage users)."""
    user = viewer(request)
    if not user.is_admin:
        raise HTTPException(403, "Only an admin can do this; ask one of your admins.")
    return user
