"""``create_app(settings)``: the web app, built from settings when called, never at import.

The store, the vault, the cookie signer, the sign-in throttle, the background syncs and
import, the schedule and the templates hang off ``app.state.web`` (``state.Web``); a route
declares them as a parameter, ``web: State``.
Errors answer in kind: JSON ``{"error", "message"}`` under ``/api``, a page elsewhere.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pumpview.errors import UserInputError
from pumpview.money import format_dollars
from pumpview.reports.integrations import progress_of
from pumpview.settings import Settings, private_home
from pumpview.timeutil import from_ms
from pumpview.visible import for_page
from pumpview.web import security
from pumpview.web.guards import Signer, Throttle
from pumpview.web.imports import Imports
from pumpview.web.pages import (
    activity,
    alerts,
    anomalies,
    auth,
    billing,
    budgets,
    data_sources,
    docs,
    export,
    integrations,
    model,
    overview,
    people_models,
    people_settings,
    person,
    reconciliation,
    reports,
    seats,
    spend,
    users,
)
from pumpview.web.schedule import Schedule
from pumpview.web.state import Web
from pumpview.web.syncs import Syncs

HERE = Path(__file__).parent
ROOMS = (alerts, anomalies, auth, billing, budgets, data_sources, docs, export, integrations,
         model, overview, people_models, people_settings, person, reconciliation, reports, seats,
         spend, users, activity)  # fmt: skip
"""The pages' routers, in the order they match: ``people_models`` before ``person``, whose
``/people/{email}`` would take ``/people/models``."""


def create_app(settings: Settings) -> FastAPI:
    """The app on ``settings``' store; its lifespan ticks the schedule (scheduled syncs and
    alert checks), whose work the one server holding its lease does."""
    private_home(settings)
    engine = settings.open_store()
    vault = settings.vault()
    syncs = Syncs(settings, engine)
    templates = Jinja2Templates(
        directory=HERE / "templates", context_processors=[security.for_templates]
    )
    templates.env.finalize = visible
    templates.env.filters.update(dollars=format_dollars, when=when, cell=cell, kind=kind,
                                 amount=amount, progress=progress_of, moment=moment)  # fmt: skip
    templates.env.globals.update(link=link, person_path=person_path, model_path=model_path)
    web = Web(
        settings=settings, engine=engine, vault=vault,
        signer=Signer(vault.derive("web cookies")), throttle=Throttle(engine, settings.clock),
        syncs=syncs, schedule=Schedule(syncs, engine, settings.clock, settings.sync_interval),
        imports=Imports(settings), templates=templates, clock=settings.clock,
    )  # fmt: skip

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The app's long-lived objects (modules, routes, templates) out of the collector's way:
        # a full collection over them paused a request now and then by 50 ms (p95 91 -> 44 ms).
        gc.collect()
        gc.freeze()
        if settings.sync_interval is not None:  # ticks everywhere, works where it holds the lease
            web.schedule.start()
        yield
        # Waits for the schedule, then the sync and import processes, to stop, off the loop,
        # which runs on.
        await asyncio.to_thread(web.schedule.close)
        await asyncio.gather(asyncio.to_thread(syncs.close), asyncio.to_thread(web.imports.close))

    app = FastAPI(
        title="Pump View", docs_url=None, redoc_url=None, openapi_url=None, openapi_tags=docs.TAGS,
        dependencies=[Depends(security.check_csrf)], lifespan=lifespan,
    )  # fmt: skip
    app.state.web = web
    app.add_middleware(security.BodyLimit)  # inside protect: its 413s carry the headers too
    app.middleware("http")(security.protect)
    if settings.trusted_proxies:  # outermost: the throttle and the cookies see the client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for pages in ROOMS:
        app.include_router(pages.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(security.NotSignedIn)
    async def not_signed_in(request: Request, _exc: security.NotSignedIn) -> Response:
        if request.url.path.startswith("/api/") or "authorization" in request.headers:
            return _error(401, "unauthorized", "Sign in, or send Authorization: Bearer TOKEN.")
        return RedirectResponse(_sign_in_first(request), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = str(exc.detail)
        answer: Response
        if request.url.path.startswith("/api/"):
            answer = _error(exc.status_code, _ERRORS.get(exc.status_code, "error"),
                                      message)  # fmt: skip
        else:
            answer = web.page(request, "error.html", {"message": message}, status=exc.status_code)
        answer.headers.update(_headers(request, exc))  # a 405's Allow
        return answer

    @app.exception_handler(Exception)
    async def failed(request: Request, _exc: Exception) -> Response:
        """A fault of ours: a plain 500 with the security headers (it is answered outside the
        middleware that adds them to every other response). The log has the traceback."""
        message = "Something went wrong on the server; its log says what."
        if request.url.path.startswith("/api/"):
            answer: Response = _error(500, "internal_error", message)
        else:
            answer = HTMLResponse(f"<!doctype html><title>Error</title><p>{message}</p>", 500)
        answer.headers.update(security.HEADERS)
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        """A parameter of the wrong shape: say which, never FastAPI's raw list."""
        said = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
        return await http_error(request, HTTPException(400, said or "invalid request"))

    @app.exception_handler(UserInputError)
    async def bad_input(request: Request, exc: UserInputError) -> Response:
        """A report asked for what is not there (an unknown team): a 400 saying so."""
        return await http_error(request, HTTPException(400, exc.web))

    return app


