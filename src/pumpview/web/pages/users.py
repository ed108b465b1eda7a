"""Settings → Users: accounts and API tokens, for admins (the CLI's ``pumpview users`` too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pumpview import accounts
from pumpview.errors import UserInputError
from pumpview.store import accounts as store
from pumpview.web import security
from pumpview.web.security import Admin
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated)
PAGE = "/settings/users"


def _page(
    request: Request,
    web: Web,
    status: int = 200,
    error: str | None = None,
    token: str | None = None,
) -> Response:
    with web.engine.connect() as conn:
        users, tokens = store.listing(conn), store.token_listing(conn)
    context = {"users": users, "tokens": tokens, "error": error, "new_token": token}
    return web.page(request, "users.html", context, status=status)


@router.get(PAGE)
def page(request: Request, _user: Admin, web: State) -> Response:
    return _page(request, web)


@router.post(f"{PAGE}/add")
def add(
    request: Request,
    _user: Admin,
    web: State,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        accounts.add_user(web.engine, email, role, password, web.clock())
    except UserInputError as exc:
        return _page(request, web, 400, error=str(exc))
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/remove")
def remove(
    request: Request, user: Admin, web: State, email: Annotated[str, Form()] = ""
) -> Response:
    if email.strip().lower() == user.email:
        return _page(request, web, 400, error="You cannot remove yourself; ask another admin.")
    try:
        accounts.remove_user(web.engine, email)
    except UserInputError as exc:
        return _page(request, web, 400, error=str(exc))
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/token")
def token(
    request: Request,
    _user: Admin,
    web: State,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "script",
) -> Response:
    """A new API token, shown on this one answer only."""
    try:
        made = accounts.new_token(web.engine, email, name or "script", web.clock())
    except UserInputError as exc:
        return _page(request, web, 400, error=str(exc))
    return _page(request, web, token=made)


@router.post(f"{PAGE}/revoke")
def revoke(_user: Admin, web: State, token_id: Annotated[int, Form()]) -> Response:
    with web.engine.begin() as conn:
        store.revoke_token(conn, token_id)
    return RedirectResponse(PAGE, status_code=303)
