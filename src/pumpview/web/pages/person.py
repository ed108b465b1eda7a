"""A person's page, ``/people/{email}`` (``-`` for the unattributed bucket), and its JSON twin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.reports import completeness, person
from pumpview.reports.plain import measures, plain
from pumpview.web import security
from pumpview.web.params import Span, presets

router = APIRouter()
Viewer = Annotated[User, Depends(security.viewer)]
UNATTRIBUTED_PATH = "-"


def twin(view: person.Person) -> dict[str, Any]:
    return {
        "email": view.email, "name": view.name,
        "since": plain(view.range.since), "until": plain(view.range.until),
        "total": measures(view.total),
        "models": [{"model": model, **measures(m)} for model, m in view.models],
        "buckets": [plain(b) for b in view.buckets],
        "series": [{"model": model, "spend_cents": [plain(v) for v in values]}
                   for model, values in view.series],
        "days": [{"date": plain(d), **measures(m)} for d, m in view.days],
        "recent": [{"ts_ms": e.ts_ms, "model": e.model, "kind": e.kind,
                    "cost_cents": plain(e.cost_cents), "input_tokens": e.input_tokens,
                    "output_tokens": e.output_tokens} for e in view.recent],
    }  # fmt: skip


def _view(request: Request, email: str, span: Span) -> person.Person:
    found = person.build(
        security.web_of(request).engine,
        None if email == UNATTRIBUTED_PATH else email.strip().lower(),
        span,
    )
    if found is None:
        raise HTTPException(404, f"No one called {email} has used Cursor here.")
    return found


@router.get("/api/people/{email}")
def api(request: Request, email: str, _user: Viewer, span: Span) -> dict[str, Any]:
    return twin(_view(request, email, span))


@router.get("/people/{email}")
def page(request: Request, email: str, _user: Viewer, span: Span) -> Response:
    view = _view(request, email, span)
    web = security.web_of(request)
    return web.page(request, "person.html", {
        "person": view, "data": twin(view), "range": view.range,
        "presets": presets(request),
        "completeness": completeness.of(web.engine, view.range),
    })  # fmt: skip
