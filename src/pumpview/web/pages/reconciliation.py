"""Billing → Reconciliation, ``/billing/reconciliation``, and its JSON twin ``/api/reconciliation``:
Cursor's last spend snapshot of a cycle beside Pump View's events of the same window, per member
(``reports.reconciliation``); below it, Claude Code's estimates per day beside Anthropic's bill,
twin ``/api/reconciliation/claude-code`` (``reports.claude_code_reconciliation``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from pumpview.reports import claude_code_reconciliation, reconciliation
from pumpview.reports.plain import plain
from pumpview.web import security
from pumpview.web.download import csv_download
from pumpview.web.params import Integrations, Span
from pumpview.web.security import Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated, tags=["Billing"])
CycleParam = Annotated[
    str,
    Query(description="`current`, or the first UTC day of a cycle with a spend snapshot, "
                      "YYYY-MM-DD."),
]  # fmt: skip
TOTALS = ("cursor_on_demand_cents", "on_demand_cents", "on_demand_difference_cents",
          "cursor_usage_cents", "usage_cents", "usage_difference_cents", "status", "members",
          "matching", "differing", "outside_on_demand_cents", "outside_usage_cents")  # fmt: skip
SHOWN = ("name", "on_demand_difference_cents", "status", "cursor_on_demand_cents",
         "on_demand_cents", "usage_difference_cents", "cursor_usage_cents", "usage_cents",
         "cause_text", "email", "integration")  # fmt: skip
PHONE, LAPTOP = (
    ("name", "on_demand_difference_cents", "status"),
    ("cursor_on_demand_cents", "on_demand_cents", "usage_difference_cents", "cause_text"),
)
HEADINGS = {
    "on_demand_difference_cents": "On-demand difference",
    "cursor_on_demand_cents": "Cursor's on-demand", "on_demand_cents": "Pump View's on-demand",
    "usage_difference_cents": "Usage value difference",
    "cursor_usage_cents": "Cursor's usage value", "usage_cents": "Pump View's usage value",
    "cause_text": "Likely cause",
}  # fmt: skip


def _build(web: Web, cycle: str, chosen: list[str] | None) -> reconciliation.Reconciliation:
    try:
        return reconciliation.build(web.engine, cycle, web.clock(), chosen)
    except reconciliation.UnknownCycle as exc:
        raise HTTPException(404, str(exc)) from None


def _totals(totals: reconciliation.Totals | None) -> dict[str, Any] | None:
    return None if totals is None else {c: plain(getattr(totals, c)) for c in TOTALS}


def twin(result: reconciliation.Reconciliation) -> dict[str, Any]:
    """The page's data: the totals on top, each integration's cycle and snapshot, the rows."""
    return {
        "cycle": result.cycle,
        "cycles": [plain(d) for d in result.cycles],
        "totals": _totals(result.totals),
        "integrations": [
            {"integration": s.integration, "display_name": s.display_name,
             "cycle": plain(s.cycle.first_day), "cycle_start_ms": s.cycle.start_ms,
             "cycle_end_ms": s.cycle.end_ms, "snapshot_taken_at_ms": s.taken_at_ms,
             "totals": _totals(s.totals) if s.taken_at_ms is not None else None}
            for s in result.sides
        ],
        "rows": reconciliation.plain_rows(result.rows),
    }  # fmt: skip


@router.get("/api/reconciliation", name="api-reconciliation")
def api(
    _user: Viewer,
    web: State,
    chosen: Integrations,
    cycle: CycleParam = "current",
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Each member's row of the cycle (``pumpview report reconciliation --format json``): Cursor's
    figures from its last spend snapshot of the cycle beside Pump View's from the events of
    [cycle start, snapshot), the differences, the status and the cause."""
    result = _build(web, cycle, chosen)
    rows = reconciliation.plain_rows(result.rows)
    if format == "csv":
        return csv_download(rows, list(reconciliation.COLUMNS), f"reconciliation-{result.cycle}")
    return rows


@router.get("/api/reconciliation/totals", name="api-reconciliation-totals")
def api_totals(
    _user: Viewer, web: State, chosen: Integrations, cycle: CycleParam = "current"
) -> dict[str, Any]:
    """The page's data beside the rows: the cycle, the cycles with a snapshot, the totals
    overall and each integration's cycle, snapshot time and totals."""
    data = twin(_build(web, cycle, chosen))
    del data["rows"]
    return data


@router.get("/api/reconciliation/claude-code", name="api-reconciliation-claude-code")
def api_claude_code(
    _user: Viewer,
    web: State,
    chosen: Integrations,
    span: Span,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Per UTC day of the range (default: the last 30 whole days), the Claude Code
    integrations' estimates beside Anthropic's cost report, and the difference (``pumpview
    report reconciliation --provider claude-code --format json``), with the caveat."""
    result = claude_code_reconciliation.build(web.engine, span.since, span.until, chosen)
    if format == "csv":
        return csv_download(claude_code_reconciliation.plain_rows(result.days),
                            list(claude_code_reconciliation.COLUMNS),
                            f"claude-code-reconciliation-{span.since}-{span.until}")  # fmt: skip
    return claude_code_reconciliation.to_json(result)


@router.get("/billing/reconciliation", name="reconciliation")
def page(
    request: Request,
    _user: Viewer,
    web: State,
    chosen: Integrations,
    span: Span,
    cycle: CycleParam = "current",
) -> Response:
    result = _build(web, cycle, chosen)
    tiers = {c: "" if c in PHONE else "col-wide" if c in LAPTOP else "col-more" for c in SHOWN}
    claude_code = claude_code_reconciliation.build(web.engine, span.since, span.until, chosen)
    return web.page(request, "reconciliation.html", {
        "result": result, "data": twin(result), "columns": SHOWN, "headings": HEADINGS,
        "tiers": tiers, "causes": reconciliation.CAUSES, "labels": reconciliation.LABELS,
        "claude_code": claude_code, "claude_code_span": span,
    })  # fmt: skip
