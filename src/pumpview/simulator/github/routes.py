"""The billing-usage and seat endpoints as pure functions of the organisation and the query.

Each returns an ``Answer`` or raises ``ApiError``. Faults, the API version, auth, rate limits and
the organisation's visibility are the gate's (``gate.py``); the usage-metrics reports are
``reports.py``'s.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlencode

from pumpview.simulator import jsontext
from pumpview.simulator.github.answer import Answer, ApiError, number
from pumpview.simulator.github.data import MODELS, Organisation, Seat
from pumpview.simulator.github.people import Team, User

BILLING_DOCS = "https://docs.github.com/rest/billing/usage"
API = "https://api.github.com"
SEAT_ZONE = timezone(timedelta(hours=-6))
"""Seat timestamps carry a ``-06:00`` offset, as the documented example does."""
ENTERPRISE_OWNED = (
    "Organization admins for enterprise owned organizations cannot filter usage by user"
)


# -- GET /organizations/{org}/settings/billing/{premium_request|ai_credit}/usage -------------


def billing_usage(org: Organisation, kind: str, params: Mapping[str, str]) -> Answer:
    """One JSON object of usage items over the requested period, summed per model: the period
    is a year, a month or a day; ``user`` narrows it to one login (case-insensitive)."""
    user = params.get("user")
    if user is not None and org.config.enterprise_owned:
        raise ApiError(403, ENTERPRISE_OWNED, BILLING_DOCS)
    today = org.today
    year = _int(params, "year", 1, 9999)
    month = _int(params, "month", 1, 12)
    day = _int(params, "day", 1, 31)
    period: dict[str, int] = {"year": today.year if year is None else year}
    if month is not None:
        period["month"] = month
    if day is not None:
        period["day"] = day
    first, last = _period(
        period["year"],
        month if month is not None else (today.month if day is not None else None),
        day,
    )
    cutoff = date(today.year - 2, today.month, 1)
    if last < cutoff:
        raise ApiError(400, "Usage data is only available for the past 24 months.", BILLING_DOCS)
    wanted_model = params.get("model")
    wanted_product = params.get("product")
    index = None
    if user is not None:
        found = org.by_login.get(user.lower())
        index = found.index if found is not None else -1
    sums: dict[int, list[Decimal]] = {}
    unit = None
    walk = max(first, org.first_day)
    while walk <= min(last, today):
        day_unit = org.unit(walk)
        if (day_unit.allowance_kind == "requests") == (kind == "premium_request"):
            unit = day_unit
            for (who, model), (gross, discount) in org.ledger(walk.year, walk.month)[walk].items():
                if index is None or who == index:
                    total = sums.setdefault(model, [Decimal(0), Decimal(0)])
                    total[0] += gross
                    total[1] += discount
        walk += timedelta(days=1)
    items = []
    for model in sorted(sums):
        name = MODELS[model].name
        if unit is None or (wanted_model is not None and wanted_model.lower() != name.lower()):
            continue
        if wanted_product is not None and wanted_product.lower() != unit.product.lower():
            continue
        gross, discount = sums[model]
        price = unit.price
        items.append(
            {
                "product": unit.product,
                "sku": unit.sku,
                "model": name,
                "unitType": unit.unit_type,
                "pricePerUnit": number(price),
                "grossQuantity": number(gross),
                "grossAmount": number(gross * price),
                "discountQuantity": number(discount),
                "discountAmount": number(discount * price),
                "netQuantity": number(gross - discount),
                "netAmount": number((gross - discount) * price),
            }
        )
    body: dict[str, object] = {"timePeriod": period, "organization": org.config.org}
    for name in ("user", "product", "model"):
        if params.get(name) is not None:
            body[name] = params[name]
    body["usageItems"] = items
    return Answer(200, jsontext.dumps(body))


def _int(params: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    text = params.get(name)
    if text is None:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(400, f"Invalid value for '{name}': {text!r}.", BILLING_DOCS)
    return int(text)


def _period(year: int, month: int | None, day: int | None) -> tuple[date, date]:
    """The first and last day of a year, a month or a day."""
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    following = date(year + month // 12, month % 12 + 1, 1)
    if day is None:
        return date(year, month, 1), following - timedelta(days=1)
    try:
        one = date(year, month, day)
    except ValueError:
        raise ApiError(400, f"Invalid date: {year}-{month:02}-{day:02}.", BILLING_DOCS) from None
    return one, one


# -- GET /orgs/{org}/copilot/billing --------------------------------------------------------


def billing_summary(org: Organisation) -> Answer:
    """The subscription summary, its ``seat_breakdown`` counted from the seats."""
    seats = org.seats()
    cycle = org.today.replace(day=1)
    cycle_ms = int(datetime(cycle.year, cycle.month, 1, tzinfo=UTC).timestamp() * 1000)
    active = sum(
        1 for s in seats if s.last_activity_ms is not None and s.last_activity_ms >= cycle_ms
    )
    body = {
        "seat_breakdown": {
            "total": len(seats),
            "added_this_cycle": sum(1 for s in seats if s.created_ms >= cycle_ms),
            "pending_invitation": 0,
            "pending_cancellation": sum(1 for s in seats if s.pending_cancellation_date),
            "active_this_cycle": active,
            "inactive_this_cycle": len(seats) - active,
        },
        "seat_management_setting": "assign_selected",
        "ide_chat": "enabled",
        "platform_chat": "enabled",
        "cli": "enabled",
        "public_code_suggestions": "block",
        "plan_type": org.config.plan,
    }
    return Answer(200, jsontext.dumps(body))


# -- GET /orgs/{org}/copilot/billing/seats --------------------------------------------------


def seats(org: Organisation, params: Mapping[str, str], url: str) -> Answer:
    """A page of ``{total_seats, seats}`` (``per_page`` default 50, above 100 clamps to 100)
    with the ``link`` header, omitted when every seat fits on one page."""
    every = org.seats()
    per_page = _lenient(params.get("per_page"), 50)
    per_page = min(per_page, 100)
    page = _lenient(params.get("page"), 1)
    pages = max(1, -(-len(every) // per_page))
    shown = every[(page - 1) * per_page : page * per_page]
    body = {"total_seats": len(every), "seats": [seat_json(org, s) for s in shown]}
    headers = {}
    if pages > 1:
        rels = []
        if page > 1:
            rels.append((min(page - 1, pages), "prev"))
        if page < pages:
            rels += [(page + 1, "next"), (pages, "last")]
        if page > 1:
            rels.append((1, "first"))
        query = {k: v for k, v in params.items() if k != "page"}
        headers["link"] = ", ".join(
            f'<{url}?{urlencode({**query, "page": n})}>; rel="{rel}"' for n, rel in rels
        )
    return Answer(200, jsontext.dumps(body), headers)


def _lenient(text: str | None, default: int) -> int:
    """GitHub ignores a paging parameter that is not a positive integer."""
    if text is None or not text.isdigit() or int(text) < 1:
        return default
    return int(text)


# -- GET /orgs/{org}/members/{username}/copilot ---------------------------------------------


def member_seat(org: Organisation, username: str) -> Answer:
    """The newest seat of ``username`` (case-insensitive); 404 for a login without one."""
    user = org.by_login.get(username.lower())
    held = [s for s in org.seats() if user is not None and s.user is user]
    if not held:
        raise ApiError(404, "Not Found")
    return Answer(200, jsontext.dumps(seat_json(org, max(held, key=lambda s: s.created_ms))))


# -- the seat object ------------------------------------------------------------------------


def seat_json(org: Organisation, seat: Seat) -> dict[str, object]:
    """A "Copilot Business Seat Detail" (the reference's §3.2)."""
    out: dict[str, object] = {
        "created_at": _stamp(seat.created_ms),
        "updated_at": _stamp(seat.created_ms),
        "pending_cancellation_date": (
            seat.pending_cancellation_date.isoformat() if seat.pending_cancellation_date else None
        ),
        "last_activity_at": _stamp(seat.last_activity_ms),
        "last_activity_editor": seat.last_activity_editor,
        "last_authenticated_at": _stamp(seat.last_authenticated_ms),
    }
    if seat.plan_type is not None:
        out["plan_type"] = seat.plan_type
    out["assignee"] = _user_json(seat.user) if seat.user is not None else None
    out["assigning_team"] = _team_json(org, seat.team) if seat.team is not None else None
    return out


def _stamp(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=SEAT_ZONE).isoformat(timespec="seconds")


def _user_json(user: User) -> dict[str, object]:
    login, user_url = user.login, f"{API}/users/{user.login}"
    return {
        "login": login,
        "id": user.id,
        "node_id": _node_id("U_kgDO", user.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": user_url,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{user_url}/followers",
        "following_url": f"{user_url}/following{{/other_user}}",
        "gists_url": f"{user_url}/gists{{/gist_id}}",
        "starred_url": f"{user_url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{user_url}/subscriptions",
        "organizations_url": f"{user_url}/orgs",
        "repos_url": f"{user_url}/repos",
        "events_url": f"{user_url}/events{{/privacy}}",
        "received_events_url": f"{user_url}/received_events",
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
        "name": user.name,
        "email": user.public_email,
    }


def _team_json(org: Organisation, team: Team) -> dict[str, object]:
    team_url = f"{API}/organizations/{org.id}/team/{team.id}"
    return {
        "id": team.id,
        "node_id": _node_id("T_kwDO", team.id),
        "url": team_url,
        "html_url": f"https://github.com/orgs/{org.config.org}/teams/{team.slug}",
        "name": team.name,
        "slug": team.slug,
        "description": f"The {team.name} team",
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{team_url}/members{{/member}}",
        "repositories_url": f"{team_url}/repos",
        "type": "organization",
        "organization_id": int(org.id),
        "parent": None,
    }


def _node_id(prefix: str, number_: int) -> str:
    return prefix + base64.b64encode(number_.to_bytes(4, "big")).decode().rstrip("=")
