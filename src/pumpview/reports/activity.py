"""Who did what with which model: the person x model sums (what changed between two periods,
who uses a model), and what the People page shows beside a person's sums (their most-used model,
last active day, kind and Cursor's own request count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from pumpview.reports import usage
from pumpview.reports.scope import Scope
from pumpview.store import facts, tables
from pumpview.store.measures import Measures, by_name


@dataclass(frozen=True, slots=True, kw_only=True)
class PairRow(Measures):
    email: str | None
    model: str


def pairs(conn: Connection, where: Scope, model: str | None = None) -> list[PairRow]:
    """Every measure per person and model (one model's people when ``model`` is given), by
    spend: what changed between two periods, and who uses a model."""
    rows = facts.of(conn).sums(*where.days(), by=("email", "model"), model=model)
    out = [
        PairRow(email=email or None, model=name, **by_name(values)) for email, name, *values in rows
    ]
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
    rows = facts.of(conn).sums(
        *where.days(), by=("email", "model"), measures=("events", "spend_cents")
    )
    return {(email or None, model): (events, spend) for email, model, events, spend in rows}


def last_days(conn: Connection, where: Scope) -> dict[str | None, date]:
    """Each person's last UTC day with an event in the range."""
    return {email or None: day for email, day in facts.of(conn).last_days(*where.days()).items()}


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
