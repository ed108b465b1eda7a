"""The Anthropic Admin API endpoints as pure functions: the organisation and the query in, a
payload dict out, or an ``ApiError`` raised. Auth, rate limits and faults are applied before
these run (``gate.py``); the app renders payloads with exact decimals (``jsontext``).

A query is ``Query``: each parameter's values in order, so bracket arrays
(``group_by[]=a&group_by[]=b``) arrive whole.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pumpview.simulator.anthropic.data import TOOLS, CostLine, Organisation, Record
from pumpview.simulator.anthropic.people import ApiKey, User
from pumpview.timeutil import day_of, day_start_ms, from_ms, parse_day, to_ms

Query = Mapping[str, Sequence[str]]
COST_GROUPS = ("description", "workspace_id")
DATE_RANGE = "Invalid date range: ending date must be after starting date"


class ApiError(Exception):
    """An error answered in the §2.1 envelope."""

    def __init__(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers or {}


def invalid(message: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, "invalid_request_error", message, headers)


def not_found() -> ApiError:
    return ApiError(404, "not_found_error", "The requested resource could not be found.")


def _one(query: Query, name: str) -> str | None:
    values = query.get(name) or ()
    return values[-1] if values else None


def _limit(query: Query, default: int, maximum: int) -> int:
    text = _one(query, "limit")
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid(f"limit: Input should be a valid integer, got {text!r}") from None
    if not 1 <= value <= maximum:
        msg = f"limit: Input should be between 1 and {maximum}, got {value}"
        raise invalid(msg)
    return value


def _cursor(text: str) -> str:
    return "page_" + base64.b64encode(text.encode()).decode()


def _uncursor(token: str) -> str:
    if not token.startswith("page_"):
        raise invalid("page: invalid page token")
    try:
        return base64.b64decode(token[5:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid("page: invalid page token") from None


def rfc3339(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def _micro_time(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- GET /v1/organizations/usage_report/claude_code -----------------------------------------


def claude_code(org: Organisation, query: Query) -> dict[str, Any]:
    """One day's records, ``limit`` at a time. The cursor carries the position and the data
    boundary (the present of the first page), so paging is stable while data arrives (§3.5)."""
    text = _one(query, "starting_at")
    if text is None:
        raise invalid("starting_at: Field required")
    try:
        day = parse_day(text)
    except ValueError:
        raise invalid(f"starting_at: expected a date in YYYY-MM-DD format, got {text!r}") from None
    limit = _limit(query, 20, 1000)
    stamp = f"{day.isoformat()}T00:00:00Z"
    offset, boundary = 0, org.now
    token = _one(query, "page")
    if token:
        parts = _uncursor(token).split(":")
        try:
            if len(parts) != 5 or ":".join(parts[:3]) != stamp:
                raise ValueError
            offset, boundary = int(parts[3]), int(parts[4])
        except ValueError:
            raise invalid("page: invalid page token") from None
    records = org.records(day, at=boundary)
    chunk = records[offset : offset + limit]
    more = offset + limit < len(records)
    return {
        "data": [_record(org, day, r) for r in chunk],
        "has_more": more,
        "next_page": _cursor(f"{stamp}:{offset + limit}:{boundary}") if more else None,
    }


def _record(org: Organisation, day: date, record: Record) -> dict[str, Any]:
    config = org.config
    actor = record.actor
    who: dict[str, str] = {"type": actor.kind}
    who["email_address" if actor.kind == "user_actor" else "api_key_name"] = actor.name
    subscribed = config.subscription_rows and actor.subscription_type is not None
    tools = {
        name: {"accepted": accepted, "rejected": rejected}
        for name, (accepted, rejected) in zip(TOOLS, record.tools, strict=True)
        if not (config.omit_zero_tools and accepted == rejected == 0)
    }
    return {
        "date": day.isoformat() + ("T00:00:00Z" if config.date_format == "rfc3339" else ""),
        "actor": who,
        "organization_id": config.organization_id,
        "customer_type": "subscription" if subscribed else "api",
        "subscription_type": actor.subscription_type if subscribed else None,
        "terminal_type": record.terminal,
        "core_metrics": {
            "num_sessions": record.sessions,
            "lines_of_code": {"added": record.lines_added, "removed": record.lines_removed},
            "commits_by_claude_code": record.commits,
            "pull_requests_by_claude_code": record.pull_requests,
        },
        "tool_actions": tools,
        "model_breakdown": [
            {
                "model": model,
                "tokens": {
                    "input": tokens.input,
                    "output": tokens.output,
                    "cache_read": tokens.cache_read,
                    "cache_creation": tokens.cache_creation,
                },
                "estimated_cost": {
                    "currency": "USD",
                    "amount": record.amount(model, fractional=config.fractional_costs),
                },
            }
            for model, tokens in record.tokens.items()
        ],
    }


# -- GET /v1/organizations/cost_report -------------------------------------------------------


def _instant(query: Query, name: str) -> int | None:
    text = _one(query, name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        msg = f"{name}: Input should be a valid RFC 3339 datetime, got {text!r}"
        raise invalid(msg)
    return to_ms(moment)


def cost_report(org: Organisation, query: Query) -> dict[str, Any]:
    """Daily buckets from the day of ``starting_at`` to the last whole day before ``ending_at``
    (default: through today), ``limit`` buckets a page."""
    start = _instant(query, "starting_at")
    if start is None:
        raise invalid("starting_at: Field required")
    width = _one(query, "bucket_width") or "1d"
    if width != "1d":
        raise invalid(f"bucket_width: Input should be '1d', got {width!r}")
    groups = [*(query.get("group_by[]") or ()), *(query.get("group_by") or ())]
    for group in groups:
        if group not in COST_GROUPS:
            msg = f"group_by[]: Input should be 'workspace_id' or 'description', got {group!r}"
            raise invalid(msg)
    limit = _limit(query, 7, 31)
    first = day_of(start)
    end = _instant(query, "ending_at")
    stop = day_of(org.now) + timedelta(days=1) if end is None else day_of(end)
    if end is not None and (end <= start or stop <= first):
        raise invalid(DATE_RANGE, {"x-should-retry": "false"})
    day = first
    token = _one(query, "page")
    if token:
        try:
            day = datetime.fromisoformat(_uncursor(token)).date()
        except ValueError:
            raise invalid("page: invalid page token") from None
        if not first <= day < stop:
            raise invalid("page: invalid page token")
    last = min(stop, day + timedelta(days=limit))
    buckets = []
    while day < last:
        buckets.append({
            "starting_at": rfc3339(day_start_ms(day)),
            "ending_at": rfc3339(day_start_ms(day + timedelta(days=1))),
            "results": _cost_rows(org.cost_lines(day), set(groups)),
        })  # fmt: skip
        day += timedelta(days=1)
    more = last < stop
    return {
        "data": buckets,
        "has_more": more,
        "next_page": _cursor(rfc3339(day_start_ms(last))) if more else None,
    }


def _cost_rows(lines: list[CostLine], groups: set[str]) -> list[dict[str, Any]]:
    by_description = "description" in groups
    by_workspace = "workspace_id" in groups
    sums: defaultdict[tuple[str | None, CostLine | None], Decimal] = defaultdict(Decimal)
    for each in lines:
        workspace = each.workspace_id if by_workspace else None
        sums[workspace, _sans_workspace(each) if by_description else None] += each.amount
    rows = []
    for (workspace, line), amount in sorted(sums.items(), key=_row_order):
        tokens = line is not None and line.cost_type == "tokens"
        rows.append({
            "amount": format(amount.quantize(Decimal("0.000001")), "f"),
            "currency": "USD",
            "workspace_id": workspace,
            "description": line.description if line else None,
            "cost_type": line.cost_type if line else None,
            "model": line.model if line else None,
            "token_type": line.token_type if line else None,
            "service_tier": "standard" if tokens else None,
            "context_window": "0-200k" if tokens else None,
            "inference_geo": None,
        })  # fmt: skip
    return rows


def _row_order(item: tuple[tuple[str | None, CostLine | None], Decimal]) -> tuple[str, str]:
    (workspace, line), _ = item
    return workspace or "", line.description if line else ""


def _sans_workspace(line: CostLine) -> CostLine:
    return CostLine(None, line.description, line.cost_type, line.model, line.token_type,
                    Decimal(0))  # fmt: skip


# -- /v1/organizations/users, /api_keys, /me -------------------------------------------------


def _id_page(query: Query, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``after_id``/``before_id`` paging with ``first_id``, ``last_id`` and ``has_more``."""
    limit = _limit(query, 20, 1000)
    after, before = _one(query, "after_id"), _one(query, "before_id")
    if after and before:
        raise invalid("after_id and before_id cannot both be set")
    ids = [row["id"] for row in rows]
    if after or before:
        anchor = after or before
        if anchor not in ids:
            raise invalid(f"{'after_id' if after else 'before_id'}: no such object {anchor!r}")
        at = ids.index(anchor)
        lo, hi = (at + 1, at + 1 + limit) if after else (max(0, at - limit), at)
    else:
        lo, hi = 0, limit
    chunk = rows[lo:hi]
    return {
        "data": chunk,
        "has_more": (lo > 0) if before else hi < len(rows),
        "first_id": chunk[0]["id"] if chunk else None,
        "last_id": chunk[-1]["id"] if chunk else None,
    }


