"""Alerts (everyone: each alert, when, its rule, its message and where it went) and Settings →
Notifications (admins: the channels alerts go to; add one, send it a test, remove it).

Viewers see the alerts, not the channels: a channel's name and host say little to them, and its
secrets are never shown to anyone. Adding a channel sends it a test message first; a channel
that does not take it is not saved, the error at its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, HTTPException, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pumpview.alerts import channels as manage
from pumpview.alerts.delivery import make_http
from pumpview.alerts.evaluate import run
from pumpview.alerts.outcome import Outcome
from pumpview.alerts.rows import TITLES, alert_row, channel_row
from pumpview.errors import UserInputError
from pumpview.store import alerts as store
from pumpview.store import channels as stored
from pumpview.store.channels import Channel
from pumpview.web import security
from pumpview.web.params import MAX_ID
from pumpview.web.security import Admin, Viewer
from pumpview.web.state import State, Web

router = APIRouter(route_class=security.Gated)
ChannelId = Annotated[int, Path(ge=1, le=MAX_ID, description="The channel's id.")]
"""A channel's id in a path: a whole number the store's integer key can hold."""
ALERTS, CHANNELS = "Alerts", "Settings · Notifications"
"""The groups of ``/docs`` the routes are listed in."""
PAGE = "/alerts"
SETTINGS = "/settings/notifications"
SECRET_FIELDS = ("url", "secret", "password")
"""What a form never shows again, even after an error: the admin types it anew."""


def _alerts(web: Web) -> list[dict[str, Any]]:
    with web.engine.connect() as conn:
        return [alert_row(a) for a in store.listing(conn)]


@router.get(PAGE)
def page(request: Request, _user: Viewer, web: State, checked: int | None = None) -> Response:
    """Every alert, newest first, with its deliveries."""
    notice = None
    if checked is not None:
        notice = {0: "No new alerts.", 1: "1 new alert, listed first."}.get(
            checked, f"{checked} new alerts, listed first."
        )
    return web.page(request, "alerts.html",
                    {"alerts": _alerts(web), "notice": notice, "titles": TITLES})  # fmt: skip


@router.get("/api/alerts", tags=[ALERTS])
def api_alerts(_user: Viewer, web: State) -> list[dict[str, Any]]:
    """Every alert, newest first: ``{id, rule, budget_id, scope, scope_value, period,
    threshold, day, created_at, message, deliveries: [{channel, status, attempts}]}``."""
    return _alerts(web)


def _check(web: Web) -> list[dict[str, Any]]:
    created, _sent = run(web.engine, web.vault, web.clock(), base_url=web.settings.base_url,
                         defaults=web.settings.billing)  # fmt: skip
    return [alert_row(a) for a in created]


@router.post("/api/alerts/check", tags=[ALERTS])
def api_check(_user: Admin, web: State) -> list[dict[str, Any]]:
    """Evaluate every rule now and deliver what is due; the alerts this created."""
    return _check(web)


@router.post(f"{PAGE}/check", include_in_schema=False)
def check_now(_user: Admin, web: State) -> Response:
    return RedirectResponse(f"{PAGE}?checked={len(_check(web))}", status_code=303)


# -- Settings → Notifications -----------------------------------------------------------------


def _channels(web: Web) -> list[Channel]:
    with web.engine.connect() as conn:
        return stored.listing(conn)


def _settings_page(
    request: Request,
    web: Web,
    *,
    notice: str | None = None,
    made_secret: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    context = {"channels": _channels(web), "notice": notice, "made_secret": made_secret,
               "form": form or {}}  # fmt: skip
    return web.page(request, "notifications.html", context)


@router.get(SETTINGS)
def settings_page(
    request: Request, _user: Admin, web: State, added: str | None = None,
    removed: str | None = None,
) -> Response:  # fmt: skip
    notice = None
    if added is not None:
        notice = f"Added {added}: the test message was delivered."
    elif removed is not None:
        notice = f"Removed {removed}."
    return _settings_page(request, web, notice=notice)


def _add(web: Web, fields: dict[str, Any]) -> tuple[Channel, str | None]:
    with make_http() as http:
        return manage.add(web.engine, web.vault, fields, web.clock(), http,
                          base_url=web.settings.base_url)  # fmt: skip


@router.post(SETTINGS, include_in_schema=False)
def add(
    request: Request,
    _user: Admin,
    web: State,
    kind: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "",
    host: Annotated[str, Form()] = "",
    port: Annotated[str, Form()] = "",
    smtp_security: Annotated[str, Form(alias="security")] = "starttls",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    sender: Annotated[str, Form()] = "",
    recipients: Annotated[str, Form()] = "",
) -> Response:
    """Add a channel after a test message reached it; or the form again, its error at its
    field (200: a form to correct, as Settings → Integrations answers)."""
    fields = {"kind": kind, "name": name, "url": url, "secret": secret, "host": host,
              "port": port, "security": smtp_security, "username": username, "password": password,
              "sender": sender, "recipients": recipients}  # fmt: skip
    try:
        channel, made = _add(web, fields)
    except UserInputError as exc:
        shown = {k: v for k, v in fields.items() if k not in SECRET_FIELDS}
        said = exc.web[:1].upper() + exc.web[1:]  # a sentence on the page
        form = {**shown, "errors": {exc.field or "general": said}}
        return _settings_page(request, web, form=form)
    if made is not None:
        notice = f"Added {channel.name}: the test message was delivered, signed with this secret."
        return _settings_page(request, web, notice=notice, made_secret=made)
    return RedirectResponse(f"{SETTINGS}?added={channel.name}", status_code=303)


def _send_test(web: Web, channel_id: int) -> Outcome:
    with make_http() as http:
        try:
            return manage.send_test(web.engine, web.vault, channel_id, web.clock(), http,
                                    base_url=web.settings.base_url)  # fmt: skip
        except LookupError:
            raise HTTPException(404, f"no channel {channel_id}") from None


@router.post(SETTINGS + "/{channel_id}/test", include_in_schema=False)
def send_test_page(request: Request, channel_id: ChannelId, _user: Admin, web: State) -> Response:
    outcome = _send_test(web, channel_id)
    channel = next(c for c in _channels(web) if c.id == channel_id)
    if outcome.ok:
        notice = f"A test message was delivered to {channel.name}."
        return _settings_page(request, web, notice=notice)
    form = {"errors": {"general": f"The test message to {channel.name} was not delivered: "
                                  f"{outcome.error}."}}  # fmt: skip
    return _settings_page(request, web, form=form)


@router.post(SETTINGS + "/{channel_id}/remove", include_in_schema=False)
def remove(channel_id: ChannelId, _user: Admin, web: State) -> Response:
    found = next((c for c in _channels(web) if c.id == channel_id), None)
    if found is None or not manage.remove(web.engine, channel_id):
        raise HTTPException(404, f"no channel {channel_id}")
    return RedirectResponse(f"{SETTINGS}?removed={found.name}", status_code=303)


@router.get("/api/channels", tags=[CHANNELS])
def api_channels(_user: Admin, web: State) -> list[dict[str, Any]]:
    """Every channel without its secrets (a URL shows as its host), with its last delivery
    (``{status, at, error}``, ``null`` before the first)."""
    return [channel_row(c) for c in _channels(web)]


@router.post("/api/channels", status_code=201, tags=[CHANNELS])
def api_add(_user: Admin, web: State, body: Annotated[dict[str, Any], Body()]) -> Response:
    """Add a channel, verified by a test message: ``{kind: "slack"|"webhook", name, url,
    secret}`` (a webhook's ``secret``, ``whsec_<base64>``, is made when not given and returned
    here once, as ``secret``) or ``{kind: "email", name, host, port, security:
    "starttls"|"tls"|"none", username, password, sender, recipients}``. Nothing is saved when
    the test fails (400, ``{"error", "message", "field"}``)."""
    try:
        channel, made = _add(web, body)
    except UserInputError as exc:
        answer = {"error": "bad_request", "message": exc.web, "field": exc.field}
        return JSONResponse(answer, status_code=400)
    shown = channel_row(channel)
    if made is not None:
        shown["secret"] = made
    return JSONResponse(shown, status_code=201)


@router.post("/api/channels/{channel_id}/test", tags=[CHANNELS])
def api_test(channel_id: ChannelId, _user: Admin, web: State) -> Response:
    """Send the channel a test message now: 200 ``{id, name, sent: true, status_code}``, or
    502 ``{"error", "message"}`` saying why it was not delivered."""
    outcome = _send_test(web, channel_id)
    channel = next(c for c in _channels(web) if c.id == channel_id)
    if not outcome.ok:
        message = f"the test message to {channel.name} was not delivered: {outcome.error}"
        return JSONResponse({"error": "not_delivered", "message": message}, status_code=502)
    return JSONResponse({"id": channel.id, "name": channel.name, "sent": True,
                         "status_code": outcome.status_code})  # fmt: skip


@router.delete("/api/channels/{channel_id}", tags=[CHANNELS])
def api_remove(channel_id: ChannelId, _user: Admin, web: State) -> dict[str, Any]:
    """Remove a channel (its pending deliveries with it)."""
    if not manage.remove(web.engine, channel_id):
        raise HTTPException(404, f"no channel {channel_id}")
    return {"id": channel_id, "removed": True}
