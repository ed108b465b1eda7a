"""People, Models, Requests and Daily: one report each, as a page, as JSON and as CSV.

The JSON carries exactly the fields and formats of ``pumpview report ... --format json``
(``reports.usage.COLUMNS`` through ``reports.plain``); the page shows the columns that fit; the
CSV is the page's table: the JSON's exact fields first, then the page's own columns, then each
money column in dollars rounded to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pumpview.integrations.providers import LABELS
from pumpview.money import to_dollars
from pumpview.reports import limits, usage, usage_views
from pumpview.reports.activity import Activity
from pumpview.reports.plain import Plain, plain, records
from pumpview.web import charts, security
from pumpview.web.download import csv_download
from pumpview.web.params import Integrations, Provider, Span, around, tools
from pumpview.web.security import Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated)

PAGES = {  # path: (report, title, the columns on screen)
    "people": ("users", "People", ("name", "email", "spend_cents", "on_demand_cents",
               "included_cents", "events", "tools", "input_tokens", "output_tokens",
               "fast_requests", "slow_requests", "not_charged_requests",
               "cursor_fast_premium_requests", "top_model", "last_active", "limit_used_percent",
               "limit_dollars")),
    "models": ("models", "Models", ("model", "tools", "events", "users", "spend_cents",
               "cents_per_million_tokens", "cents_per_request", "on_demand_share",
               "cache_read_share", "max_mode_share", "model_cost_cents", "token_fee_cents",
               "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")),
    "requests": ("requests", "Requests", ("name", "email", "fast_requests", "slow_requests",
                 "not_charged_requests", "cursor_fast_premium_requests")),
    "daily": ("daily", "Daily", ("date", "events", "spend_cents", "on_demand_cents",
              "included_cents", "fast_requests", "slow_requests")),
}  # fmt: skip
FIRST = {  # path: the columns a phone shows, then those a laptop adds (1366 px, no sideways
           # scrolling); the rest wait behind "All columns" (templates/_columns.html)
    "people": (("name", "spend_cents", "on_demand_cents"),
               ("tools", "included_cents", "events", "fast_requests", "slow_requests",
                "cursor_fast_premium_requests", "last_active")),
    "models": (("model", "spend_cents", "cents_per_request"),
               ("tools", "events", "users", "cents_per_million_tokens", "on_demand_share",
                "max_mode_share", "model_cost_cents", "token_fee_cents")),
    "requests": (("name", "fast_requests", "cursor_fast_premium_requests"),
                 ("email", "slow_requests", "not_charged_requests")),
    "daily": (("date", "spend_cents", "fast_requests"),
              ("events", "on_demand_cents", "included_cents", "slow_requests")),
}  # fmt: skip
HEADINGS = {"cents_per_million_tokens": "Per 1M tokens", "cents_per_request": "Per request",
            "on_demand_share": "On-demand share", "cache_read_share": "Cache-read share",
            "max_mode_share": "Max-mode share",
            "spend_cents": "Usage value", "on_demand_cents": "On-demand",
            "included_cents": "Included",
            "model_cost_cents": "Model cost", "token_fee_cents": "Cursor token fee",
            "cursor_fast_premium_requests": "Cursor's fast premium (cycle)",
            "top_model": "Most-used model", "last_active": "Last active",
            "users": "People", "limit_used_percent": "Cursor limit used (cycle)",
            "limit_dollars": "Cursor limit", "tools": "Tools"}  # fmt: skip
LimitUsed = Annotated[
    int | None,
    Query(ge=0, le=1000, description="People only: those who used at least this % of their "
          "Cursor spending limit (on-demand this billing cycle, from the events)."),
]  # fmt: skip


def tiers(path: str) -> dict[str, str]:
    """Each column of a page's table with its class: shown everywhere, from laptop width up
    (``col-wide``) or with all columns only (``col-more``)."""
    phone, laptop = FIRST[path]
    return {c: "" if c in phone else "col-wide" if c in laptop else "col-more"
            for c in PAGES[path][2]}  # fmt: skip


DOWNLOAD_EXTRA = {
    "users": ("top_model", "last_active", "cursor_fast_premium_requests", "service_account",
              "tools"),
    "models": ("usd_per_million_tokens", "usd_per_request", "on_demand_share",
               "cache_read_share", "max_mode_share"),
}  # fmt: skip
"""The page's columns a download adds after the JSON's (unit costs in dollars, not cents)."""
RATIO_PLACES = 4
"""Unit costs and shares are ratios, not sums: a download rounds them to 4 decimals (a unit
price to a hundredth of a cent, a share to a hundredth of a percent)."""


def _table(view: usage_views.UsageView) -> list[dict[str, Any]]:
    """The page's rows: the report's fields and, for people and models, the page's own."""
    rows = records(view.rows, usage.COLUMNS[view.report])
    if view.report == "users":
        rows = [{**row, "tools": _tools(row)} for row in rows]
    if view.activity:
        rows = [{**row, **_activity(seen)} for row, seen in zip(rows, view.activity, strict=True)]
    if view.providers:
        rows = [{**row, "tools": " · ".join(LABELS.get(p, p) for p in through)}
                for row, through in zip(rows, view.providers, strict=True)]  # fmt: skip
    if view.unit_costs:
        rows = [{**row, **{name: plain(v) for name, v in costs.items()}}
                for row, costs in zip(rows, view.unit_costs, strict=True)]  # fmt: skip
    return rows


