"""Cursor usage reports: per person, per model, per person's request classes, per day, over a
``scope.Scope`` (every integration, or the ones named); the JSON and CSV contract of each
(``COLUMNS``) and ``run``, what the CLI calls. Sums are exact, read from the facts
(``store.facts``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from pumpview.reports import person_keys
from pumpview.reports.scope import ALL, Scope, scope
from pumpview.store import facts, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import MEASURES, Measures, by_name

UNATTRIBUTED_NAME = "Unattributed (no email on the event)"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderShare:
    """One provider's part of a person's amounts."""

    usage_cents: Decimal
    billed_cents: Decimal
    estimated: bool
    """Whether any of it is the provider's estimate (Claude Code's are)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRow(Measures):
    email: str | None
    """Lower-case; ``None`` for events without an email."""
    name: str | None
    provider: str = ALL
    """The provider the report was asked for, or ``all``."""
    providers: dict[str, ProviderShare] | None = None
    """With ``all``: each provider's part, by its name."""

    @property
    def usage_cents(self) -> Decimal:
        """The usage value (``spend_cents``), under the name every provider's rows share."""
        return self.spend_cents

    @property
    def billed_cents(self) -> Decimal:
        """What is billed beyond any seat: Cursor's on-demand, Claude Code's (estimated) use,
        Copilot's net amount."""
        return self.on_demand_cents

    @property
    def estimated(self) -> bool:
        """Whether any part of the amount is a provider's estimate."""
        return self.estimated_cents != 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRow(Measures):
    model: str
    users: int
    """Distinct people (the unattributed bucket counts as one) who used the model in the range."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestsRow:
    email: str | None
    name: str | None
    fast_requests: int
    slow_requests: int
    not_charged_requests: int
    cursor_fast_premium_requests: int | None
    """Cursor's own count for the current cycle, from the latest spend snapshot."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyRow(Measures):
    date: date


def users(conn: Connection, where: Scope) -> list[UserRow]:
    """One row per person (``email`` ``None`` = events without an email), by spend; with every
    provider in scope, each row says each provider's part. A GitHub login an alias ties to a
    person counts as that person (``person_keys``); one no alias names is a row of its own.

    One read per provider in scope: a person's row is the exact sum of their providers' rows, so
    their parts cost no second read."""
    read = facts.of(conn)
    linked = person_keys.linked_logins(conn)
    since, until = where.range.since, where.range.until
    parts = [
        (provider, read.sums(ids, since, until, by=("email",))) for provider, ids in where.providers
    ]
    rows = person_keys.resolve(itertools.chain.from_iterable(r for _p, r in parts), linked)
    names = _names(conn, where.integration_ids)
    shares = _shares(parts, linked) if where.provider == ALL else {}
    out = [
        UserRow(
            email=email or None,
            name=names.get(email) or person_keys.label(email) if email else UNATTRIBUTED_NAME,
            provider=where.provider,
            providers=shares.get(email, {}) if where.provider == ALL else None,
            **by_name(values),
        )
        for email, *values in rows
    ]
    return sorted(out, key=lambda u: (-u.spend_cents, u.email or ""))


_SHARE = [MEASURES.index(name) for name in ("spend_cents", "on_demand_cents", "estimated_cents")]
"""Where a provider's part is among a row's measures."""


def _shares(
    parts: Sequence[tuple[str, Sequence[tuple[Any, ...]]]], linked: dict[str, str]
) -> dict[str, dict[str, ProviderShare]]:
    """Each person's part per provider, from each provider's rows (its linked GitHub logins
    counted as their people, as in the report's rows)."""
    out: dict[str, dict[str, ProviderShare]] = {}
    for provider, rows in parts:
        for email, *values in person_keys.resolve(rows, linked):
            usage_value, billed, estimated = (values[i] for i in _SHARE)
            out.setdefault(email, {})[provider] = ProviderShare(
                usage_cents=usage_value, billed_cents=billed, estimated=estimated != 0
            )
    return out


def models(conn: Connection, where: Scope) -> list[ModelRow]:
    """One row per model as Cursor names it, by spend."""
    read = facts.of(conn)
    people = read.people_per_model(*where.days())
    out = [
        ModelRow(model=model, users=people.get(model, 0), **by_name(values))
        for model, *values in read.sums(*where.days(), by=("model",))
    ]
    return sorted(out, key=lambda m: (-m.spend_cents, m.model))


def requests(conn: Connection, where: Scope) -> list[RequestsRow]:
    """Fast (premium) vs slow (standard) vs not-charged requests per person, beside Cursor's own
    ``fastPremiumRequests`` for the current cycle from the latest spend snapshot."""
    premium = fast_premium(conn, where.integration_ids)
    rows = [
        RequestsRow(
            email=u.email,
            name=u.name,
            fast_requests=u.fast_requests,
            slow_requests=u.slow_requests,
            not_charged_requests=u.not_charged_requests,
            cursor_fast_premium_requests=premium.get(u.email) if u.email else None,
        )
        for u in users(conn, where)
    ]
    return sorted(rows, key=lambda r: (-r.fast_requests, r.email or ""))


