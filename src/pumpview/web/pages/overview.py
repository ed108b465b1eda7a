"""The Overview: where a signed-in manager lands (the full dashboard comes with the reports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from pumpview.accounts import User
from pumpview.reports import integrations as report
from pumpview.reports import usage
from pumpview.store.engine import snapshot
from pumpview.web import security

router = APIRouter()


@router.get("/")
def overview(request: Request, _user: Annotated[User, Depends(security.viewer)]) -> Response:
    web = security.web_of(request)
    if not report.listing(web.engine, web.vault):
        return RedirectResponse("/settings/integrations", status_code=303)
    with snapshot(web.engine) as conn:
        where = usage.scope(conn)
        total = usage.total(conn, where) if where is not None else None
    return web.page(request, "overview.html", {"total": total, "scope": where})
