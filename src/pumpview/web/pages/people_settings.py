"""Settings → People: who is who (everyone signed in), a mapping CSV previewed then applied, and
an admin's edits of one person (as ``pumpview people``).

The preview keeps the file on the server (``web.pending``: a 2 MB mapping would not pass a form
field) and its form carries the file's id with the fingerprint of what it showed: Apply plans
the file again against the directory as it is then, and goes ahead only if that is still what
the admin saw. Every edit is planned by ``people.plan`` as a file's row would be, so it says
what it did in the same words, and nothing already true is done twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from pumpview.accounts import User
from pumpview.errors import UserInputError
from pumpview.people import mapping as people_mapping
from pumpview.people import plan as people_plan
from pumpview.people.mapping import CellError, MappingFile, row_of
from pumpview.people.person import Person
from pumpview.people.plan import Change, PlanError, Stale
from pumpview.reports import directory as listing
from pumpview.reports import github_logins
from pumpview.reports.person_keys import GITHUB
from pumpview.reports.plain import plain
from pumpview.store import directory
from pumpview.timeutil import parse_day
from pumpview.web import security
from pumpview.web.download import csv_download
from pumpview.web.pending import PendingUploads, holder
from pumpview.web.security import Admin, Viewer
from pumpview.web.state import State, Web

router = APIRouter(
    route_class=security.Gated, tags=["Settings · People"]
)  # tags: its group in /docs
PAGE = "/settings/people"
MAX_BYTES = 2 << 20
"""The largest mapping taken: a few kB per hundred people, so 2 MB is tens of thousands."""
FIELDS = {"aliases": "alias", "valid_to": "valid_from", "person_id": "general"}
"""A plan's column -> the form field its message goes next to (others: their own name)."""


def _page(request: Request, web: Web, status: int = 200, **context: Any) -> Response:
    with web.engine.connect() as conn:
        entries = listing.entries(conn, web.clock.today())
        github = github_logins.unmapped(conn, *_github_days(web))
    editing = context.pop("editing", None)
    context.update(
        entries=entries,
        editing=next((e for e in entries if e.id == editing), None),
        teams=sorted({m.team for e in entries for m in e.memberships}, key=str.casefold),
        history=people_mapping.history,
        own_aliases=people_mapping.own_aliases,
        github=github,
    )
    context.setdefault("errors", {})
    return web.page(request, "people_settings.html", context, status=status)


@router.get(PAGE)
def page(request: Request, user: Viewer, web: State, person: int | None = None) -> Response:
    """Everyone; ``?person=ID`` opens that person's edits (admins)."""
    return _page(request, web, editing=person if user.is_admin else None)


@router.get("/api/directory")
def api(_user: Viewer, web: State, format: Literal["json", "csv"] = "json") -> Any:
    """The page's twin, as ``pumpview people list --format json`` (``csv``: the mapping)."""
    with web.engine.connect() as conn:
        entries = listing.entries(conn, web.clock.today())
    if format == "csv":
        return csv_download(people_mapping.csv_rows(entries), people_mapping.COLUMNS, "people")
    return [listing.as_json(e) for e in entries]


# -- GitHub logins no one is mapped to ---------------------------------------------------------

GITHUB_DAYS = 30
"""The days an unmapped login's Copilot usage is shown over: the last 30, today's included."""
LOGIN = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}")
"""A GitHub login, lower-cased: letters, digits and single inner dashes, at most 39."""


def _github_days(web: Web) -> tuple[Any, Any]:
    today = web.clock.today()
    return today - timedelta(days=GITHUB_DAYS - 1), today


@router.get("/api/github-logins")
def api_github_logins(_user: Viewer, web: State) -> dict[str, Any]:
    """The GitHub logins of Copilot's seats, usage and activity that no alias ties to a person
    (the page's "GitHub logins not mapped to a person"): each with its Copilot usage value in
    cents over the last 30 days, its last day seen and the suggested person's id; and
    ``people``, whom a login can be mapped to (``POST /settings/people/github-login``)."""
    found = github_logins.build(web.engine, *_github_days(web))
    return {
        "since": plain(found.since),
        "until": plain(found.until),
        "logins": [{**plain(g), "key": GITHUB + g.login} for g in found.logins],  # type: ignore[dict-item]
        "people": [{"id": c.id, "name": c.name, "email": c.email} for c in found.people],
    }


