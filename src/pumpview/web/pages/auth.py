"""Sign in, sign out, and the one-time set-up link that creates the first admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pumpview import accounts
from pumpview.errors import UserInputError
from pumpview.store import accounts as store
from pumpview.web import security
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated)
TOO_MANY = "Too many sign-in attempts. Wait a minute, then try again."
WRONG = "That email and password do not match an account."


def _next(target: str | None) -> str:
    """Only a path of this site: never send a signed-in browser elsewhere."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/sign-in")
def sign_in_page(request: Request, web: State, next: str | None = None) -> Response:
    return web.page(request, "sign_in.html", {"next": _next(next), "email": "", "error": None})


@router.post("/sign-in")
def sign_in(
    request: Request,
    web: State,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else "unknown"
    keys = (email.strip().lower(), address)
    if not web.throttle.attempt(*keys):  # counted as failed until it succeeds
        context = {"next": _next(next), "email": email, "error": TOO_MANY}
        return web.page(request, "sign_in.html", context, status=429)
    user = accounts.sign_in(web.engine, email, password)
    if user is None:
        context = {"next": _next(next), "email": email, "error": WRONG}
        return web.page(request, "sign_in.html", context, status=401)
    web.throttle.succeeded(*keys)
    response = RedirectResponse(_next(next), status_code=303)
    security.start_session(request, response, user)
    return response


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    response = RedirectResponse("/sign-in", status_code=303)
    security.end_session(request, response)
    return response


def _link_valid(web: Web, token: str) -> bool:
    with web.engine.connect() as conn:
        return not store.user_count(conn) and store.setup_link_valid(
            conn, accounts.digest(token), web.clock()
        )


@router.get("/setup/{token}")
def setup_page(request: Request, web: State, token: str) -> Response:
    if not _link_valid(web, token):
        return web.page(request, "error.html", {"message": SETUP_GONE}, status=404)
    return web.page(request, "setup.html", {"token": token, "email": "", "error": None})


SETUP_GONE = (
    "This set-up link was used already, has expired, or was never made, or an account exists "
    "already (the link only creates the first admin). Restart pumpview serve for a new one "
    "while no user exists, or add an admin with: pumpview users add EMAIL --role admin"
)


@router.post("/setup/{token}")
def setup(
    request: Request,
    web: State,
    token: str,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    again: Annotated[str, Form()],
) -> Response:
    """Create the first admin, spending the link in the same transaction."""
    error = None
    if password != again:
        error = "The two passwords differ."
    else:
        try:
            accounts.check_email(email)
            accounts.check_password(password)
        except UserInputError as exc:
            error = str(exc)
    if error is not None:
        context = {"token": token, "email": email, "error": error}
        return web.page(request, "setup.html", context, status=400)
    user = accounts.add_first_admin(web.engine, token, email, password, web.clock())
    if user is None:
        return web.page(request, "error.html", {"message": SETUP_GONE}, status=404)
    response = RedirectResponse("/settings/integrations", status_code=303)
    security.start_session(request, response, user)
    return response
