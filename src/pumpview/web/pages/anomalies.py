"""``GET /api/anomalies``: the complete days in a range on which a person or a team spent far
above their usual, each explained by person x model; the rows of ``pumpview report anomalies
--format json``. No page of its own yet: the alerts are built on it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from pumpview.reports import anomalies
from pumpview.reports.plain import records
from pumpview.web import security
from pumpview.web.download import csv_download
from pumpview.web.params import Integrations, Span
from pumpview.web.security import Viewer
from pumpview.web.state import State

router = APIRouter(route_class=security.Gated, tags=["Overview"])  # tags: its group in /docs


@router.get("/api/anomalies", name="api-anomalies")
def api(
    _user: Viewer,
    web: State,
    span: Span,
    chosen: Integrations,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Per person and per team, each complete day of the range whose usage value exceeded the
    usual (the median of the 28 complete days before) by the factor and the floor, with its
    drivers (person x model, in the words of the Overview's "what changed"); provisional days
    are never judged."""
    found = anomalies.run(web.engine, span.since, span.until, chosen)
    if format == "csv":
        return csv_download(records(found, anomalies.COLUMNS), anomalies.COLUMNS,
                            f"anomalies-{span.since}-{span.until}")  # fmt: skip
    return anomalies.to_json(found)
