"""People, Models, Requests and Daily: one report each, as a page, as JSON and as CSV.

The JSON and CSV carry exactly the fields and formats of ``pumpview report ... --format json``
(``reports.usage.COLUMNS`` through ``reports.plain``); the page shows the columns that fit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.reports import overview, ranges, usage
from pumpview.reports.plain import plain, records
from pumpview.store.engine import snapshot
from pumpview.web import charts, security
from pumpview.web.download import csv_download
from pumpview.web.params import Span, Teams, around

router = APIRouter(route_class=security.Gated)
Viewer = Annotated[User, Depends(security.viewer)]

PAGES = {  # path: (report, title, the columns on screen)
    "people": ("users", "People", ("name", "email", "spend_cents", "on_demand_cents",
               "included_cents", "events", "input_tokens", "output_tokens", "fast_requests",
               "slow_requests", "not_charged_requests", "cursor_fast_premium_requests", "top_model",
               "last_active")),
    "models": ("models", "Models", ("model", "events", "users", "spend_cents",
               "cents_per_million_tokens", "cents_per_request", "on_demand_share",
               "cache_read_share", "max_mode_share", "model_cost_cents", "token_fee_cents",
               "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")),
    "requests": ("requests", "Requests", ("name", "email", "fast_requests", "slow_requests",
                 "not_charged_requests", "cursor_fast_premium_requests")),
    "daily": ("daily", "Daily", ("date", "events", "spend_cents", "on_demand_cents",
              "included_cents", "fast_requests", "slow_requests")),
}  # fmt: skip
HEADINGS = {"cents_per_million_tokens": "Per 1M tokens", "cents_per_request": "Per request",
            "on_demand_share": "On-demand share", "cache_read_share": "Cache-read share",
            "max_mode_share": "Max-mode share",
            "spend_cents": "Spend", "on_demand_cents": "On-demand", "included_cents": "Included",
            "model_cost_cents": "Model cost", "token_fee_cents": "Cursor token fee",
            "cursor_fast_premium_requests": "Cursor's fast premium (cycle)",
            "top_model": "Most-used model", "last_active": "Last active"}  # fmt: skip


def _rows(request: Request, report: str, span: ranges.Range, team: list[str] | None) -> list[Any]:
    return list(usage.run(security.web_of(request).engine, report, span.since, span.until, team))


def _api(path: str) -> None:
    report = PAGES[path][0]

    @router.get(f"/api/{path}", name=f"api-{path}")
    def api(
        request: Request,
        _user: Viewer,
        span: Span,
        team: Teams,
        format: Literal["json", "csv"] = "json",
    ) -> Any:
        data = records(_rows(request, report, span, team), usage.COLUMNS[report])
        if format == "csv":
            return csv_download(data, usage.COLUMNS[report], f"{path}-{span.since}-{span.until}")
        return data

    @router.get(f"/{path}", name=path)
    def page(
        request: Request,
        _user: Viewer,
        span: Span,
        team: Teams,
    ) -> Response:
        _report, title, shown = PAGES[path]
        with snapshot(security.web_of(request).engine) as conn:  # the table and its chart agree
            where = usage.scope(conn, span.since, span.until, team)
            found: list[Any] = list(usage.REPORTS[report](conn, where)) if where else []
            rows = records(found, usage.COLUMNS[report])
            chart = None
            if report == "users" and where:
                rows = _with_activity(rows, usage.activity(conn, where))
                chart = charts.people(span, found)
            if report == "models" and where:
                rows = _with_unit_costs(rows, found)
                days = usage.spend_by_model_day(conn, where)
                chart = charts.spend_by_model(
                    span,
                    *overview.stack(span, days, [m.model for m in found]),
                )
            if report == "requests" and where:
                chart = charts.requests(span, ((d.date, d) for d in usage.daily(conn, where)))
        return security.web_of(request).page(request, "report.html", {
            **around(request, span),
            "title": title, "path": path, "rows": rows, "columns": shown, "headings": HEADINGS,
            "chart": chart,
        })  # fmt: skip


def _with_activity(
    rows: list[dict[str, Any]], activity: dict[str | None, usage.Activity]
) -> list[dict[str, Any]]:
    """People's rows with their most-used model, last active day and kind (the page's)."""
    out = []
    for row in rows:
        seen = activity.get(row["email"])
        out.append({**row, "top_model": seen.top_model if seen else None,
                    "last_active": plain(seen.last_day) if seen else None,
                    "service_account": bool(seen and seen.service_account),
                    "cursor_fast_premium_requests":
                        seen.cursor_fast_premium_requests if seen else None})  # fmt: skip
    return out


def _with_unit_costs(rows: list[dict[str, Any]], found: list[Any]) -> list[dict[str, Any]]:
    """Models' rows with their unit costs beside the sums (the page's, not the contract's)."""
    return [
        {**row, **{name: plain(v) for name, v in usage.unit_costs(m).items()}}
        for row, m in zip(rows, found, strict=True)
    ]


for _path in PAGES:
    _api(_path)
