"""The JSON API's reference, behind sign-in: ``/openapi.json`` (the ``/api`` routes only) and
``/docs``, Swagger UI served from our own static folder (no CDN) under the strict CSP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.web import security

router = APIRouter(include_in_schema=False, route_class=security.Gated)
Viewer = Annotated[User, Depends(security.viewer)]

DESCRIPTION = """Pump View's figures for scripts. Sign in with a session, or send
`Authorization: Bearer TOKEN` (`pumpview users token EMAIL`). Ranges are inclusive UTC days
(`?since=YYYY-MM-DD&until=YYYY-MM-DD`); money is an exact decimal string in cents; rows have
the field names of `pumpview report ... --format json`. Errors are `{"error", "message"}`."""


TAGS = [  # /docs groups the API routes by the page they are the twin of, in the menu's order
    {"name": "Overview", "description": "The Overview page's figures."},
    {"name": "People", "description": "People, a person, Cursor beside the cloud per person."},
    {"name": "Models", "description": "Models and a model's page."},
    {"name": "Requests", "description": "Fast, slow and not-charged requests per person."},
    {"name": "Daily", "description": "Cursor usage per UTC day."},
    {"name": "Teams", "description": "Cursor and cloud spend per team."},
    {"name": "Cloud", "description": "Cloud and Cursor costs per provider and service."},
    {"name": "Settings · Integrations", "description": "Connected Cursor teams; start a sync."},
    {"name": "Settings · Data sources", "description": "FOCUS files in; Cursor costs out."},
    {"name": "Settings · People", "description": "The directory: people, aliases, teams."},
]  # fmt: skip


@router.get("/openapi.json")
def schema(request: Request, _user: Viewer) -> dict[str, Any]:
    full: dict[str, Any] = request.app.openapi()  # built once, then cached by FastAPI
    paths = {path: ops for path, ops in full["paths"].items() if path.startswith("/api/")}
    return {**full, "info": {**full["info"], "title": "Pump View API", "description": DESCRIPTION},
            "paths": paths}  # fmt: skip


@router.get("/docs")
def page(request: Request, _user: Viewer) -> Response:
    return security.web_of(request).page(request, "docs.html", {})
