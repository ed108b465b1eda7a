"""A model's page, ``/models/{model}``: totals, unit costs, spend over time and who uses it;
``/api/models/{model}`` is its JSON twin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.reports import model
from pumpview.reports.plain import measures, plain
from pumpview.web import security
from pumpview.web.params import Span, Teams, around

router = APIRouter(route_class=security.Gated, tags=["Models"])  # tags: its group in /docs
Viewer = Annotated[User, Depends(security.viewer)]


def twin(view: model.Model) -> dict[str, Any]:
    return {
        "model": view.model, "since": plain(view.range.since), "until": plain(view.range.until),
        "total": {"users": view.total.users, **measures(view.total)},
        "unit_costs": {name: plain(v) for name, v in view.unit_costs.items()},
        "buckets": [plain(b) for b in view.buckets],
        "series": [{"model": s.name, "spend_cents": [plain(v) for v in s.values]}
                   for s in view.series],
        "people": [{"email": p.email, "name": view.names.get(p.email), **measures(p)}
                   for p in view.people],
    }  # fmt: skip


def _view(request: Request, name: str, span: Span, team: Teams) -> model.Model:
    found = model.build(security.web_of(request).engine, name, span, team)
    if found is None:
        raise HTTPException(404, f"No one used the model {name} from {span.since} to {span.until}.")
    return found


@router.get("/api/models/{name:path}")
def api(request: Request, name: str, _user: Viewer, span: Span, team: Teams) -> dict[str, Any]:
    return twin(_view(request, name, span, team))


@router.get("/models/{name:path}")
def page(request: Request, name: str, _user: Viewer, span: Span, team: Teams) -> Response:
    view = _view(request, name, span, team)
    web = security.web_of(request)
    return web.page(request, "model.html", {
        **around(request, view.range),
        "view": view, "data": twin(view),
    })  # fmt: skip
