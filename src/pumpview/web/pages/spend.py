"""Cursor beside the cloud: the Cloud page (spend per provider and service over time), the
Teams page (AI and cloud spend per team), and their JSON twins ``/api/spend/providers``,
``/api/spend/people`` and ``/api/spend/teams`` with the fields of ``pumpview report
providers|people|teams --format json``."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from pumpview.reports import overview, ranges, spend
from pumpview.reports.plain import records
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT
from pumpview.web import charts, security
from pumpview.web.download import csv_download
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
        team: Integrations,
        by: Annotated[
            Literal["provider", "service"], Query(description="providers: per service too")
        ] = "provider",
        format: Literal["json", "csv"] = "json",
    ) -> Any:
        """Cursor beside the cloud: the rows of ``pumpview report providers|people|teams``."""
        plan = web.settings.seats
        by_service = by == "service"
        rows = spend.run(web.engine, kind, span.since, span.until, team, by_service=by_service,
                         plan=plan)  # fmt: skip
        columns = _columns(kind, by)
        data = records(rows, columns)
        if format == "csv":
            return csv_download(data, columns, f"{kind}-{span.since}-{span.until}")
        return data


for _kind in spend.COLUMNS:
    _api(_kind)


@router.get("/cloud", name="cloud")
def cloud_page(
    request: Request, _user: Viewer, web: State, span: Span, team: Integrations
) -> Response:
    with snapshot(web.engine) as conn:
        where = spend.span(conn, span.since, span.until, team)
        plan = web.settings.seats
        found = spend.providers(conn, where, by_service=True, plan=plan) if where else []
        chart = _by_provider(conn, span, where) if where else None
    currencies = sorted({r.currency for r in found})
    return web.page(request, "cloud.html", {
        **around(request, span), "rows": records(found, spend.COLUMNS["providers"]),
        "totals": _totals(found), "chart": chart, "currencies": currencies,
    })  # fmt: skip


@router.get("/teams", name="teams")
def teams_page(
    request: Request, _user: Viewer, web: State, span: Span, team: Integrations
) -> Response:
    with snapshot(web.engine) as conn:
        where = spend.span(conn, span.since, span.until, team)
        found = spend.teams(conn, where) if where else []
    return web.page(request, "teams.html", {
        **around(request, span), "rows": records(found, spend.COLUMNS["teams"]),
        "chart": charts.teams(span, found) if found else None,
    })  # fmt: skip


def _totals(rows: list[spend.ProviderRow]) -> list[dict[str, Any]]:
    """Effective cost per provider and currency, for the tiles above the table."""
    sums: dict[tuple[str, str], Decimal] = {}
    with decimal.localcontext(EXACT):
        for row in rows:
            key = (row.provider, row.currency)
            sums[key] = sums.get(key, Decimal(0)) + row.effective_cost
    return [
        {"provider": p, "currency": c, "effective_cost": v}
        for (p, c), v in sorted(sums.items(), key=lambda kv: -kv[1])
    ]


def _by_provider(conn: Connection, span: ranges.Range, where: spend.Span) -> dict[str, Any]:
    """The chart: each provider's US-dollar cost per day or week, the biggest first."""
    days = spend.provider_days(conn, where)
    totals: dict[str, Decimal] = {}
    with decimal.localcontext(EXACT):
        for d in days:
            totals[d.model] = totals.get(d.model, Decimal(0)) + d.spend_cents
    names = sorted(totals, key=lambda n: -totals[n])
    buckets, series = overview.stack(span, days, names)
    return charts.spend_by_provider(span, buckets, series)
