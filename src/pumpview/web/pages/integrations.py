"""Settings → Integrations: connect Cursor, Claude Code or GitHub Copilot, watch the backfill,
sync now, disconnect.

Viewers see each integration's status; only admins see the forms and the buttons, and only
admins' requests reach the actions (``_user: Admin``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from pumpview.errors import (
    AuthError,
    BadRequestError,
    PumpViewError,
    UpstreamError,
    UserInputError,
)
from pumpview.integrations import providers, runner
from pumpview.integrations.cursor import NAME
from pumpview.reports import integrations as report
from pumpview.reports.plain import plain
from pumpview.web import security
from pumpview.web.security import Admin, Viewer
from pumpview.web.state import State, Web

router = APIRouter(
    route_class=security.Gated, tags=["Settings · Integrations"]
)  # its group in /docs
PAGE = "/settings/integrations"


CONNECTS = {
    "cursor": ("Cursor", "Cursor's usage, per person and model, through the read-only Admin API. "
               "A Team Admin creates the key in Cursor (Settings → Advanced → Admin API Keys; "
               "Enterprise plans).", "Team name", "One per Cursor team"),
    "claude-code": ("Claude Code", "Claude Code's usage per person, model and day (Anthropic's "
                    "estimates at list price), its activity, and what Anthropic bills the "
                    "organisation per day, through the Admin API. An organisation admin creates "
                    "an Admin API key (sk-ant-admin…) in the Claude Console (Settings → Admin "
                    "keys).", "Organisation name", "One per Anthropic organisation"),
    "copilot": ("GitHub Copilot", "GitHub Copilot's billed usage per person (premium requests "
                "or AI credits), its seats and its usage metrics, through GitHub's REST API, "
                "read-only. An organisation owner creates a token: a classic one (ghp_…) with "
                "manage_billing:copilot and read:org, or a fine-grained one (github_pat_…) with "
                "the organisation permissions Administration, GitHub Copilot Business and "
                "Organization Copilot metrics (read).", "Display name",
                "One per GitHub organisation"),
}  # fmt: skip
"""Each provider's Connect card: its label, what it reads and which key, what its display name
names, and what one integration is. A provider whose key reads several accounts
(``Provider.needs_org``: GitHub Copilot) asks for the organisation too (``NEEDS_ORG``)."""
NEEDS_ORG = frozenset({"copilot"})
KEY_LABELS = {"cursor": "Admin API key", "claude-code": "Claude Code Admin API key",
              "copilot": "GitHub token"}  # fmt: skip
"""What each Connect card calls the key it asks for."""
"""The Connect cards with an organisation field: ``providers.provider(p).needs_org``, named here
so that rendering the page loads no provider's modules."""


def _free_name(taken: set[str], base: str = NAME) -> str:
    """The name a Connect form suggests: the provider's (``cursor``), else the first free
    ``cursor-N``, so "Add another Cursor team" adds one rather than offering the first's."""
    return next(n for n in (base, *(f"{base}-{i}" for i in range(2, 100))) if n not in taken)


def _page(
    request: Request,
    web: Web,
    notice: str | None = None,
    shown: list[report.Integration] | None = None,
    **form: Any,
) -> Response:
    """The cards and the Connect form; ``shown`` when the caller has the listing already."""
    if shown is None:
        shown = report.listing(web.engine, web.vault, web.clock())
    taken = {i.name for i in shown}
    provider = form.get("provider", "cursor")
    forms = {p: {"provider": p, "name": _free_name(taken, p)} for p in CONNECTS}
    forms[provider] = {**forms[provider], **form}
    context = {"integrations": shown, "notice": notice, "form": forms["cursor"],
               "forms": forms, "connects": CONNECTS, "labels": providers.LABELS,
               "apis": providers.APIS, "needs_org": NEEDS_ORG,
               "key_labels": KEY_LABELS}  # fmt: skip
    return web.page(request, "integrations.html", context)


@router.get(PAGE)
def page(
    request: Request,
    _user: Viewer,
    web: State,
    disconnected: str | None = None,
    deleted: str | None = None,
    reconnect: str | None = None,
) -> Response:
    """The cards; after a disconnect or a delete, a notice saying what was done (the action
    redirects here with its name); ``?reconnect=NAME`` opens the Connect form for that
    integration, its name and team name filled in."""
    listed = report.listing(web.engine, web.vault, web.clock())
    shown = {i.name: i for i in listed}
    notice = None
    if disconnected in shown:
        was = shown[disconnected]
        notice = (
            f"Disconnected {was.display_name}: its key is forgotten and its data kept; its figures "
            "stop updating until it is reconnected."
        )
    elif deleted and deleted not in shown and providers.NAME_PATTERN.fullmatch(deleted):
        notice = f"Deleted the integration {deleted} and all its data."
    if reconnect in shown:
        again = shown[reconnect]
        return _page(request, web, notice=notice, shown=listed, name=again.name,
                     team_name=again.team_name or "", open=True, org=again.account or "",
                     reconnect=again.display_name, provider=again.provider)  # fmt: skip
    return _page(request, web, notice=notice, shown=listed)


