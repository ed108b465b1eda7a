"""People, Models, Requests and Daily: one report each, as a page, as JSON and as CSV.

The JSON and CSV carry exactly the fields and formats of ``pumpview report ... --format json``
(``reports.usage.COLUMNS`` through ``reports.plain``); the page shows the columns that fit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.errors import UserInputError
from pumpview.reports import completeness, ranges, usage
from pumpview.reports.plain import csv_text, plain, records
from pumpview.web import security
from pumpview.web.params import Span, Teams, presets

router = APIRouter()
Viewer = Annotated[User, Depends(security.viewer)]

PAGES = {  # path: (report, title, the columns on screen)
    "people": ("users", "People", ("name", "email", "spend_cents", "on_demand_cents",
               "included_cents", "events", "input_tokens", "output_tokens", "fast_requests",
               "slow_requests", "not_charged_requests")),
    "models": ("models", "Models", ("model", "events", "users", "spend_cents",
               "cents_per_million_tokens", "cents_per_request", "on_demand_share",
               "cache_read_share", "model_cost_cents", "token_fee_cents", "input_tokens",
               "output_tokens", "cache_write_tokens", "cache_read_tokens")),
    "requests": ("requests", "Requests", ("name", "email", "fast_requests", "slow_requests",
                 "not_charged_requests", "cursor_fast_premium_requests")),
    "daily": ("daily", "Daily", ("date", "events", "spend_cents", "on_demand_cents",
              "included_cents", "fast_requests", "slow_requests")),
}  # fmt: skip
HEADINGS = {"cents_per_million_tokens": "Per 1M tokens", "cents_per_request": "Per request",
            "on_demand_share": "On-demand share", "cache_read_share": "Cache-read share",
            "spend_cents": "Spend", "on_demand_cents": "On-demand", "included_cents": "Included",
            "model_cost_cents": "Model cost", "token_fee_cents": "Cursor token fee",
            "cursor_fast_premium_requests": "Cursor's fast premium (cycle)"}  # fmt: skip


def _rows(request: Request, report: str, span: ranges.Range, team: list[str] | None) -> list[Any]:
    try:
        return list(usage.run(security.web_of(request).engine, report, span.since, span.until,
                              team or None))  # fmt: skip
    except UserInputError as exc:
        raise HTTPException(400, str(exc)) from None


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...], name: str) -> Response:
    return Response(
        csv_text(rows, columns), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )  # fmt: skip


def _api(path: str) -> None:
    report = PAGES[path][0]

    @router.get(f"/api/{path}", name=f"api-{path}")
    def api(
        request: Request,
        _user: Viewer,
        span: Span,
        team: Teams,
        format: str = "json",
    ) -> Any:
        data = records(_rows(request, report, span, team), usage.COLUMNS[report])
        if format == "csv":
            return _csv(data, usage.COLUMNS[report], f"{path}-{span.since}-{span.until}")
        return data

    @router.get(f"/{path}", name=path)
    def page(
        request: Request,
        _user: Viewer,
        span: Span,
        team: Teams,
    ) -> Response:
        _report, title, shown = PAGES[path]
        found = _rows(request, report, span, team)
        rows = records(found, usage.COLUMNS[report])
        if report == "models":  # the unit costs beside the sums (the page's, not the contract's)
            rows = [
                {**row, **{name: plain(v) for name, v in usage.unit_costs(m).items()}}
                for row, m in zip(rows, found, strict=True)
            ]
        web = security.web_of(request)
        return web.page(request, "report.html", {
            "title": title, "path": path, "rows": rows, "columns": shown, "headings": HEADINGS,
            "range": span, "presets": presets(request),
            "completeness": completeness.of(web.engine, span),
        })  # fmt: skip


for _path in PAGES:
    _api(_path)
