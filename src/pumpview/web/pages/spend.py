"""Cursor beside the cloud: the Cloud page (spend per provider and service over time), the
Teams page (AI and cloud spend per team), and their JSON twins ``/api/spend/providers``,
``/api/spend/people`` and ``/api/spend/teams`` with the fields of ``pumpview report
providers|people|teams --format json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pumpview.reports import spend, spend_views
from pumpview.reports.plain import records
from pumpview.web import charts, security
from pumpview.web.download import csv_download
from pumpview.web.pages import activity
from pumpview.web.params import Integrations, Span, around
from pumpview.web.security import Viewer
from pumpview.web.state import State

router = APIRouter(route_class=security.Gated)


TAGS = {"providers": "Cloud", "people": "People", "teams": "Teams"}  # each one's group in /docs


def _columns(kind: str, by: str) -> tuple[str, ...]:
    columns = spend.COLUMNS[kind]
    return (
        columns
        if kind != "providers" or by == "service"
        else tuple(c for c in columns if c != "service")
    )


def _api(kind: str) -> None:
    @router.get(f"/api/spend/{kind}", name=f"api-spend-{kind}", tags=[TAGS[kind]])
    def api(
        _user: Viewer,
        web: State,
        span: Span,
        chosen: Integrations,
        by: Annotated[
            Literal["provider", "service"], Query(description="providers: per service too")
        ] = "provider",
        format: Literal["json", "csv"] = "json",
    ) -> Any:
        """The AI tools beside the cloud: the rows of ``pumpview report
        providers|people|teams``."""
        billing = web.billing()
        view = spend_views.build(web.engine, kind, span, chosen, by_service=by == "service",
                                 plan=billing.plan, copilot=billing.copilot)  # fmt: skip
        columns = _columns(kind, by)
        data = records(view.rows, columns)
        if format == "csv":
            return csv_download(data, columns, f"{kind}-{span.since}-{span.until}")
        return data


for _kind in spend.COLUMNS:
    _api(_kind)


@router.get("/cloud", name="cloud")
def cloud_page(
    request: Request, _user: Viewer, web: State, span: Span, chosen: Integrations
) -> Response:
    billing = web.billing()
    view = spend_views.build(web.engine, "providers", span, chosen, by_service=True,
                             plan=billing.plan, copilot=billing.copilot)  # fmt: skip
    chart = charts.spend_by_provider(span, view.buckets, view.series) if view.stored else None
    return web.page(request, "cloud.html", {
        **around(request, span), "rows": records(view.rows, spend.COLUMNS["providers"]),
        "totals": view.totals, "chart": chart, "currencies": view.currencies,
        "billing": billing,
    })  # fmt: skip


@router.get("/teams", name="teams")
def teams_page(
    request: Request, _user: Viewer, web: State, span: Span, chosen: Integrations
) -> Response:
    billing = web.billing()
    view = spend_views.build(web.engine, "teams", span, chosen, plan=billing.plan,
                             copilot=billing.copilot)  # fmt: skip
    return web.page(request, "teams.html", {
        **around(request, span), "rows": records(view.rows, spend.COLUMNS["teams"]),
        "chart": charts.teams(span, view.rows) if view.rows else None, "billing": billing,
        "activity": activity.section(web, span, chosen),
    })  # fmt: skip