@router.get("/api/integrations")
def api(user: Viewer, web: State) -> list[dict[str, Any]]:
    """Each integration as its card shows it; ``progress`` while a sync runs (the line the card
    shows, which the page's script puts in place as the sync moves). The run's ``owner`` (the
    host name and process id running the sync) is for admins only, ``null`` for viewers."""
    return [_twin(i, user.is_admin) for i in report.listing(web.engine, web.vault, web.clock())]


def _twin(i: report.Integration, admin: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {name: plain(value) for name, value in asdict(i).items()}
    if shown["run"] is not None and not admin:
        shown["run"] = {**shown["run"], "owner": None}
    progress = None if i.progress is None else {**asdict(i.progress), "line": i.progress.line}
    return {**shown, "display_name": i.display_name, "syncing": i.syncing, "progress": progress}


def _field_of(exc: PumpViewError) -> str:
    """Which field an error belongs next to: the error says so (``UserInputError.field``), and
    a key Cursor refused is the key's."""
    if isinstance(exc, AuthError):
        return "api_key"
    if isinstance(exc, UserInputError) and exc.field:
        return exc.field
    return "general"


def _web_message(exc: PumpViewError, label: str = "Cursor") -> str:
    """What a person at the page reads: never a CLI command."""
    if isinstance(exc, UserInputError):
        return exc.web
    if isinstance(exc, BadRequestError):  # a refusal that says why (GitHub's 404, 410...)
        return str(exc)
    if isinstance(exc, UpstreamError) and not isinstance(exc, AuthError):
        return f"{label} is unreachable or rate limiting; try again in a minute. ({exc})"
    return str(exc)


@router.post(PAGE)
@router.post(f"{PAGE}/connect", include_in_schema=False)  # the form's address before
def connect(
    request: Request,
    _user: Admin,
    web: State,
    api_key: Annotated[str, Form()] = "",
    team_name: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    provider: Annotated[str, Form()] = "cursor",
    org: Annotated[str, Form()] = "",
) -> Response:
    """Verify the key, store it sealed and start the backfill; or show the form again, its
    errors at their fields (the key never echoed). ``org`` is for GitHub Copilot only: the
    organisation its token reads. The form posts to the page's own address and a refusal answers
    200: a form to correct is not a failed request (a 400 lands in the browser's console as
    "Failed to load resource"), and the address stays the page's."""
    if provider not in CONNECTS:
        raise HTTPException(400, f"no provider named {provider}")
    name = name.strip() or provider
    chosen = providers.provider(provider)
    account: dict[str, Any] = {"org": org.strip()} if chosen.needs_org else {}
    try:
        chosen.connect(
            web.engine, web.vault, api_key.strip(), base_url=web.settings.upstream_url(provider),
            team_name=team_name.strip() or None, name=name, now_ms=web.clock(),
            pacing=web.settings.rate_limit, **account,
        )  # fmt: skip
    except (UserInputError, UpstreamError) as exc:
        errors = {_field_of(exc): _web_message(exc, CONNECTS[provider][0])}
        return _page(request, web, name=name, team_name=team_name, errors=errors, open=True,
                     provider=provider, **account)  # fmt: skip
    web.syncs.start(name)
    return RedirectResponse(PAGE, status_code=303)


def _start_sync(web: Web, name: str) -> bool:
    """Start a sync of ``name`` in the background; a 404 if no integration has that name."""
    if name not in {i.name for i in report.listing(web.engine, web.vault, web.clock())}:
        raise HTTPException(404, f"no integration named {name}")
    return web.syncs.start(providers.check_name(name))


@router.post("/api/integrations/{name}/sync", status_code=202)
def api_sync(name: str, _user: Admin, web: State) -> dict[str, Any]:
    """For scripts: start a sync of ``name`` in the background (its run shows in the twin)."""
    return {"integration": name, "started": _start_sync(web, name)}


@router.post(PAGE + "/{name}/sync")
def sync_now(name: str, _user: Admin, web: State) -> Response:
    _start_sync(web, name)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{name}/disconnect")
def disconnect(
    request: Request,
    name: str,
    _user: Admin,
    web: State,
    data: Annotated[str, Form()] = "keep",
) -> Response:
    """Forget the key (``data=delete``: the data too), after stopping a sync running on it."""
    try:
        runner.disconnect(
            web.engine, providers.check_name(name), purge=data == "delete", clock=web.clock
        )
    except UserInputError as exc:
        return _page(request, web, errors={"general": exc.web})
    done = "deleted" if data == "delete" else "disconnected"
    return RedirectResponse(f"{PAGE}?{urlencode({done: name})}", status_code=303)


@router.post(PAGE + "/{name}/delete")
def delete_data(
    request: Request,
    name: str,
    _user: Admin,
    web: State,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Delete a disconnected integration and every row synced from it, once the admin ticked
    the box that confirms it."""
    if confirm != "yes":
        message = "Nothing was deleted: tick the box to confirm that the data goes for good."
        return _page(request, web, errors={"general": message})
    try:
        runner.disconnect(web.engine, providers.check_name(name), purge=True, clock=web.clock)
    except UserInputError as exc:
        return _page(request, web, errors={"general": exc.web})
    return RedirectResponse(f"{PAGE}?{urlencode({'deleted': name})}", status_code=303)