def user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "type": "user",
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "added_at": _micro_time(user.added_at_ms),
    }


def users(org: Organisation, query: Query) -> dict[str, Any]:
    email = _one(query, "email")
    rows = [user_row(u) for u in org.users if email is None or u.email == email]
    return _id_page(query, rows)


def user(org: Organisation, user_id: str) -> dict[str, Any]:
    found = next((u for u in org.users if u.id == user_id), None)
    if found is None:
        raise not_found()
    return user_row(found)


def key_row(key: ApiKey) -> dict[str, Any]:
    principal: dict[str, str] | None = None
    if key.principal_type == "user_actor":
        principal = {"type": "user_actor", "user_id": str(key.principal_id)}
    elif key.principal_type == "service_account_actor":
        principal = {"type": "service_account_actor", "service_account_id": str(key.principal_id)}
    return {
        "id": key.id,
        "type": "api_key",
        "name": key.name,
        "workspace_id": key.workspace_id,
        "created_at": rfc3339(key.created_at_ms),
        "created_by": {"id": key.created_by, "type": "user"},
        "partial_key_hint": key.hint,
        "status": key.status,
        "principal": principal,
    }


def api_keys(org: Organisation, query: Query) -> dict[str, Any]:
    status = _one(query, "status")
    workspace = _one(query, "workspace_id")
    creator = _one(query, "created_by_user_id")
    rows = [
        key_row(k)
        for k in org.api_keys
        if (status is None or k.status == status)
        and (workspace is None or k.workspace_id == workspace)
        and (creator is None or k.created_by == creator)
    ]
    return _id_page(query, rows)


def me(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.config.organization_id,
        "type": "organization",
        "name": org.config.organization_name,
    }
