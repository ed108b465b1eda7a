"""``/orgs/{org}/copilot/billing/seats``: every Copilot seat of the organisation, paged by the
``link`` header (the body is an object, ``{total_seats, seats}``: the reference's §3.2), kept in
``copilot_seats`` one row per login. Transforms are pure.

A seat whose ``assignee`` is null (a deleted user) is skipped; a user holding seats through two
teams is one row, the seat with the latest activity (as copilot-metrics-viewer dedupes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Connection

from pumpview.errors import BadResponse
from pumpview.integrations.copilot.client import SEATS_PATH, GitHubClient, route_path
from pumpview.store import tables
from pumpview.store.write import upsert
from pumpview.timeutil import to_ms

PER_PAGE = 100
"""The documented maximum (the default is 50)."""
MAX_PAGES = 10_000


@dataclass(frozen=True)
class Seat:
    login: str
    user_id: int | None
    email: str | None
    """``assignee.email``: the public profile email, usually null (never relied on alone)."""
    plan_type: str | None
    created_at_ms: int | None
    pending_cancellation_date: date | None
    last_activity_at_ms: int | None


def pages(client: GitHubClient, org: str) -> Iterator[list[dict[str, Any]]]:
    """The seats a page at a time, following ``link: <…>; rel="next"`` until it is absent."""
    path = route_path(SEATS_PATH, org=org)
    page = 1
    seen: set[int] = set()
    while len(seen) < MAX_PAGES:
        seen.add(page)
        payload = client.get(path, {"per_page": PER_PAGE, "page": page})
        if not isinstance(payload, dict) or not isinstance(payload.get("seats"), list):
            msg = f"unexpected {SEATS_PATH} answer: no seats list"
            raise BadResponse(msg)
        yield payload["seats"]
        following = next_page(client.last_link)
        if following is None:
            return
        if following in seen:
            msg = f"{SEATS_PATH} linked back to page {following}; the seats were not stored"
            raise BadResponse(msg)
        page = following
    msg = f"{SEATS_PATH} had more than {MAX_PAGES} pages"
    raise BadResponse(msg)


def next_page(link: str | None) -> int | None:
    """The ``page`` of a ``link`` header's ``rel="next"`` URL, or ``None`` (the last page)."""
    for part in (link or "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel.replace(" ", ""):
            query = parse_qs(urlsplit(url.strip().strip("<>")).query)
            pages_ = query.get("page", [])
            if pages_ and pages_[0].isdigit():
                return int(pages_[0])
    return None


def to_seats(records: list[dict[str, Any]]) -> list[Seat]:
    """A page's seats; those without an assignee are skipped."""
    out = []
    for record in records:
        if not isinstance(record, dict):
            msg = "a Copilot seat is not an object"
            raise BadResponse(msg)
        assignee = record.get("assignee")
        if not isinstance(assignee, dict) or not isinstance(assignee.get("login"), str):
            continue
        user_id = assignee.get("id")
        email = assignee.get("email")
        plan = record.get("plan_type")
        cancel = record.get("pending_cancellation_date")
        out.append(
            Seat(
                login=assignee["login"],
                user_id=user_id if isinstance(user_id, int) else None,
                email=email if isinstance(email, str) and email else None,
                plan_type=plan if isinstance(plan, str) else None,
                created_at_ms=_ms(record.get("created_at")),
                pending_cancellation_date=date.fromisoformat(cancel[:10])
                if isinstance(cancel, str) and cancel else None,
                last_activity_at_ms=_ms(record.get("last_activity_at")),
            )
        )  # fmt: skip
    return out


def one_per_login(seats: list[Seat]) -> dict[str, Seat]:
    """Login lower-cased -> its seat with the latest activity (then the latest granted)."""
    out: dict[str, Seat] = {}
    for seat in seats:
        key = seat.login.lower()
        had = out.get(key)
        if had is None or _rank(seat) > _rank(had):
            out[key] = seat
    return out


def _rank(seat: Seat) -> tuple[int, int]:
    return (seat.last_activity_at_ms or -1, seat.created_at_ms or -1)


def save(conn: Connection, integration_id: int, seats: dict[str, Seat], now_ms: int) -> None:
    """Upsert the seats listed now; a seat no longer listed keeps its last ``listed_at_ms``."""
    rows = [
        {"integration_id": integration_id, "login": login, "user_id": seat.user_id,
         "plan_type": seat.plan_type, "created_at_ms": seat.created_at_ms,
         "pending_cancellation_date": seat.pending_cancellation_date,
         "last_activity_at_ms": seat.last_activity_at_ms, "listed_at_ms": now_ms}
        for login, seat in sorted(seats.items())
    ]  # fmt: skip
    if rows:
        upsert(conn, tables.copilot_seats, rows, keys=("integration_id", "login"))


def _ms(value: Any) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        msg = f"a Copilot seat has an unreadable time: {value[:40]!r}"
        raise BadResponse(msg) from None
    if when.tzinfo is None:
        msg = f"a Copilot seat's time has no zone: {value[:40]!r}"
        raise BadResponse(msg)
    return to_ms(when)
