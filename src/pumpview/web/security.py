"""Who is asking, and what protects them: signed cookies, sessions, CSRF, headers, throttling.

Each mechanism lives here once (the signer and the throttle it keeps across requests are in
``guards``); a route declares its role as a parameter, ``_user: Viewer`` or ``_user: Admin``.
Sessions are server-side rows named by a random id that the
browser holds in a signed, HttpOnly, SameSite=Lax cookie. CSRF uses a signed double-submit: a
random ``pv_csrf`` cookie, and in every form (or the ``X-CSRF-Token`` header) its HMAC together
with the session's id, which a page of another site can neither read nor forge, and which a
cookie planted from elsewhere cannot match: a token works only with the session it was made
for (OWASP's signed double-submit). Over HTTPS both cookies are named ``__Host-``, which only
this host can set, over HTTPS. Requests with an API token (``Authorization: Bearer``) carry no
cookie, so they need no CSRF token.

Who is asking is settled before a request's body is read (``Gated``): FastAPI reads a route's
form, a file upload spooled to disk among it, before any dependency runs, so the route's own
``Viewer`` or ``Admin`` came after an anonymous upload had been written. The
body is capped too (``BodyLimit``): a route anyone may call takes 64 KiB, any other
``PUMPVIEW_MAX_UPLOAD``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pumpview import accounts
from pumpview.store import accounts as store
from pumpview.web.state import web_of

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


# -- cookies and headers ----------------------------------------------------------------------


def csrf_cookie(request: Request) -> str:
    """This browser's CSRF cookie, made for this response when it has none yet."""
    if not hasattr(request.state, "csrf_cookie"):
        given = request.cookies.get(cookie_name(request, CSRF_COOKIE))
        request.state.csrf_cookie = given or secrets.token_urlsafe(32)
        request.state.csrf_new = not given
    cookie: str = request.state.csrf_cookie
    return cookie


def csrf_token(request: Request) -> str:
    """What this browser's forms must send back."""
    return web_of(request).signer.csrf_token(csrf_cookie(request), _session_id(request))


def secure_cookies(request: Request) -> bool:
    configured = web_of(request).settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def cookie_name(request: Request, name: str) -> str:
    """``__Host-`` and ``name`` over HTTPS: a cookie only this host can set, over HTTPS, for the
    whole site (no sibling subdomain or plain-HTTP page can plant or overwrite it); ``name``
    otherwise (browsers refuse the prefix without ``Secure``)."""
    return f"__Host-{name}" if secure_cookies(request) else name


def _session_id(request: Request) -> str | None:
    """The session id this browser's cookie names (signed by us; live or not)."""
    return web_of(request).signer.unsign(request.cookies.get(cookie_name(request, SESSION_COOKIE)))


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
            cookie_name(request, CSRF_COOKIE), request.state.csrf_cookie, httponly=True,
            samesite="lax", secure=secure_cookies(request),
        )  # fmt: skip
    return response


async def check_csrf(request: Request) -> None:
    """App-wide dependency: a state-changing request from a browser must carry its token."""
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    cookie = request.cookies.get(cookie_name(request, CSRF_COOKIE))
    signer = web_of(request).signer
    expected = signer.csrf_token(cookie, _session_id(request)) if cookie else None
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
        cookie_name(request, SESSION_COOKIE), web.signer.sign(session_id),
        max_age=accounts.SESSION_DAYS * 86_400,
        httponly=True, samesite="lax", secure=secure,
    )  # fmt: skip
    response.set_cookie(
        cookie_name(request, CSRF_COOKIE), secrets.token_urlsafe(32), httponly=True,
        samesite="lax", secure=secure,
    )  # fmt: skip


def end_session(request: Request, response: Response) -> None:
    session_id = _session_id(request)
    if session_id is not None:
        with web_of(request).engine.begin() as conn:
            store.end_session(conn, accounts.digest(session_id))
    response.delete_cookie(  # with the attributes it was set with: __Host- needs Secure
        cookie_name(request, SESSION_COOKIE), httponly=True, samesite="lax",
        secure=secure_cookies(request),
    )  # fmt: skip


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
        session_id = _session_id(request)
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


Viewer = Annotated[accounts.User, Depends(viewer)]
"""A route's parameter for anyone signed in (``_user: Viewer``): the route's role, declared."""
Admin = Annotated[accounts.User, Depends(admin)]
"""A route's parameter for admins only (``_user: Admin``)."""


def for_templates(request: Request) -> dict[str, Any]:
    """What every page's template reads besides its own context: who is signed in, and the
    token its forms send back (the templates' context processor)."""
    try:
        user = current_user(request)
    except NotSignedIn:  # a wrong API token, on an error page (a 404, a 405): no one
        user = None
    return {"user": user, "csrf_token": csrf_token(request)}


# -- before the body --------------------------------------------------------------------------

PUBLIC_BODY = 64 << 10
"""The most a route anyone may call (sign-in, set-up) reads: a form of a few fields."""
_LIMIT = "pumpview.body_limit"
"""Where ``Gated`` leaves the request's limit for ``BodyLimit`` (in the ASGI scope)."""


def size_text(size: int) -> str:
    """``1 GiB``, ``64 KiB``, ``1,500 bytes``: a limit as people read it."""
    for power, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if size >= 1 << power and size % (1 << power) == 0:
            return f"{size >> power:,} {unit}"
    return f"{size:,} bytes"


class TooLarge(HTTPException):
    """A body over its limit: 413, before it is read (its Content-Length says so) or as soon as
    what arrived passes it, never stored whole."""

    def __init__(self, limit: int, *, public: bool) -> None:
        what = "this form takes" if public else (
            "this server takes (PUMPVIEW_MAX_UPLOAD); a larger FOCUS file can be imported with: "
            "pumpview import focus FILE")  # fmt: skip
        super().__init__(413, f"The request is larger than the {size_text(limit)} {what}.")


def _role(dependant: Dependant) -> Callable[[Request], accounts.User] | None:
    """The role a route's dependencies ask for: ``admin``, ``viewer``, or ``None`` (anyone)."""
    calls, todo = set(), [dependant]
    while todo:
        found = todo.pop()
        calls.add(found.call)
        todo.extend(found.dependencies)
    return admin if admin in calls else viewer if viewer in calls else None


class Gated(APIRoute):
    """A route that settles who is asking, and how much they may send, before its body is read:
    the role its dependencies declare (the same ``viewer``/``admin``, so a page states it once),
    then the body's limit, a Content-Length over it refused before a byte is read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        role = _role(self.dependant)

        async def gated(request: Request) -> Response:
            if role is not None:
                await run_in_threadpool(role, request)  # a store lookup: off the loop
            public = role is None
            limit = PUBLIC_BODY if public else int(web_of(request).settings.max_upload)
            request.scope[_LIMIT] = (limit, public)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(limit, public=public)
            return await handle(request)

        return gated


class BodyLimit:
    """ASGI middleware: a body (chunked, or longer than it said) stops at its limit, the one
    ``Gated`` set for the route, else ``PUBLIC_BODY``: what passes it raises ``TooLarge``
    inside the reader, which answers 413 (FastAPI lets an ``HTTPException`` through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                limit, public = scope.get(_LIMIT, (PUBLIC_BODY, True))
                if received > limit:
                    raise TooLarge(limit, public=public)
            return message

        await self.app(scope, counted, send)
