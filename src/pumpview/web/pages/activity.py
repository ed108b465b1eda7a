"""Activity beside cost: ``/api/activity``, the JSON twin of ``pumpview report activity`` (per
person, or per team with ``?by=team``), and what the Teams page's Activity section shows."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from pumpview.integrations.providers import LABELS
from pumpview.reports import tool_activity
from pumpview.web import security
from pumpview.web.download import csv_download
from pumpview.web.params import Integrations, Provider, Span
from pumpview.web.security import Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated)
KINDS = {"person": "people", "team": "teams"}


@router.get("/api/activity", tags=["Teams"])
def api(
    _user: Viewer,
    web: State,
    span: Span,
    chosen: Integrations,
    provider: Provider,
    by: Annotated[
        Literal["person", "team"], Query(description="One row per person or team.")
    ] = "person",
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Claude Code's and Copilot's activity per person (or team) and tool, beside the tool's
    usage value and billed amount (``estimated`` when the provider's estimate), the costs per
    unit within that tool (``cents_per_*``; ``null`` where not the tool's or without activity)
    and the tool's ``caveat``: the rows of ``pumpview report activity --format json``."""
    kind = KINDS[by]
    view = tool_activity.build(web.engine, span.since, span.until, chosen, provider)
    rows = () if view is None else view.people if kind == "people" else view.teams
    data = tool_activity.records(rows, kind)
    if format == "csv":
        return csv_download(
            data, tool_activity.COLUMNS[kind], f"activity-{span.since}-{span.until}"
        )
    return data


def section(web: Web, span: Span, chosen: Integrations) -> dict[str, Any]:
    """The Teams page's Activity section (``templates/_team_activity.html``): each team's rows
    per tool, the tools' labels, caveats and the words of the measures and unit costs."""
    view = tool_activity.build(web.engine, span.since, span.until, chosen)
    return {
        "rows": tool_activity.records(view.teams, "teams") if view else [],
        "labels": LABELS, "caveats": tool_activity.CAVEATS, "measures": tool_activity.ACTIVITY,
        "measure_labels": tool_activity.MEASURE_LABELS, "per_unit": tool_activity.PER_UNIT,
        "units": tool_activity.UNIT_LABELS,
    }  # fmt: skip