def _columns(report: str) -> tuple[str, ...]:
    """The JSON twin's fields: the report's, and for people their Cursor spending limit."""
    return (*usage.COLUMNS[report], *limits.COLUMNS) if report == "users" else usage.COLUMNS[report]


def _limited(
    web: Web, rows: list[dict[str, Any]], chosen: list[str] | None, limit_used: int | None
) -> list[dict[str, Any]]:
    """People's rows with their Cursor spending limit; with ``limit_used``, only those who used
    at least that % of it."""
    found = limits.run(web.engine, chosen, web.clock())
    return [
        {**row, **limits.fields_of(found.get(row["email"] or ""))}
        for row in rows
        if limit_used is None or limits.above(found.get(row["email"] or ""), Decimal(limit_used))
    ]


def _download(report: str, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Plain]], list[str]]:
    """The table as a CSV: the JSON's exact fields first, in their order (scripts read them),
    then the page's other columns, then every money column in dollars rounded to the cent, half
    to even as on the page (``spend_cents`` -> ``spend_usd``)."""
    exact = list(_columns(report))
    extra = list(DOWNLOAD_EXTRA.get(report, ()))
    money = [c for c in exact if c.endswith("_cents")]
    step = Decimal(1).scaleb(-RATIO_PLACES)

    def cell(row: dict[str, Any], column: str) -> Plain:
        if column.startswith("usd_per_"):
            value = row["cents_per_" + column.removeprefix("usd_per_")]
            return None if value is None else f"{to_dollars(Decimal(value), RATIO_PLACES)}"
        value = row.get(column)
        if column.endswith("_share"):
            return None if value is None else f"{Decimal(value).quantize(step, ROUND_HALF_EVEN)}"
        return value

    out = [
        {**{c: row[c] for c in exact}, **{c: cell(row, c) for c in extra},
         **{c.removesuffix("_cents") + "_usd": None if row[c] is None
            else f"{to_dollars(Decimal(row[c]))}" for c in money}}
        for row in rows
    ]  # fmt: skip
    return out, [*exact, *extra, *(c.removesuffix("_cents") + "_usd" for c in money)]


def _api(path: str) -> None:
    report = PAGES[path][0]

    @router.get(f"/api/{path}", name=f"api-{path}", tags=[PAGES[path][1]])
    def api(
        _user: Viewer,
        web: State,
        span: Span,
        chosen: Integrations,
        provider: Provider,
        format: Literal["json", "csv"] = "json",
        limit_used: LimitUsed = None,
    ) -> Any:
        view = usage_views.build(web.engine, report, span, chosen, provider)
        if format == "csv":
            rows = _table(view)
            if report == "users":
                rows = _limited(web, rows, chosen, limit_used)
            data, columns = _download(report, rows)
            return csv_download(data, columns, f"{path}-{span.since}-{span.until}")
        if report == "users":
            return _limited(web, records(view.rows, usage.COLUMNS[report]), chosen, limit_used)
        return records(view.rows, usage.COLUMNS[report])

    @router.get(f"/{path}", name=path)
    def page(
        request: Request,
        _user: Viewer,
        web: State,
        span: Span,
        chosen: Integrations,
        provider: Provider,
        limit_used: LimitUsed = None,
    ) -> Response:
        _report, title, shown = PAGES[path]
        view = usage_views.build(web.engine, report, span, chosen, provider)
        rows, columns = _table(view), tiers(path)
        if report == "users":
            rows = _limited(web, rows, chosen, limit_used)
            if limit_used is not None:  # the filter's column takes the place of two that wait
                columns = {**columns, "limit_used_percent": "", "spend_cents": "col-wide",
                           "cursor_fast_premium_requests": "col-more"}  # fmt: skip
        return web.page(request, "report.html", {
            **around(request, span), **tools(provider),
            "title": title, "path": path, "rows": rows, "columns": shown,
            "headings": HEADINGS, "tiers": columns, "chart": _chart(view),
            "limit_used": limit_used,
        })  # fmt: skip


def _chart(view: usage_views.UsageView) -> dict[str, Any] | None:
    """What the page's chart draws: the top people, spend by model, or the request classes."""
    if not view.stored:
        return None
    if view.report == "users":
        return charts.people(view.range, view.rows)
    if view.report == "models":
        return charts.spend_by_model(view.range, view.buckets, view.series)
    if view.report == "requests":
        return charts.requests(view.range, ((d.date, d) for d in view.days))
    return None


def _tools(row: dict[str, Any]) -> str:
    """The tools a person's amounts come from, the estimated ones said to be ("est.")."""
    shares = row.get("providers") or {row["provider"]: {"estimated": row["estimated"]}}
    return " · ".join(
        LABELS.get(name, name) + (" (est.)" if part["estimated"] else "")
        for name, part in shares.items()
    )


def _activity(seen: Activity | None) -> dict[str, Any]:
    """A person's most-used model, last active day and kind (the page's columns)."""
    return {"top_model": seen.top_model if seen else None,
            "last_active": plain(seen.last_day) if seen else None,
            "service_account": bool(seen and seen.service_account),
            "cursor_fast_premium_requests":
                seen.cursor_fast_premium_requests if seen else None}  # fmt: skip


for _path in PAGES:
    _api(_path)
