"""What the web app holds while it runs, built once by ``create_app`` and hung off
``app.state.web``: the settings, the store, the vault, the cookie signer and the sign-in
throttle, the background syncs and import, the schedule, the templates and the present. A route
declares it as a parameter, ``web: State``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from pumpview.reports.billing import Billing, resolve
from pumpview.settings import Settings
from pumpview.timeutil import Clock
from pumpview.vault import Vault
from pumpview.web.guards import Signer, Throttle
from pumpview.web.imports import Imports
from pumpview.web.schedule import Schedule
from pumpview.web.syncs import Syncs


@dataclass
class Web:
    settings: Settings
    engine: Engine
    vault: Vault
    signer: Signer
    throttle: Throttle
    syncs: Syncs
    schedule: Schedule
    """The scheduled syncs and alert checks, run by one server of those on the store."""
    imports: Imports
    templates: Jinja2Templates
    clock: Clock
    """The present every page and action reads (``PUMPVIEW_NOW`` fixes it)."""

    def billing(self) -> Billing:
        """The billing settings in force: Settings → Billing's over the ``PUMPVIEW_*`` defaults.
        Every page, twin and download that prices seats reads them here."""
        with self.engine.connect() as conn:
            return resolve(conn, self.settings.billing)

    def page(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        """Render template ``name`` with ``context``; what every page needs besides (the user,
        the CSRF token) the templates' context processor adds (``security.for_templates``)."""
        if context.get("range_error"):  # the page, its range control saying what was wrong
            status = 400
        return self.templates.TemplateResponse(request, name, context, status_code=status)


def web_of(request: Request) -> Web:
    """The app's state, for what runs outside a route's parameters (middleware, security's
    helpers, the data pages' ``params.around``)."""
    web: Web = request.app.state.web
    return web


async def _state(request: Request) -> Web:
    # A coroutine, not a function: FastAPI runs a plain function dependency in a worker thread,
    # a round trip for what is an attribute lookup.
    return web_of(request)


State = Annotated[Web, Depends(_state)]
"""A route's parameter for the app's state (``web: State``)."""
