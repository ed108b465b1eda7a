"""People → By model: each person's usage value split across the range's top models and the
rest, sortable by any column, so a manager sees who leans on which model without opening each
person; ``GET /api/people/models`` is its JSON twin (and CSV).

Registered before the person's page, whose ``/people/{email}`` would take ``/people/models``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pumpview.reports import person_models
from pumpview.reports.plain import Plain, plain
from pumpview.web import security
from pumpview.web.download import csv_download
from pumpview.web.params import Integrations, Span, around
from pumpview.web.security import Viewer
from pumpview.web.state import State

router = APIRouter(route_class=security.Gated)


def _rows(view: person_models.ModelView) -> list[dict[str, Any]]:
    """Each person as plain data: usage value, per top model (in the view's order), the rest."""
    return [
        {"email": r.email, "name": r.name, "spend_cents": plain(r.spend_cents),
         "models": {m: plain(c) for m, c in zip(view.models, r.models, strict=True)},
         "other_models_cents": plain(r.other_models_cents)}
        for r in view.rows
    ]  # fmt: skip


@router.get("/api/people/models", name="api-people-models", tags=["People"])
def api(
    _user: Viewer, web: State, span: Span, chosen: Integrations,
    format: Literal["json", "csv"] = "json",
) -> Any:  # fmt: skip
    """Per person, the usage value of each of the range's top models (``models``, highest
    first) and of all the others (``other_models_cents``); exact cents. The CSV has a column
    per top model, named after it."""
    view = person_models.build(web.engine, span, chosen)
    rows = _rows(view)
    if format == "csv":
        columns = ["email", "name", "spend_cents", *view.models, "other_models_cents"]
        flat: list[dict[str, Plain]] = [
            {**{k: v for k, v in r.items() if k != "models"}, **r["models"]} for r in rows
        ]
        return csv_download(flat, columns, f"people-models-{span.since}-{span.until}")
    return {"since": plain(span.since), "until": plain(span.until),
            "models": list(view.models), "rows": rows}  # fmt: skip


@router.get("/people/models", name="people-models")
def page(request: Request, _user: Viewer, web: State, span: Span, chosen: Integrations) -> Response:
    view = person_models.build(web.engine, span, chosen)
    return web.page(request, "people_models.html", {
        **around(request, span), "view": view, "rows": _rows(view),
    })  # fmt: skip
