"""Budgets: every budget as a bar (actual, the forecast marked, the thresholds as ticks) for
everyone; admins add, edit and remove them. The JSON API: ``GET/POST /api/budgets``,
``GET/PATCH/PUT/DELETE /api/budgets/{id}``, rows of ``reports.budgets.COLUMNS``.

Every write goes through ``store.budgets.check``: a refusal is a message at its field (the
form) or a 400 ``{"error", "message", "field"}`` (the API), and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pumpview import money
from pumpview.errors import UserInputError
from pumpview.reports import budgets as report
from pumpview.store import budgets as store
from pumpview.store import integrations
from pumpview.store.engine import snapshot
from pumpview.web import security
from pumpview.web.params import MAX_ID
from pumpview.web.security import Admin, Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated, tags=["Budgets"])
PAGE = "/budgets"
BudgetId = Annotated[int, Path(ge=1, le=MAX_ID, description="The budget's id.")]
"""A budget's id in a path: a whole number the store's integer key can hold."""
WIDTH = 1000
"""The bar's drawing width (SVG units): positions are for drawing only, the figures are exact."""


def bar(status: report.Status) -> dict[str, Any]:
    """Where the bar draws the actual, the forecast, the amount and each threshold, on a scale
    that holds the largest of them."""
    amount = status.budget.amount_cents
    top = max(amount, status.actual_cents, status.forecast_cents) * Decimal("1.05")

    def x(cents: Decimal) -> float:
        return round(float(max(cents, Decimal(0)) / top * WIDTH), 1)

    return {
        "actual": x(status.actual_cents), "forecast": x(status.forecast_cents),
        "amount": x(amount), "width": WIDTH,
        "ticks": [(t, x(amount * t / 100)) for t in status.budget.thresholds],
    }  # fmt: skip


def _context(web: Web, errors: dict[str, str] | None = None, **form: Any) -> dict[str, Any]:
    statuses = report.listing(web.engine, web.clock(), web.settings.billing)
    with snapshot(web.engine) as conn:
        teams, names = store.teams(conn), list(integrations.ids(conn))
    return {
        "statuses": [(s, bar(s)) for s in statuses], "teams": teams, "integrations": names,
        "errors": errors or {},
        "form": form, "states": report.STATE_WORDS,
    }  # fmt: skip


def _page(request: Request, web: Web, **context: Any) -> Response:
    return web.page(request, "budgets.html", _context(web, **context))


@router.get(PAGE)
def page(
    request: Request,
    user: Viewer,
    web: State,
    edit: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Every budget; ``?edit=ID`` opens that budget's form (admins)."""
    form: dict[str, Any] = {}
    if edit is not None and user.is_admin:
        with snapshot(web.engine) as conn:
            budget = store.get(conn, edit)
        if budget is not None:
            form = {"id": budget.id, "name": budget.name, "scope": budget.scope,
                    "scope_value": budget.scope_value or "", "provider": budget.provider,
                    "period": budget.period, "measure": budget.measure,
                    "amount": money.format_cents(budget.amount_cents.scaleb(-2)),
                    "thresholds": ", ".join(map(str, budget.thresholds))}  # fmt: skip
    return _page(request, web, **form)


def _form_fields(
    name: str, scope: str, scope_value: str, provider: str, period: str, measure: str,
    amount: str, thresholds: str,
) -> dict[str, Any]:  # fmt: skip
    """The form's fields as ``store.budgets.check`` reads them: the amount is in dollars."""
    text = amount.strip().lstrip("$").replace(",", "")
    try:
        dollars = Decimal(text)
    except InvalidOperation:
        dollars = Decimal("NaN")
    if not text or not dollars.is_finite() or dollars <= 0:
        msg = f"The amount is a number of US dollars above zero, such as 500 (got {amount!r})."
        raise UserInputError(msg, field="amount")
    return {"name": name, "scope": scope, "scope_value": scope_value, "provider": provider,
            "period": period, "measure": measure, "amount_cents": dollars.scaleb(2),
            "thresholds": thresholds}  # fmt: skip


Field = Annotated[str, Form()]


def _save(request: Request, web: Web, budget_id: int | None, fields: dict[str, str]) -> Response:
    """Add (or change) a budget from the form; or show the form again, the error at its field
    (200, as every form here: a form to correct is not a failed request)."""
    try:
        checked = _form_fields(**fields)
        with web.engine.begin() as conn:
            if budget_id is None:
                store.add(conn, checked, web.clock())
            else:
                store.change(conn, budget_id, checked, web.clock())
    except UserInputError as exc:
        field = {"amount_cents": "amount"}.get(exc.field or "", exc.field or "general")
        field = field if field in fields else "general"  # a budget removed meanwhile: ``id``
        message = str(exc)
        if field == "amount":
            message = message.replace("amount_cents", "The amount (in cents)")
        return _page(request, web, errors={field: message}, id=budget_id, **fields)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE)
