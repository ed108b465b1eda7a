"""The JSON API's reference, behind sign-in: ``/openapi.json`` (the ``/api`` routes only) and
``/docs``, Swagger UI served from our own static folder (no CDN) under the strict CSP."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from pumpview.web import security
from pumpview.web.security import Viewer
from pumpview.web.state import State

router = APIRouter(include_in_schema=False, route_class=security.Gated)

DESCRIPTION = """Pump View's figures for scripts. Sign in with a session, or send
`Authorization: Bearer TOKEN` (`pumpview users token EMAIL`). Ranges are inclusive UTC days
(`?since=YYYY-MM-DD&until=YYYY-MM-DD`); money is an exact decimal string in cents; rows have
the field names of `pumpview report ... --format json`; `spend_cents` is usage value (the words:
usage value, included, on-demand, seats, bill; README "Definitions"). Errors are
`{"error", "message"}`."""


TAGS = [  # /docs groups the API routes by the page they are the twin of, in the menu's order
    {"name": "Overview", "description": "The Overview page's figures."},
    {"name": "People", "description": "People, a person, Cursor beside the cloud per person."},
    {"name": "Models", "description": "Models and a model's page."},
    {"name": "Requests", "description": "Fast, slow and not-charged requests per person."},
    {"name": "Daily", "description": "Cursor usage per UTC day."},
    {"name": "Teams", "description": "Cursor and cloud spend per team."},
    {"name": "Cloud", "description": "Cloud and Cursor costs per provider and service."},
    {"name": "Seats", "description": "Paid seats, their last use and the idle ones' cost."},
    {"name": "Alerts", "description": "Alerts and their deliveries; evaluate the rules now."},
    {"name": "Budgets", "description": "Budgets, their actual, forecast and state; admins edit."},
    {"name": "Billing", "description": "Reconciliation with Cursor's own figures per cycle."},
    {"name": "Settings · Integrations", "description": "Connected Cursor teams; start a sync."},
    {"name": "Settings · Data sources", "description": "FOCUS files in; Cursor costs out."},
    {"name": "Settings · People", "description": "The directory: people, aliases, teams."},
    {"name": "Settings · Billing", "description": "Seat price, plan, idle threshold; the bill."},
    {"name": "Settings · Notifications", "description": "Where alerts go (admins)."},
]  # fmt: skip


ERROR = {"$ref": "#/components/schemas/Error"}
MEDIA = {
    "csv": ("text/csv", {"type": "string"}),
    "parquet": ("application/vnd.apache.parquet", {"type": "string", "format": "binary"}),
}
"""What ``?format=`` asks for besides JSON: the media type it comes back as, and its schema."""
DAY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": [""]}]}
"""A day, or empty (as a cleared date field sends it): as if not given."""


def api_schema(app: FastAPI) -> dict[str, Any]:
    """The ``/api`` routes' OpenAPI, saying what the app answers: days as ``format: date``, a
    ``?format=`` download's media type, and the errors it sends (400 for a bad parameter where
    FastAPI would say 422, 401, 403 for an admin's action, 404 for an unknown name), each as
    ``{"error", "message"}``."""
    full: dict[str, Any] = app.openapi()  # built once, then cached by FastAPI: copied, not changed
    paths = {path: {method: _as_answered(path, method, op) for method, op in ops.items()}
             for path, ops in full["paths"].items() if path.startswith("/api/")}  # fmt: skip
    schemas = {k: v for k, v in full.get("components", {}).get("schemas", {}).items()
               if k not in ("HTTPValidationError", "ValidationError")}  # fmt: skip
    schemas["Error"] = {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    }  # fmt: skip
    info = {**full["info"], "title": "Pump View API", "description": DESCRIPTION}
    components = {**full.get("components", {}), "schemas": schemas}
    return {**full, "info": info, "paths": paths, "components": components}


def _as_answered(path: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    op = copy.deepcopy(op)
    for param in op.get("parameters", []):
        if param["name"] in ("since", "until"):
            param["schema"] = {**DAY, "description": param["schema"].get("description", "")}
    responses = {code: r for code, r in op["responses"].items() if code != "422"}
    ok = next(code for code in responses if code.startswith("2"))
    formats: list[str] = next((p["schema"].get("enum", []) for p in op.get("parameters", [])
                    if p["name"] == "format"), [])  # fmt: skip
    for name in formats:
        if name in MEDIA:
            media, body = MEDIA[name]
            responses[ok].setdefault("content", {})[media] = {"schema": body}
    said = {"400": "A parameter of the wrong shape, or a range that cannot be shown.",
            "401": "No session and no valid token."}  # fmt: skip
    if method != "get":
        said["403"] = "A viewer asked for an admin's action."
    if "{" in path:
        said["404"] = "No such person, model or integration."
    for code, text in said.items():
        responses[code] = {"description": text, "content": {"application/json": {"schema": ERROR}}}
    return {**op, "responses": responses}


@router.get("/openapi.json")
def schema(request: Request, _user: Viewer) -> dict[str, Any]:
    return api_schema(request.app)


@router.get("/docs")
def page(request: Request, _user: Viewer, web: State) -> Response:
    return web.page(request, "docs.html", {})
