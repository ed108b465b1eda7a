"""A model's page, ``/models/{model}``: totals, unit costs, spend over time and who uses it
(``?page=`` pages the people); ``/api/models/{model}`` is its JSON twin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.reports import model
from pumpview.reports.plain import measures, plain
from pumpview.web import security
from pumpview.web.params import Span, Teams, around

router = APIRouter(route_class=security.Gated, tags=["Models"])  # tags: its group in /docs
Viewer = Annotated[User, Depends(security.viewer)]
Page = Annotated[
    int, Query(ge=1, description=f"Page of the people, by spend, {model.PER_PAGE} a page.")
]


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
        "people_page": view.page, "people_pages": view.pages, "people_per_page": model.PER_PAGE,
    }  # fmt: skip


def _view(request: Request, name: str, span: Span, team: Teams, page: int) -> model.Model:
    found = model.build(security.web_of(request).engine, name, span, team, page)
    if found is None:
        raise HTTPException(404, f"No one has used a model called {name} here.")
    return found


@router.get("/api/models/{name:path}")
def api(
    request: Request, name: str, _user: Viewer, span: Span, team: Teams, page: Page = 1
) -> dict[str, Any]:
    return twin(_view(request, name, span, team, page))


@router.get("/models/{name:path}")
def page(
    request: Request, name: str, _user: Viewer, span: Span, team: Teams, page: Page = 1
) -> Response:
    view = _view(request, name, span, team, page)
    web = security.web_of(request)
    return web.page(request, "model.html", {
        **around(request, view.range),
        "view": view, "data": twin(view),
    })  # fmt: skip
