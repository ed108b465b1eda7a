"""The Overview: where a signed-in manager lands; ``/api/overview`` is its JSON twin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pumpview.reports import bill, overview, spend, usage
from pumpview.reports.plain import measures, plain, records
from pumpview.web import security
from pumpview.web.params import Integrations, Provider, Span, around, tools
from pumpview.web.security import Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated, tags=["Overview"])  # tags: its group in /docs


def twin(view: overview.Overview) -> dict[str, Any]:
    """The Overview as plain JSON: money as exact decimal strings in cents, days YYYY-MM-DD."""

    change = overview.percent
    return {
        "since": plain(view.range.since), "until": plain(view.range.until),
        "total": measures(view.total), "previous": measures(view.previous),
        "people": view.people, "previous_people": view.previous_people,
        "change_percent": {
            "spend_cents": plain(change(view.total.spend_cents, view.previous.spend_cents)),
            "on_demand_cents": plain(change(view.total.on_demand_cents,
                                            view.previous.on_demand_cents)),
            "events": plain(change(view.total.events, view.previous.events)),
            "people": plain(change(view.people, view.previous_people)),
        },
        "buckets": [plain(b) for b in view.buckets], "weekly": view.weekly,
        "series": [{"model": s.name, "spend_cents": [plain(v) for v in s.values]}
                   for s in view.series],
        "top_people": records(view.top_people, usage.COLUMNS["users"]),
        "models": records(view.models, usage.COLUMNS["models"]),
        "changes": records(view.changes, overview.CHANGE_COLUMNS),
        "previous_has_data": view.previous_has_data,
    }  # fmt: skip


@router.get("/api/overview")
def api(
    _user: Viewer, web: State, span: Span, integrations: Integrations, provider: Provider
) -> Any:
    """The Overview's figures over the range (``total``: ``spend_cents`` is usage value), the
    billed amounts per provider (``providers``: Cursor's on-demand + configured seats) and
    ``bill``: the open billing cycle's per Cursor integration (``integrations``: seats,
    ``seat_price`` in US dollars, ``seats_cents``, ``on_demand_cents``, ``usage_cents``,
    ``included_cents``, ``bill_cents``, ``null`` without a seat price; the cycle's
    ``cycle_start``/``cycle_end`` instants, end exclusive, and ``cycle_known``) and in
    ``total``. ``null`` when nothing is stored. ``?provider=`` narrows the usage figures to one
    tool (``providers`` and ``bill`` stay whole)."""
    view = overview.build(web.engine, span, integrations, provider)
    if view is None:
        return None
    return {**twin(view), "providers": _providers(web, span, integrations),
            "bill": bill.as_json(_bills(web, integrations))}  # fmt: skip


def _bills(web: Web, integrations: Integrations) -> bill.Bills:
    """The open cycle's bill of each Cursor integration chosen (every connected one by
    default), whatever the range: a bill is per billing cycle."""
    billing = web.billing()
    with web.engine.connect() as conn:
        return bill.currents(conn, integrations, web.clock(), billing)


def _providers(web: Web, span: Span, integrations: Integrations) -> list[dict[str, Any]]:
    """Billed amounts per provider, Cursor's on-demand + configured seats among the clouds':
    ``pumpview report providers``' rows."""
    billing = web.billing()
    rows = spend.run(web.engine, "providers", span.since, span.until, integrations,
                     plan=billing.plan, copilot=billing.copilot)  # fmt: skip
    return records(rows, [c for c in spend.COLUMNS["providers"] if c != "service"])


@router.get("/")
def page(
    request: Request,
    _user: Viewer,
    web: State,
    span: Span,
    integrations: Integrations,
    provider: Provider,
) -> Response:
    view = overview.build(web.engine, span, integrations, provider)
    if view is None:  # nothing stored yet: the call to action is Settings → Integrations
        return RedirectResponse("/settings/integrations", status_code=303)
    return web.page(request, "overview.html", {
        **around(request, view.range), **tools(provider),
        "view": view, "data": twin(view), "change": overview.change,
        "providers": _providers(web, span, integrations), "bills": _bills(web, integrations),
    })  # fmt: skip