def total(conn: Connection, where: Scope) -> Measures:
    """Every measure over the whole scope."""
    (values,) = facts.of(conn).sums(*where.days())
    return Measures(**by_name(values))


def people_count(conn: Connection, where: Scope) -> int:
    """How many rows ``users`` would have: distinct people, the unattributed bucket as one; a
    GitHub login tied to a person is that person (then the keys are read, not just counted)."""
    read = facts.of(conn)
    linked = person_keys.linked_logins(conn)
    if not linked:
        return read.people_count(*where.days())
    keys = read.sums(*where.days(), by=("email",), measures=("events",))
    return len(person_keys.resolve(keys, linked))


def unattributed(conn: Connection, where: Scope) -> Measures:
    """Every measure of the events without an email (removed users) in the scope."""
    (values,) = facts.of(conn).sums(*where.days(), emails=[tables.UNATTRIBUTED])
    return Measures(**by_name(values))


def daily(conn: Connection, where: Scope) -> list[DailyRow]:
    """Every measure per UTC day, oldest first; days without events are left out."""
    rows = sorted(facts.of(conn).sums(*where.days(), by=("day",)))
    return [DailyRow(date=day, **by_name(values)) for day, *values in rows]


def cycle_start(conn: Connection) -> date | None:
    """The start of Cursor's current billing cycle, from the latest spend snapshot."""
    snaps = tables.spend_snapshots
    latest = select(func.max(snaps.c.taken_at_ms)).scalar_subquery()
    return conn.execute(
        select(func.max(snaps.c.cycle_start)).where(snaps.c.taken_at_ms == latest)
    ).scalar()


def names(conn: Connection, where: Scope) -> dict[str | None, str | None]:
    """Display names by email (``None``: the unattributed bucket's label); a GitHub login tied
    to a person by its person's name."""
    out: dict[str | None, str | None] = {None: UNATTRIBUTED_NAME}
    out.update(_names(conn, where.integration_ids))
    for key, email in person_keys.linked_logins(conn).items():
        out.setdefault(key, out.get(email))
    return out


def _names(conn: Connection, integration_ids: tuple[int, ...]) -> dict[str, str | None]:
    """Each person's name as their Cursor team lists it, else as the people directory has it
    (Claude Code's users are there)."""
    persons = tables.persons
    out: dict[str, str | None] = dict(
        conn.execute(
            select(persons.c.email, persons.c.name).where(
                persons.c.email.is_not(None), persons.c.name.is_not(None)
            )
        ).all()
    )
    people = tables.cursor_members
    query = select(people.c.email, people.c.name).where(
        people.c.integration_id.in_(integration_ids)
    )
    out.update((email, name) for email, name in conn.execute(query) if name or email not in out)
    return out


def fast_premium(conn: Connection, integration_ids: tuple[int, ...]) -> dict[str, int]:
    """Each integration's latest snapshot; a person in two teams gets both teams' counts."""
    snaps = tables.spend_snapshots
    latest = (
        select(snaps.c.integration_id, func.max(snaps.c.taken_at_ms).label("taken"))
        .where(snaps.c.integration_id.in_(integration_ids))
        .group_by(snaps.c.integration_id)
        .subquery()
    )
    rows = conn.execute(
        select(snaps.c.email, func.sum(snaps.c.fast_premium_requests))
        .join(
            latest,
            and_(
                snaps.c.integration_id == latest.c.integration_id,
                snaps.c.taken_at_ms == latest.c.taken,
            ),
        )
        .group_by(snaps.c.email)
    )
    return {email: int(count) for email, count in rows}


COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("email", "name", *MEASURES, "provider", "usage_cents", "billed_cents", "estimated",
              "providers"),
    "models": ("model", "events", "users", *MEASURES[1:]),
    "requests": ("email", "name", "fast_requests", "slow_requests", "not_charged_requests",
                 "cursor_fast_premium_requests"),
    "daily": ("date", *MEASURES),
}  # fmt: skip
"""Each report's fields, in order: the JSON and CSV contract of the CLI and the API alike."""

REPORTS: dict[str, Callable[[Connection, Scope], Sequence[object]]] = {
    "users": users,
    "models": models,
    "requests": requests,
    "daily": daily,
}


def run(
    engine: Engine,
    kind: str,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
    provider: str | None = None,
) -> Sequence[object]:
    """The ``kind`` report over ``[since, until]`` (open ends: all stored days), of ``provider``
    (``None``: all); one snapshot."""
    with snapshot(engine) as conn:
        where = scope(conn, since, until, integrations, provider)
        return [] if where is None else REPORTS[kind](conn, where)