def _headers(request: Request, exc: HTTPException) -> dict[str, str]:
    """An error's headers; a 405's ``Allow`` names the methods of every route of the path
    (``GET`` for everyone, ``PUT`` for admins), where Starlette names the first route's.
    The pages' own routes are read: the app keeps each included router whole."""
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        path = request.url.path
        methods = {
            method
            for pages in ROOMS
            for route in pages.router.routes
            if isinstance(route, APIRoute) and route.path_regex.match(path)
            for method in route.methods or ()
        }
        headers["Allow"] = ", ".join(sorted(methods))
    return headers


def visible(value: object) -> object:
    """Every value a template prints, with its control characters shown as U+FFFD (as the CLI
    does), so user and upstream text cannot reorder or hide what a page shows; markup the
    templates built (``tojson``, whose JSON escapes them) passes as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return for_page(value)
    return value


def link(request: Request, path: str | None = None, **changes: object) -> str:
    """``path`` (the page's own by default) with the page's query string and ``changes`` (a
    ``None`` drops a parameter): links keep the range and the team filter."""
    params = [(k, v) for k, v in request.query_params.multi_items()
              if k not in changes and k != "format"]  # fmt: skip
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{path or request.url.path}?{urlencode(params)}" if params else path or "."


def _sign_in_first(request: Request) -> str:
    """The sign-in page, to come back to this page after it with its query (a shared link
    keeps its range), the query's own ``&`` and ``=`` quoted inside ``next``."""
    query = request.url.query
    target = f"{request.url.path}?{query}" if query else request.url.path
    return f"/sign-in?next={quote(target, safe='/@')}"


def person_path(email: str | None) -> str:
    """A person's page; ``-`` is the unattributed bucket's."""
    return f"/people/{quote(email or '-', safe='@')}"


def model_path(model: str) -> str:
    return f"/models/{quote(model, safe='')}"


def when(ms: int | None) -> str:
    return "never" if ms is None else from_ms(ms).strftime("%Y-%m-%d %H:%M UTC")


def moment(ms: int) -> str:
    """An instant as a day, with its time when it is not midnight (a billing cycle's start:
    ``2026-12-01``, ``2026-12-01 17:23 UTC``)."""
    at = from_ms(ms)
    if (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0):
        return at.date().isoformat()
    return at.strftime("%Y-%m-%d %H:%M:%S UTC" if at.second else "%Y-%m-%d %H:%M UTC")


def kind(column: str) -> str:
    """A column's CSS class: numbers align right."""
    numeric = column.endswith(
        ("_cents", "_cost", "_tokens", "_requests", "_share", "events", "users", "members",
         "_percent", "_dollars")
    )  # fmt: skip
    return "num" if numeric or column.startswith("cents_per") else ""


UNIT_PLACES = 4
"""Unit costs (per request, per 1M tokens) in dollars to a hundredth of a cent, whatever their
size: one rule, so a column's decimal points line up and cheap models still differ."""


def cell(value: object, column: str, currency: str | None = None) -> str:
    """A plain report value (``reports.plain``) as a table shows it; a cloud amount (``*_cost``)
    in ``currency``, its row's."""
    if value is None:
        return "—"
    if column.endswith("_share"):
        return f"{Decimal(str(value)) * 100:.1f}%"
    if column.startswith("cents_per"):
        return format_dollars(Decimal(str(value)), UNIT_PLACES)
    if column.endswith("_cents"):
        return format_dollars(Decimal(str(value)))
    if column.endswith("_dollars"):
        return format_dollars(Decimal(str(value)).scaleb(2))
    if column.endswith("_percent"):
        return f"{Decimal(str(value)):.1f}%"
    if column.endswith("_cost"):
        return amount(value, currency) if currency else f"{Decimal(str(value)):,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def amount(value: object, currency: str) -> str:
    """A cloud amount (currency units, plain or Decimal) with its currency, rounded to cents
    for people: ``$1,522.55``, ``1,522.55 EUR``."""
    figure = f"{Decimal(str(value)):,.2f}"
    if currency == "USD":
        return f"-${figure[1:]}" if figure.startswith("-") else f"${figure}"
    return f"{figure} {currency}"


_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
           413: "too_large", 429: "too_many_requests"}  # fmt: skip


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)
