"""A person's page, ``/people/{email}`` (``-`` for the unattributed bucket; an email may hold a
``/``), and its JSON twin; ``?page=`` pages their events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from pumpview.integrations.providers import LABELS
from pumpview.reports import limits, person, spend, tool_activity
from pumpview.reports.plain import measures, plain, records
from pumpview.reports.series import weekly
from pumpview.store.engine import snapshot
from pumpview.web import charts, security
from pumpview.web.params import Integrations, Span, around
from pumpview.web.security import Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated, tags=["People"])  # tags: its group in /docs
UNATTRIBUTED_PATH = "-"
Page = Annotated[
    int,
    Query(ge=1, le=person.MAX_PAGE,
          description=f"Page of the events, newest first, {person.RECENT} a page."),
]  # fmt: skip


def tool_card(tool: person.Tool) -> dict[str, Any]:
    """One provider's card on a person's page, as plain data: its amounts (``estimated`` when
    the provider's estimate), top models, activity and costs per unit within it, and what they
    can and cannot say (``caveat``)."""
    act = tool.activity
    return {
        "provider": tool.provider, "label": LABELS.get(tool.provider, tool.provider),
        "usage_cents": plain(tool.usage_cents), "billed_cents": plain(tool.billed_cents),
        "estimated": tool.estimated, "events": tool.events,
        "models": [{"model": m, "spend_cents": plain(c)} for m, c in tool.models],
        "activity": plain(act.activity) if act else None,
        "per_unit": plain(act.per_unit) if act else None,
        "caveat": tool_activity.CAVEATS.get(tool.provider),
    }  # fmt: skip


def tools_chart(view: person.Person) -> dict[str, Any]:
    """Their usage value over time stacked by tool (``static/charts.js``' spend chart; its
    series are tools, not models: no links)."""
    label = {t.provider: LABELS.get(t.provider, t.provider) + (" (est.)" if t.estimated else "")
             for t in view.tools}  # fmt: skip
    return {
        "kind": "spend-by-model", "links": False,
        "since": plain(view.range.since), "until": plain(view.range.until),
        "title": f"Usage value {'per week' if weekly(view.range) else 'per day'}, by tool",
        "buckets": [plain(b) for b in view.buckets],
        "series": [{"model": label.get(s.name, s.name), "spend_cents": [plain(v) for v in s.values]}
                   for s in view.tool_series],
    }  # fmt: skip


def twin(
    view: person.Person, owned: spend.Owned | None, limit: limits.Limit | None = None
) -> dict[str, Any]:
    return {
        "email": view.email, "name": view.name, "team": owned.team if owned else None,
        "since": plain(view.range.since), "until": plain(view.range.until),
        "total": measures(view.total),
        "models": [{"model": model, **measures(m)} for model, m in view.models],
        "buckets": [plain(b) for b in view.buckets],
        "series": [{"model": s.name, "spend_cents": [plain(v) for v in s.values]}
                   for s in view.series],
        "days": [{"date": plain(d), **measures(m)} for d, m in view.days],
        "recent": [{"ts_ms": e.ts_ms, "model": e.model, "kind": e.kind,
                    "cost_cents": plain(e.cost_cents), "input_tokens": e.input_tokens,
                    "output_tokens": e.output_tokens} for e in view.recent],
        "recent_page": view.page, "recent_pages": view.pages, "recent_per_page": person.RECENT,
        "cloud": records(owned.costs if owned else [], spend.COLUMNS["providers"]),
        "limit": limits.fields_of(limit) if limit else None,
        "tools": [tool_card(t) for t in view.tools],
        "tool_series": [{"provider": s.name, "spend_cents": [plain(v) for v in s.values]}
                        for s in view.tool_series],
    }  # fmt: skip


def _limit(web: Web, view: person.Person, integrations: list[str] | None) -> limits.Limit | None:
    """Their Cursor spending limit and the on-demand used of it this cycle."""
    if view.email is None:
        return None
    return limits.run(web.engine, integrations, web.clock()).get(view.email)


def _owned(web: Web, view: person.Person) -> spend.Owned | None:
    """The cloud costs the person owns, beside their Cursor spend (none for the unattributed)."""
    if view.email is None:
        return None
    with snapshot(web.engine) as conn:
        return spend.owned(conn, view.range.since, view.range.until, view.email)


def _view(web: Web, email: str, span: Span, integrations: Integrations, page: int) -> person.Person:
    found = person.build(
        web.engine,
        None if email == UNATTRIBUTED_PATH else email.strip().lower(),
        span,
        integrations,
        page,
    )
    if found is None:
        raise HTTPException(404, f"No one called {email} has used an AI tool here.")
    return found


@router.get("/api/people/{email:path}")
def api(
    email: str, _user: Viewer, web: State, span: Span, integrations: Integrations, page: Page = 1
) -> dict[str, Any]:
    view = _view(web, email, span, integrations, page)
    return twin(view, _owned(web, view), _limit(web, view, integrations))


@router.get("/people/{email:path}")
def page(
    request: Request,
    email: str,
    _user: Viewer,
    web: State,
    span: Span,
    integrations: Integrations,
    page: Page = 1,
) -> Response:
    view = _view(web, email, span, integrations, page)
    owned = _owned(web, view)
    limit = _limit(web, view, integrations)
    return web.page(request, "person.html", {
        **around(request, view.range),
        "person": view, "data": twin(view, owned, limit), "owned": owned, "limit": limit,
        "requests": charts.requests(view.range, view.days), "tools_chart": tools_chart(view),
        "units": tool_activity.UNIT_LABELS, "measure_labels": tool_activity.MEASURE_LABELS,
    })  # fmt: skip
