"""A model's page, ``/models/{model}``: totals, unit costs, spend over time and who uses it
(``?page=`` pages the people); ``/api/models/{model}`` is its JSON twin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from pumpview.reports import model
from pumpview.reports.plain import measures, plain
from pumpview.web import security
from pumpview.web.params import Integrations, Span, around
from pumpview.web.security import Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated, tags=["Models"])  # tags: its group in /docs
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


def _view(web: Web, name: str, span: Span, integrations: Integrations, page: int) -> model.Model:
    found = model.build(web.engine, name, span, integrations, page)
    if found is None:
        raise HTTPException(404, f"No one has used a model called {name} here.")
    return found


@router.get("/api/models/{name:path}")
def api(
    name: str, _user: Viewer, web: State, span: Span, integrations: Integrations, page: Page = 1
) -> dict[str, Any]:
    return twin(_view(web, name, span, integrations, page))


@router.get("/models/{name:path}")
def page(
    request: Request,
    name: str,
    _user: Viewer,
    web: State,
    span: Span,
    integrations: Integrations,
    page: Page = 1,
) -> Response:
    view = _view(web, name, span, integrations, page)
    return web.page(request, "model.html", {
        **around(request, view.range),
        "view": view, "data": twin(view),
    })  # fmt: skip