@router.post(f"{PAGE}/github-login")
def map_github_login(
    request: Request, _user: Admin, web: State, login: Annotated[str, Form()] = "",
    person_id: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """The GitHub login ``login`` is ``person_id``'s: they get the alias ``github:<login>``, and
    its Copilot usage counts as theirs in every report."""
    login = login.strip().lower()
    if not LOGIN.fullmatch(login):
        message = "That is not a GitHub login (letters, digits and single dashes, at most 39)."
        return _page(request, web, 400, errors={"general": message})
    field = f"github-{login}"
    if not person_id.strip().isdigit():
        return _page(request, web, 400, errors={field: "Choose the person this login is."})
    with web.engine.begin() as conn:
        chosen = {c.id: c for c in github_logins.candidates(conn)}.get(int(person_id))
        if chosen is not None:
            directory.add_aliases(conn, chosen.id, [GITHUB + login], "admin")
    if chosen is None:
        message = "No such person: they may have been removed; choose another."
        return _page(request, web, 400, errors={field: message})
    notice = (f"Mapped the GitHub login {login} to {chosen.label}: its Copilot usage now counts "
              "as theirs.")  # fmt: skip
    return _page(request, web, notice=notice)


# -- a mapping file -----------------------------------------------------------------------------


def _pending(web: Web) -> PendingUploads:
    """The mappings previewed and not yet applied, in the data folder."""
    return PendingUploads(web.settings.home_dir / "pending" / "people")


def _holder(request: Request, user: User) -> str:
    """Whom a previewed mapping is kept for: this user in this session (or with this token)."""
    credential = (request.cookies.get(security.cookie_name(request, security.SESSION_COOKIE))
                  or request.headers.get("authorization", ""))  # fmt: skip
    return holder(user.id, credential)


@router.post(f"{PAGE}/preview")
def preview(
    request: Request, user: Admin, web: State, file: Annotated[UploadFile, File()]
) -> Response:
    """What the uploaded mapping would change; nothing is changed yet."""
    name = (file.filename or "people.csv").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    data = file.file.read(MAX_BYTES + 1)
    try:
        if len(data) > MAX_BYTES:
            msg = f"{name} is larger than 2 MB: is it the people mapping?"
            raise UserInputError(msg)
        mapping = people_mapping.parse(data, name)
        return _preview(request, web, mapping, _holder(request, user))
    except UserInputError as exc:
        return _page(request, web, 400, errors={"file": str(exc)})


def _preview(request: Request, web: Web, mapping: MappingFile, owner: str, status: int = 200,
             upload: str | None = None, **context: Any) -> Response:  # fmt: skip
    """What ``mapping`` would change, its file kept for the Apply (``upload``: kept already)."""
    with web.engine.connect() as conn:
        changes = people_plan.plan(directory.load(conn), mapping)
    if not changes:
        if upload is not None:
            _pending(web).drop(upload)
        notice = f"{mapping.name} changes nothing: the people are already as it says."
        return _page(request, web, notice=notice)
    if upload is None:
        upload = _pending(web).keep(owner, mapping.name, mapping.text, web.clock())
    shown = {
        "name": mapping.name,
        "upload": upload,
        "changes": people_plan.by_line(changes),
        "plan": people_plan.fingerprint(changes),
        "summary": people_plan.summary(changes),
    }
    return _page(request, web, status, preview=shown, **context)  # fmt: skip


@router.post(f"{PAGE}/apply")
def apply(
    request: Request,
    user: Admin,
    web: State,
    upload: Annotated[str, Form()] = "",
    plan: Annotated[str, Form()] = "",
) -> Response:
    """The previewed mapping (kept on the server since its preview), if it still changes what
    the preview showed; applied, it is removed."""
    owner, pending = _holder(request, user), _pending(web)
    try:
        kept = pending.get(upload, owner, web.clock())
        mapping = people_mapping.parse(kept.text, kept.name)
        with web.engine.begin() as conn:
            done = directory.apply(conn, mapping, now_ms=web.clock(), expect=plan)
    except Stale as exc:
        return _preview(request, web, mapping, owner, 409, upload=upload, stale=str(exc))
    except UserInputError as exc:
        return _page(request, web, 400, errors={"file": str(exc)})
    pending.drop(upload)
    notice = f"Applied {len(done)} changes from {mapping.name}: {people_plan.summary(done)}."
    return _page(request, web, notice=notice)


# -- one person ---------------------------------------------------------------------------------

Plan = Callable[[dict[int, Person]], list[Change]]
NEEDED = {"name": "a name", "aliases": "an alias", "team": "a team",
          "day": "the first day out of the team"}  # fmt: skip


def _edit(request: Request, web: Web, person_id: int, make: Plan) -> Response:
    """Plan an admin's edit of one person and make it, saying what it did; a bad value is said
    next to its field."""
    try:
        with web.engine.begin() as conn:
            done = directory.apply(conn, make(directory.load(conn)), now_ms=web.clock())
    except (CellError, PlanError) as exc:
        field = FIELDS.get(exc.column, exc.column)
        return _page(request, web, 400, editing=person_id, errors={field: str(exc)})
    notice = "; ".join(map(str, done)) if done else "Nothing to change: it was so already."
    return _page(request, web, editing=person_id, notice=notice)


def _as_row(person_id: int, needed: str, **cells: str) -> Plan:
    """An edit as a mapping's row would make it, naming its person by id."""

    def make(people: dict[int, Person]) -> list[Change]:
        _need(cells, needed)
        return people_plan.plan(people, [row_of(cells, person_id=person_id)], origin="admin")

    return make


def _need(cells: dict[str, str], column: str) -> str:
    value = cells.get(column, "").strip()
    if not value:
        raise CellError(column, f"give {NEEDED[column]}")
    return value


@router.post(f"{PAGE}/rename")
def rename(
    request: Request, _user: Admin, web: State, person_id: Annotated[int, Form()],
    name: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    return _edit(request, web, person_id, _as_row(person_id, "name", name=name))


@router.post(f"{PAGE}/alias")
def add_alias(
    request: Request, _user: Admin, web: State, person_id: Annotated[int, Form()],
    alias: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Aliases (``;`` between several) for the person, taken from whoever held them, never
    another person's email."""
    return _edit(request, web, person_id, _as_row(person_id, "aliases", aliases=alias))


@router.post(f"{PAGE}/unalias")
def remove_alias(
    request: Request, _user: Admin, web: State, person_id: Annotated[int, Form()],
    alias: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    return _edit(
        request, web, person_id, lambda people: people_plan.unalias(people, person_id, alias)
    )


@router.post(f"{PAGE}/team")
def move(
    request: Request, _user: Admin, web: State, person_id: Annotated[int, Form()],
    team: Annotated[str, Form()] = "", valid_from: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """The person in ``team`` from ``valid_from`` on (empty: since always)."""
    return _edit(request, web, person_id,
                 _as_row(person_id, "team", team=team, valid_from=valid_from))  # fmt: skip


@router.post(f"{PAGE}/leave")
def leave(
    request: Request, _user: Admin, web: State, person_id: Annotated[int, Form()],
    day: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """The person in no team from ``day`` on."""

    def make(people: dict[int, Person]) -> list[Change]:
        try:
            first_day_out = parse_day(_need({"day": day}, "day"))
        except ValueError as exc:
            raise CellError("day", str(exc)) from None
        return people_plan.leave_teams(people, person_id, first_day_out)

    return _edit(request, web, person_id, make)
