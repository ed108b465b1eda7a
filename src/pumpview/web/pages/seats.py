"""Billing → Seats: every paid seat, its last active day and days idle, idle ones first, with
their configured cost per cycle on top; ``GET /api/seats`` serves the rows of ``pumpview report
seats --format json`` (``reports.seat_use.COLUMNS``), and its CSV."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pumpview.money import to_dollars
from pumpview.reports import seat_use
from pumpview.reports.plain import records
from pumpview.store import integrations as store
from pumpview.web import security
from pumpview.web.download import csv_download
from pumpview.web.params import Integrations
from pumpview.web.security import Viewer
from pumpview.web.state import State

router = APIRouter(route_class=security.Gated)
PAGE = "/billing/seats"


@router.get("/api/seats", name="api-seats", tags=["Seats"])
def api(
    _user: Viewer, web: State, chosen: Integrations, format: Literal["json", "csv"] = "json"
) -> Any:
    """Every paid seat as of today: last active day, days idle, idle, the configured seat
    price per cycle in cents (``null`` when none is set), the member's start."""
    seats = seat_use.build(web.engine, web.clock.today(), web.settings.billing, chosen)
    data = records(seats.rows, seat_use.COLUMNS)
    if format == "csv":  # the exact fields, then the seat's price in dollars, as other downloads
        usd = [None if s.seat_cents is None else str(to_dollars(s.seat_cents)) for s in seats.rows]
        priced = [{**row, "seat_usd": price} for row, price in zip(data, usd, strict=True)]
        return csv_download(priced, [*seat_use.COLUMNS, "seat_usd"], f"seats-{seats.today}")
    return data


@router.get(PAGE, name="seats")
def page(request: Request, _user: Viewer, web: State, chosen: Integrations) -> Response:
    seats = seat_use.build(web.engine, web.clock.today(), web.settings.billing, chosen)
    with web.engine.connect() as conn:
        names = store.display_names(conn)
    return web.page(request, "seats.html", {
        "seats": seats, "rows": records(seats.rows, seat_use.COLUMNS),
        "integration_names": names if len(names) > 1 else {}, "chosen_integrations": chosen or [],
    })  # fmt: skip
