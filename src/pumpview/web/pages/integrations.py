"""Settings → Integrations: connect Cursor, watch the backfill, sync now, disconnect.

Viewers see each integration's status; only admins see the forms and the buttons, and only
admins' requests reach the actions (``Depends(security.admin)``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from pumpview.accounts import User
from pumpview.errors import AuthError, PumpViewError, UpstreamError, UserInputError
from pumpview.integrations.cursor import NAME, connection, runner
from pumpview.reports import integrations as report
from pumpview.reports.plain import plain
from pumpview.timeutil import now_ms
from pumpview.web import security

router = APIRouter()
PAGE = "/settings/integrations"
Viewer = Annotated[User, Depends(security.viewer)]
Admin = Annotated[User, Depends(security.admin)]


def _page(request: Request, status: int = 200, **form: Any) -> Response:
    web = security.web_of(request)
    shown = report.listing(web.engine, web.vault)
    context = {"integrations": shown, "form": {"name": NAME if not shown else "", **form}}
    return web.page(request, "integrations.html", context, status=status)


@router.get(PAGE)
def page(request: Request, _user: Viewer) -> Response:
    return _page(request)


@router.get("/api/integrations")
def api(request: Request, user: Viewer) -> list[dict[str, Any]]:
    """Each integration; the run's ``owner`` (the host name and process id running the sync) is
    for admins only, ``null`` for viewers."""
    web = security.web_of(request)
    out = []
    for i in report.listing(web.engine, web.vault):
        shown: dict[str, Any] = {name: plain(value) for name, value in asdict(i).items()}
        if shown["run"] is not None and not user.is_admin:
            shown["run"] = {**shown["run"], "owner": None}
        out.append({**shown, "syncing": i.syncing})
    return out


def _field_of(exc: PumpViewError) -> str:
    """Which field an error belongs next to."""
    if isinstance(exc, AuthError) or "key" in str(exc).lower():
        return "api_key"
    if "name" in str(exc).lower() and not isinstance(exc, UpstreamError):
        return "name"
    return "general"


@router.post(f"{PAGE}/connect")
def connect(
    request: Request,
    _user: Admin,
    api_key: Annotated[str, Form()] = "",
    team_name: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = NAME,
) -> Response:
    """Verify the key, store it sealed and start the backfill; or say what to fix."""
    web = security.web_of(request)
    name = name.strip() or NAME
    try:
        connection.connect(
            web.engine, web.vault, api_key.strip(), base_url=web.settings.cursor_base_url,
            team_name=team_name.strip() or None, name=name, now_ms=now_ms(),
            pacing=web.settings.rate_limit,
        )  # fmt: skip
    except (UserInputError, UpstreamError) as exc:
        message = str(exc)
        if isinstance(exc, UpstreamError) and not isinstance(exc, AuthError):
            message = f"Cursor is unreachable or rate limiting; try again in a minute. ({exc})"
        errors = {_field_of(exc): message}
        return _page(request, 400, name=name, team_name=team_name, errors=errors, open=True)
    web.syncs.start(name)
    return RedirectResponse(PAGE, status_code=303)


@router.post("/api/integrations/{name}/sync", status_code=202)
def api_sync(request: Request, name: str, _user: Admin) -> dict[str, Any]:
    """For scripts: start a sync of ``name`` in the background (its run shows in the twin)."""
    web = security.web_of(request)
    if name not in {i.name for i in report.listing(web.engine, web.vault)}:
        raise HTTPException(404, f"no integration named {name}")
    started = web.syncs.start(connection.check_name(name))
    return {"integration": name, "started": started}


@router.post(PAGE + "/{name}/sync")
def sync_now(request: Request, name: str, _user: Admin) -> Response:
    security.web_of(request).syncs.start(connection.check_name(name))
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{name}/disconnect")
def disconnect(
    request: Request,
    name: str,
    _user: Admin,
    data: Annotated[str, Form()] = "keep",
) -> Response:
    """Forget the key (``data=delete``: the data too), after stopping a sync running on it."""
    web = security.web_of(request)
    try:
        runner.disconnect(web.engine, connection.check_name(name), purge=data == "delete")
    except UserInputError as exc:
        return _page(request, 400, errors={"general": str(exc)})
    return RedirectResponse(PAGE, status_code=303)
