"""Who did what with which model: the person x model sums (what changed between two periods,
who uses a model), and what the People page shows beside a person's sums (their most-used model,
last active day, kind and Cursor's own request count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, select

from pumpview.reports import usage
from pumpview.reports.scope import Scope, block_sums, in_blocks
from pumpview.store import tables
from pumpview.store.measures import Measures, from_stored, join, stored_columns


@dataclass(frozen=True, slots=True, kw_only=True)
class PairRow(Measures):
    email: str | None
    model: str


def pairs(conn: Connection, where: Scope, model: str | None = None) -> list[PairRow]:
    """Every measure per person and model (one model's people when ``model`` is given), by
    spend: what changed between two periods, and who uses a model."""
    pair = tables.person_model_blocks
    query = select(pair.c.email, pair.c.model, *block_sums(pair)).where(in_blocks(pair, where))
    if model is not None:
        query = query.where(pair.c.model == model)
    rows = conn.execute(query.group_by(pair.c.email, pair.c.model)).all()
    out = [PairRow(email=row[0] or None, model=row[1], **from_stored(row[2:])) for row in rows]
    return sorted(out, key=lambda p: (-p.spend_cents, p.email or "", p.model))


@dataclass(frozen=True, slots=True)
class Activity:
    """What the People page shows beside a person's sums."""

    top_model: str
    """The model with the most events in the range (then by spend)."""
    last_day: date
    """The last UTC day with an event in the range."""
    service_account: bool
    cursor_fast_premium_requests: int | None
    """Cursor's own count for the current cycle (``usage.requests``), whatever the range."""


PairKey = tuple[str | None, str]
"""(email, model); ``None`` is the unattributed bucket."""


def pair_spend(conn: Connection, where: Scope) -> dict[PairKey, tuple[int, Decimal]]:
    """Events and spend per person and model: the lean read behind "what changed" and each
    person's most-used model (two sums, not every measure: thousands of pairs a range)."""
    pair = tables.person_model_blocks
    spend = stored_columns(["spend_cents"])
    rows = conn.execute(
        select(pair.c.email, pair.c.model, func.sum(pair.c.events),
               *(func.sum(pair.c[c]) for c in spend))
        .where(in_blocks(pair, where))
        .group_by(pair.c.email, pair.c.model)
    )  # fmt: skip
    return {(email or None, model): (int(events), join(*limbs))
            for email, model, events, *limbs in rows}  # fmt: skip


def last_days(conn: Connection, where: Scope) -> dict[str | None, date]:
    """Each person's last UTC day with an event in the range: one seek per person and
    integration on ``ix_usage_daily_person`` (MAX of its last column), not a scan of the days."""
    person, daily = tables.person_blocks, tables.usage_daily
    emails = select(person.c.email).where(in_blocks(person, where)).distinct().subquery()
    out: dict[str | None, date] = {}
    for iid in where.integration_ids:
        last = (
            select(func.max(daily.c.day))
            .where(daily.c.integration_id == iid, daily.c.email == emails.c.email,
                   daily.c.day.between(where.range.since, where.range.until))
            .scalar_subquery()
        )  # fmt: skip
        for email, day in conn.execute(select(emails.c.email, last)):
            if day is not None:
                key = email or None
                out[key] = max(out.get(key, day), day)
    return out


def activity(conn: Connection, where: Scope) -> dict[str | None, Activity]:
    """Per person with events in the range (``None``: the unattributed bucket)."""
    top: dict[str | None, tuple[tuple[int, Decimal], str]] = {}
    for (email, model), sums in pair_spend(conn, where).items():
        best = top.get(email)
        if best is None or sums > best[0] or (sums == best[0] and model < best[1]):
            top[email] = (sums, model)  # the most events, then spend, then by name
    last = last_days(conn, where)
    people = tables.cursor_members
    services = set(
        conn.execute(
            select(people.c.email).where(
                people.c.integration_id.in_(where.integration_ids),
                people.c.role == "service-account",
            )
        ).scalars()
    )
    premium = usage.fast_premium(conn, where.integration_ids)
    return {
        email: Activity(
            top_model=model,
            last_day=last[email],
            service_account=email in services,
            cursor_fast_premium_requests=premium.get(email) if email else None,
        )
        for email, (_sums, model) in top.items()
    }
