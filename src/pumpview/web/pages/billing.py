"""Settings → Billing: the seat price, the plan's name and the idle threshold, set by an admin
and stored over the ``PUMPVIEW_*`` defaults (as ``pumpview billing set``), with the current
cycle's bill of each Cursor integration; everyone signed in sees them. ``/api/billing`` is its
JSON twin (``PUT``/``POST`` for admins, a JSON object of the settings to change)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pumpview import money
from pumpview.reports import bill, billing
from pumpview.store import stored_settings
from pumpview.web import security
from pumpview.web.security import Admin, Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated, tags=["Settings · Billing"])  # its group in /docs
PAGE = "/settings/billing"


def twin(web: Web) -> dict[str, Any]:
    """The settings in force, stored and by default, and the open cycle's bill of every
    connected Cursor integration, with their total."""
    with web.engine.connect() as conn:
        made = billing.choices(conn, web.settings.billing)
        bills = bill.currents(conn, None, web.clock(), made.billing)
    return {"settings": billing.as_json(made), "bill": bill.as_json(bills)}


def _save(web: Web, values: dict[str, object]) -> dict[str, str]:
    """Store ``values`` (all of them, or none when any is bad); the messages by field."""
    changes, errors = billing.check(values)
    if not errors:
        with web.engine.begin() as conn:
            stored_settings.write(conn, changes, web.clock())
    return errors


def _page(
    request: Request,
    web: Web,
    status: int = 200,
    *,
    errors: dict[str, str] | None = None,
    sent: dict[str, str] | None = None,
) -> Response:
    with web.engine.connect() as conn:
        made = billing.choices(conn, web.settings.billing)
        bills = bill.currents(conn, None, web.clock(), made.billing)
    context = {
        "made": made, "bills": bills, "errors": errors or {},
        "sent": sent if sent is not None else dict(made.stored),
        "saved": request.query_params.get("saved") == "1",
    }  # fmt: skip
    return web.page(request, "billing.html", context, status=status)


@router.get(PAGE)
def page(request: Request, _user: Viewer, web: State) -> Response:
    """Everyone signed in; the form is an admin's."""
    return _page(request, web)


@router.post(PAGE)
def save(
    request: Request,
    _user: Admin,
    web: State,
    seat_price: Annotated[str, Form()] = "",
    seat_plan: Annotated[str, Form()] = "",
    idle_days: Annotated[str, Form()] = "",
    anomaly_factor: Annotated[str, Form()] = "",
    anomaly_floor: Annotated[str, Form()] = "",
    copilot_business_price: Annotated[str, Form()] = "",
    copilot_enterprise_price: Annotated[str, Form()] = "",
) -> Response:
    """Store the form's settings (an empty one: its default applies), or none of them."""
    sent = {billing.SEAT_PRICE: seat_price, billing.SEAT_PLAN: seat_plan,
            billing.IDLE_DAYS: idle_days, billing.ANOMALY_FACTOR: anomaly_factor,
            billing.ANOMALY_FLOOR: anomaly_floor, billing.COPILOT_BUSINESS: copilot_business_price,
            billing.COPILOT_ENTERPRISE: copilot_enterprise_price}  # fmt: skip
    errors = _save(web, dict(sent))
    if errors:
        return _page(request, web, 400, errors=errors, sent=sent)
    return RedirectResponse(f"{PAGE}?saved=1", status_code=303)


@router.get("/api/billing")
def api(_user: Viewer, web: State) -> dict[str, Any]:
    """The page's twin: ``settings`` (``seat_price`` in US dollars as an exact decimal string,
    ``null`` when not set; ``seat_plan``; ``idle_days``; the ``stored`` ones and the
    ``defaults``) and ``bill``: per integration and in ``total``, the open cycle's seats
    (configured), on-demand, usage value, included and bill in exact cents."""
    return twin(web)


async def _change(request: Request, web: Web) -> Response:
    try:
        sent = money.loads(await request.body() or b"{}")  # exact: 39.99 stays 39.99
    except ValueError:
        raise HTTPException(400, "the body must be a JSON object") from None
    if not isinstance(sent, dict):
        raise HTTPException(400, 'the body must be a JSON object such as {"seat_price": "40"}')
    errors = await run_in_threadpool(_save, web, sent)
    if errors:
        field, message = next(iter(errors.items()))
        return JSONResponse({"error": "bad_request", "message": message, "field": field,
                             "errors": errors}, status_code=400)  # fmt: skip
    return JSONResponse(await run_in_threadpool(twin, web))


BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False,
            "properties": {
                billing.SEAT_PRICE: {"anyOf": [{"type": "string"}, {"type": "number"},
                                               {"type": "null"}],
                                     "description": "US dollars per seat and billing cycle."},
                billing.SEAT_PLAN: {"anyOf": [{"type": "string"}, {"type": "null"}]},
                billing.IDLE_DAYS: {"anyOf": [{"type": "integer"}, {"type": "string"},
                                              {"type": "null"}]},
                **{name: {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}],
                          "description": "US dollars per Copilot seat and month."}
                   for name in (billing.COPILOT_BUSINESS, billing.COPILOT_ENTERPRISE)},
            },
        }}},
    }
}  # fmt: skip
"""The JSON body the change routes read themselves (exactly: a number is never a float)."""


@router.put("/api/billing", openapi_extra=BODY)
async def api_put(request: Request, _user: Admin, web: State) -> Response:
    """Change the settings the JSON object names (``seat_price`` in US dollars as a decimal
    string or number, ``seat_plan``, ``idle_days``; ``null`` or ``""``: back to the default);
    the others stay. A bad value changes nothing: 400 ``{"error", "message", "field"}``."""
    return await _change(request, web)


@router.post("/api/billing", openapi_extra=BODY)
async def api_post(request: Request, _user: Admin, web: State) -> Response:
    """As ``PUT``."""
    return await _change(request, web)