def add(
    request: Request, _user: Admin, web: State, name: Field = "", scope: Field = "",
    scope_value: Field = "", provider: Field = "cursor", period: Field = "cycle",
    measure: Field = "on_demand", amount: Field = "", thresholds: Field = "",
) -> Response:  # fmt: skip
    fields = {"name": name, "scope": scope, "scope_value": scope_value, "provider": provider,
              "period": period, "measure": measure, "amount": amount,
              "thresholds": thresholds}  # fmt: skip
    return _save(request, web, None, fields)


@router.post(PAGE + "/{budget_id}")
def edit(
    request: Request, budget_id: BudgetId, _user: Admin, web: State, name: Field = "",
    scope: Field = "", scope_value: Field = "", provider: Field = "cursor",
    period: Field = "cycle", measure: Field = "on_demand", amount: Field = "",
    thresholds: Field = "",
) -> Response:  # fmt: skip
    fields = {"name": name, "scope": scope, "scope_value": scope_value, "provider": provider,
              "period": period, "measure": measure, "amount": amount,
              "thresholds": thresholds}  # fmt: skip
    return _save(request, web, budget_id, fields)


@router.post(PAGE + "/{budget_id}/remove")
def remove(budget_id: BudgetId, _user: Admin, web: State) -> Response:
    with web.engine.begin() as conn:
        store.remove(conn, budget_id)
    return RedirectResponse(PAGE, status_code=303)


# -- the JSON API -----------------------------------------------------------------------------


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, its fractional numbers as exact Decimals (never floats)."""
    try:
        body = money.loads(await request.body())
    except ValueError:
        raise HTTPException(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


Body = Annotated[dict[str, Any], Depends(json_body)]


def _refused(exc: UserInputError) -> JSONResponse:
    return JSONResponse(
        {"error": "bad_request", "message": str(exc), "field": exc.field}, status_code=400
    )


def _row(web: Web, budget_id: int) -> dict[str, Any]:
    status = report.one(web.engine, budget_id, web.clock(), web.settings.billing)
    if status is None:
        raise HTTPException(404, f"no budget with id {budget_id}")
    return report.record(status)


@router.get("/api/budgets")
def api_list(_user: Viewer, web: State) -> list[dict[str, Any]]:
    """Every budget with its status now (the page's figures): actual, forecast, % used, state."""
    statuses = report.listing(web.engine, web.clock(), web.settings.billing)
    return [report.record(s) for s in statuses]


@router.post("/api/budgets", status_code=201, response_model=None)
def api_add(_user: Admin, web: State, body: Body) -> dict[str, Any] | JSONResponse:
    """Add a budget: ``name``, ``scope`` (organization, integration, team, person),
    ``scope_value`` (null for the organisation), ``provider`` (cursor, all), ``period`` (cycle,
    month), ``measure`` (bill, on_demand, usage), ``amount_cents`` (an exact decimal string, or
    a JSON number), optional ``thresholds`` (percents; 50, 80, 100). 201 and the row."""
    try:
        with web.engine.begin() as conn:
            budget = store.add(conn, body, web.clock())
    except UserInputError as exc:
        return _refused(exc)
    return _row(web, budget.id)


@router.get("/api/budgets/{budget_id}")
def api_get(budget_id: BudgetId, _user: Viewer, web: State) -> dict[str, Any]:
    return _row(web, budget_id)


@router.patch("/api/budgets/{budget_id}", response_model=None)
@router.put("/api/budgets/{budget_id}", response_model=None)
def api_change(
    budget_id: BudgetId, _user: Admin, web: State, body: Body
) -> dict[str, Any] | JSONResponse:
    """Change a budget: the fields given replace its own (the others keep their value)."""
    try:
        with web.engine.begin() as conn:
            store.change(conn, budget_id, body, web.clock())
    except UserInputError as exc:
        if exc.field == "id":
            raise HTTPException(404, str(exc)) from None
        return _refused(exc)
    return _row(web, budget_id)


@router.delete("/api/budgets/{budget_id}", status_code=204)
def api_remove(budget_id: BudgetId, _user: Admin, web: State) -> Response:
    with web.engine.begin() as conn:
        if not store.remove(conn, budget_id):
            raise HTTPException(404, f"no budget with id {budget_id}")
    return Response(status_code=204)
