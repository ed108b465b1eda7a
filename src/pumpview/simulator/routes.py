"""The Cursor Admin API endpoints as pure functions of the team and the request body.

Each returns a JSON text (money as exact decimals) or raises ``BadRequest``. Auth, rate limits and
faults are applied before these run (see ``gate.py``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from pumpview.simulator import jsontext
from pumpview.simulator.cycles import next_cycle_start
from pumpview.simulator.data import Team
from pumpview.simulator.events import INCLUDED, USAGE_BASED, Event
from pumpview.simulator.roster import Member
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms, from_ms

HOSTING_TYPES = {"CLOUD", "SELF_HOSTED", "SELF_HOSTED_POOL", "SELF_HOSTED_MACHINE"}
GROUP_NAMES = ("Platform", "Payments", "Mobile", "Data")


class BadRequest(Exception):
    """A 400 with the documented ``{"error": "Bad Request", "message": ...}`` body."""


def _int(body: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be a number"
        raise BadRequest(msg)
    return value


def _paging(body: dict[str, Any], default_size: int, max_size: int | None) -> tuple[int, int]:
    page = _int(body, "page", 1) or 0
    size = _int(body, "pageSize", default_size) or 0
    if page < 1:
        msg = "page must be at least 1"
        raise BadRequest(msg)
    if size < 1 or (max_size is not None and size > max_size):
        limit = f" and {max_size}" if max_size is not None else ""
        msg = f"pageSize must be between 1{limit}"
        raise BadRequest(msg)
    return page, size


def date_range(
    body: dict[str, Any], team: Team, max_days: int | None, default_days: int = 30
) -> tuple[int, int]:
    end = _int(body, "endDate")
    end = team.now if end is None else end
    start = _int(body, "startDate")
    start = end - default_days * MS_PER_DAY if start is None else start
    if start > end:
        msg = "startDate must be before endDate"
        raise BadRequest(msg)
    if max_days is not None and end - start > max_days * MS_PER_DAY:
        msg = f"Date range cannot exceed {max_days} days"
        raise BadRequest(msg)
    return start, end


# -- GET /teams/members ---------------------------------------------------------------------


def members(team: Team) -> str:
    rows = []
    for m in team.members:
        if not m.listed:
            continue
        row: dict[str, object] = {
            "id": m.numeric_id if team.config.old_api else m.user_id,
            "name": m.name,
            "email": m.email,
            "role": m.role,
            "isRemoved": m.is_removed,
        }
        rows.append(row)
    return jsontext.dumps({"teamMembers": rows})


# -- POST /teams/filtered-usage-events ------------------------------------------------------


def usage_events(team: Team, body: dict[str, Any]) -> str:
    config = team.config
    start, end = date_range(body, team, config.events_max_span_days)
    page, size = _paging(body, config.default_page_size, config.max_page_size)
    hosting = body.get("hostingType")
    if hosting is not None and hosting not in HOSTING_TYPES:
        msg = f"Invalid hostingType: {hosting}"
        raise BadRequest(msg)
    match = _event_filter(team, body)
    total, events = events_page(team, start, end, page, size, match)
    pages = math.ceil(total / size)
    pagination = {
        "numPages": pages,
        "currentPage": page,
        "pageSize": size,
        "hasNextPage": page < pages,
        "hasPreviousPage": page > 1,
    }
    return (
        f'{{"totalUsageEventsCount":{total},"pagination":{jsontext.dumps(pagination)},'
        f'"usageEvents":[{",".join(e.json for e in events)}],'
        f'"period":{{"startDate":{start},"endDate":{end}}}}}'
    )


def _event_filter(team: Team, body: dict[str, Any]) -> Callable[[Event], bool] | None:
    checks: list[Callable[[Event], bool]] = []
    email = body.get("email")
    if email is not None:
        if not isinstance(email, str):
            msg = "email must be a string"
            raise BadRequest(msg)
        wanted = email.lower()
        checks.append(lambda e: e.email is not None and e.email.lower() == wanted)
    user_id = _int(body, "userId")
    if user_id is not None:
        index = next((m.index for m in team.members if m.numeric_id == user_id), -1)
        checks.append(lambda e: e.member == index)
    account = body.get("serviceAccountId")
    if account is not None:
        checks.append(lambda e: e.service_account is not None and e.service_account[0] == account)
    if not checks:
        return None
    return lambda e: all(check(e) for check in checks)


def events_page(
    team: Team, start: int, end: int, page: int, size: int, match: Callable[[Event], bool] | None
) -> tuple[int, list[Event]]:
    """Total matching events in ``[start, end]`` and the requested page of them, newest first.

    Whole days inside the range are counted without being generated; only the days a page
    actually touches are generated.
    """
    lo, hi = max(start, team.retained_from), min(end, team.visible_until)
    if lo > hi:
        return 0, []
    spans: list[tuple[date, int, list[Event] | None]] = []
    day, first = day_of(hi), max(day_of(lo), team.first_day)
    while day >= first:
        midnight = day_start_ms(day)
        if match is None and lo <= midnight and midnight + MS_PER_DAY - 1 <= hi:
            spans.append((day, team.day_total(day), None))
        else:
            picked = [
                e
                for e in team.day_events(day)
                if lo <= e.timestamp <= hi and (match is None or match(e))
            ]
            spans.append((day, len(picked), picked))
        day -= timedelta(days=1)
    total = sum(n for _, n, _ in spans)
    skip, out = (page - 1) * size, list[Event]()
    for span_day, n, kept in spans:
        if skip >= n:
            skip -= n
            continue
        chosen = kept if kept is not None else team.day_events(span_day)
        out.extend(chosen[skip : skip + size - len(out)])
        skip = 0
        if len(out) >= size:
            break
    return total, out


# -- POST /teams/daily-usage-data -----------------------------------------------------------


def daily_usage(team: Team, body: dict[str, Any]) -> str:
    start, end = date_range(body, team, team.config.daily_max_span_days, default_days=7)
    paginated = "page" in body and "pageSize" in body
    days = [
        day_of(start) + timedelta(days=i) for i in range((day_of(end) - day_of(start)).days + 1)
    ]
    people = [m for m in team.members if not m.is_service_account]
    by_member_day: dict[tuple[int, date], list[Event]] = {}
    lo, hi = max(start, team.retained_from), min(end, team.visible_until)
    for event in team.events_between(lo, hi) if lo <= hi else []:
        by_member_day.setdefault((event.member, day_of(event.timestamp)), []).append(event)
    payload: dict[str, object] = {}
    if paginated:
        page, size = _paging(body, 1000, None)
        active = [
            m
            for m in people
            if m.active_from <= (days[-1] - team.first_day).days
            and (m.active_until is None or m.active_until >= (days[0] - team.first_day).days)
        ]
        active.sort(key=lambda m: m.numeric_id)
        pages = math.ceil(len(active) / size)
        chosen = active[(page - 1) * size : page * size]
        rows = [
            _daily_row(team, m, d, by_member_day.get((m.index, d), []))
            for m in chosen
            for d in days
        ]
        payload["data"] = rows
        payload["period"] = {"startDate": start, "endDate": end}
        payload["pagination"] = {
            "page": page,
            "pageSize": size,
            "totalUsers": len(active),
            "totalPages": pages,
            "hasNextPage": page < pages,
            "hasPreviousPage": page > 1,
        }
    else:
        rows = [
            _daily_row(team, m, d, by_member_day[(m.index, d)])
            for m in people
            for d in days
            if (m.index, d) in by_member_day
        ]
        payload["data"] = rows
        payload["period"] = {"startDate": start, "endDate": end}
    return jsontext.dumps(payload)


def _daily_row(team: Team, member: Member, day: date, events: list[Event]) -> dict[str, object]:
    """Counters agree with the events: requests by kind and feature are exact counts."""
    rng = Random(f"{team.config.seed}:{day.isoformat()}:{member.index}:daily")
    features = Counter(e.feature for e in events)
    edits = features["agent"] + features["composer"]
    accepted_added = sum(rng.randint(3, 80) for _ in range(edits))
    accepted_deleted = sum(rng.randint(0, 30) for _ in range(edits))
    tabs_shown = rng.randint(20, 400) if events else 0
    models = Counter(e.model for e in events)
    most_used = min(models, key=lambda name: (-models[name], name)) if models else None
    applies = edits + rng.randint(0, 5) if events else 0
    accepts = min(applies, edits)
    return {
        "userId": member.numeric_id,
        "day": day.isoformat(),
        "date": day_start_ms(day),
        "email": member.email,
        "isActive": bool(events),
        "totalLinesAdded": accepted_added + (rng.randint(0, 400) if events else 0),
        "totalLinesDeleted": accepted_deleted + (rng.randint(0, 150) if events else 0),
        "acceptedLinesAdded": accepted_added,
        "acceptedLinesDeleted": accepted_deleted,
        "totalApplies": applies,
        "totalAccepts": accepts,
        "totalRejects": applies - accepts,
        "totalTabsShown": tabs_shown,
        "totalTabsAccepted": tabs_shown // rng.randint(3, 6) if tabs_shown else 0,
        "composerRequests": features["composer"],
        "chatRequests": features["chat"],
        "agentRequests": features["agent"],
        "cmdkUsages": features["cmdk"],
        "subscriptionIncludedReqs": sum(1 for e in events if e.kind == INCLUDED),
        "usageBasedReqs": sum(1 for e in events if e.kind == USAGE_BASED),
        "apiKeyReqs": 0,
        "bugbotUsages": rng.randint(0, 2) if events else 0,
        "mostUsedModel": most_used,
        "applyMostUsedExtension": (".tsx", ".py", ".go", ".rs")[member.index % 4]
        if events
        else None,
        "tabMostUsedExtension": (".ts", ".py", ".go", ".rs")[member.index % 4] if events else None,
        "clientVersion": f"2.{member.index % 3}.{member.index % 7}" if events else None,
    }


# -- POST /teams/spend ----------------------------------------------------------------------


def spend(team: Team, body: dict[str, Any]) -> str:
    page, size = _paging(body, team.config.spend_page_size, None)
    sort_by = body.get("sortBy", "date")
    direction = body.get("sortDirection", "desc")
    if sort_by not in ("amount", "date", "user") or direction not in ("asc", "desc"):
        msg = "sortBy must be amount, date or user; sortDirection asc or desc"
        raise BadRequest(msg)
    start = team.cycle_start()
    per_member = _spend_by_member(team.cycle_events(start))
    term = str(body.get("searchTerm") or "").lower()
    rows = []
    for m in team.members:
        if not m.listed or (term and term not in m.name.lower() and term not in m.email.lower()):
            continue
        on_demand, overall, fast = per_member.get(m.index, (Decimal(0), Decimal(0), 0))
        gap = team.config.spend_gaps.get(m.index, Decimal(0))  # Cursor's figure only
        on_demand, overall = on_demand + gap, overall + gap
        row: dict[str, object] = {
            "userId": m.numeric_id if team.config.old_api else m.user_id,
            "spendCents": overall if team.config.old_api else on_demand,
            "fastPremiumRequests": fast,
            "name": m.name,
            "email": m.email,
            "role": m.role,
            "hardLimitOverrideDollars": m.hard_limit_dollars,
        }
        if not team.config.old_api:
            row["overallSpendCents"] = overall
            row["monthlyLimitDollars"] = m.monthly_limit_dollars
            row["effectivePerUserLimitDollars"] = m.effective_limit_dollars
        rows.append(row)
    sort_key: dict[str, Callable[[dict[str, Any]], Any]] = {
        "amount": lambda r: (r["spendCents"], r["email"]),
        "user": lambda r: (r["name"], r["email"]),
        "date": lambda r: (r["email"],),
    }
    rows.sort(key=sort_key[sort_by], reverse=direction == "desc")
    pages = math.ceil(len(rows) / size)
    return jsontext.dumps(
        {
            "teamMemberSpend": rows[(page - 1) * size : page * size],
            "subscriptionCycleStart": start,
            "totalMembers": len(rows),
            "totalPages": pages,
        }
    )


def _spend_by_member(events: list[Event]) -> dict[int, tuple[Decimal, Decimal, int]]:
    out: dict[int, tuple[Decimal, Decimal, int]] = {}
    for e in events:
        on_demand, overall, fast = out.get(e.member, (Decimal(0), Decimal(0), 0))
        if e.chargeable:
            on_demand += e.charged_cents
            fast += 1
        out[e.member] = (on_demand, overall + e.charged_cents, fast)
    return out


# -- GET /teams/groups ----------------------------------------------------------------------


def groups(team: Team, billing_cycle: str | None, group_id: str | None = None) -> str | None:
    """Billing groups for a cycle; ``None`` when ``group_id`` names no group (a 404)."""
    if billing_cycle is None:
        start = team.cycle_start()
    else:
        try:
            day = date.fromisoformat(billing_cycle)
        except ValueError:
            msg = "billingCycle must be YYYY-MM-DD"
            raise BadRequest(msg) from None
        # The cycle that starts on that day, or else the one the day lies in.
        start = team.cycle_start(day_start_ms(day) + MS_PER_DAY - 1)
    events = team.cycle_events(start)
    all_groups = [_group(team, i, name, events) for i, name in enumerate(GROUP_NAMES)]
    unassigned = _group(team, None, "Unassigned", events)
    cycle = {"cycleStart": _iso(start), "cycleEnd": _iso(next_cycle_start(start))}
    if group_id is None:
        return jsontext.dumps(
            {"groups": all_groups, "unassignedGroup": unassigned, "billingCycle": cycle}
        )
    found = next((g for g in [*all_groups, unassigned] if g["id"] == group_id), None)
    if found is None:
        return None
    return jsontext.dumps({"group": found, "billingCycle": cycle})


def _group(team: Team, index: int | None, name: str, events: list[Event]) -> dict[str, object]:
    people = [m for m in team.members if m.listed and m.group == index]
    ids = {m.index for m in people}
    mine = [e for e in events if e.member in ids]
    member_spend: defaultdict[int, Decimal] = defaultdict(Decimal)
    daily: defaultdict[str, Decimal] = defaultdict(Decimal)
    for e in mine:
        member_spend[e.member] += e.charged_cents
        daily[day_of(e.timestamp).isoformat()] += e.charged_cents
    created = _iso(day_start_ms(team.first_day))

    def person(m: Member) -> dict[str, object]:
        return {
            "userId": m.user_id,
            "name": m.name,
            "email": m.email,
            "joinedAt": _iso(m.joined_at_ms),
            "leftAt": created if m.is_removed else None,
            "spendCents": member_spend.get(m.index, Decimal(0)),
        }

    return {
        "id": f"group_{name.lower()}" if index is not None else "group_unassigned",
        "name": name,
        "type": "BILLING",
        "directoryGroupId": None,
        "memberCount": sum(1 for m in people if not m.is_removed),
        "createdAt": created,
        "updatedAt": created,
        "spendCents": sum(member_spend.values(), Decimal(0)),
        "currentMembers": [person(m) for m in people if not m.is_removed],
        "formerMembers": [person(m) for m in people if m.is_removed],
        "dailySpend": [{"date": d, "spendCents": daily[d]} for d in sorted(daily)],
    }


def _iso(ms: int) -> str:
    return from_ms(ms).isoformat().replace("+00:00", "Z")
