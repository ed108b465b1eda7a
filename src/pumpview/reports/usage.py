"""Cursor usage reports: per person, per model, per person's request classes, per day.

Every figure is an exact sum over an inclusive range of UTC days. The range is tiled by a few
aligned blocks (``store.blocks.cover``), and SQL sums the blocks' exact integer measures, so a
report reads tens of rows per person or model whatever the range, never a row per event or day.
Reports cover every integration, or the ones named.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    distinct,
    func,
    or_,
    select,
)

from pumpview.errors import UserInputError
from pumpview.store import integrations as integrations_store
from pumpview.store import tables
from pumpview.store.blocks import cover
from pumpview.store.engine import snapshot
from pumpview.store.measures import MEASURES, STORED, Measures, from_stored, join, stored_columns

UNATTRIBUTED_NAME = "Unattributed (no email on the event)"


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRow(Measures):
    email: str | None
    """Lower-case; ``None`` for events without an email."""
    name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRow(Measures):
    model: str
    users: int
    """Distinct people (the unattributed bucket counts as one) who used the model in the range."""


_RATIO = decimal.Context(prec=28)
"""Unit costs and shares are ratios for people to compare, not sums: 28 digits, rounded."""


def ratio(part: Decimal | int, whole: Decimal | int, scale: int = 1) -> Decimal | None:
    """``part / whole`` (times ``scale``), ``None`` when ``whole`` is zero."""
    return _RATIO.divide(Decimal(part) * scale, Decimal(whole)) if whole else None


def unit_costs(row: Measures) -> dict[str, Decimal | None]:
    """What a manager compares models by: cents per million tokens (all four kinds), cents per
    request, and the shares of cache reads, of Max-mode events and of on-demand spend; ``None``
    where undefined."""
    tokens = row.input_tokens + row.output_tokens + row.cache_write_tokens + row.cache_read_tokens
    return {
        "cents_per_million_tokens": ratio(row.spend_cents, tokens, 1_000_000),
        "cents_per_request": ratio(row.spend_cents, row.events),
        "cache_read_share": ratio(row.cache_read_tokens, tokens),
        "max_mode_share": ratio(row.max_mode_events, row.events),
        "on_demand_share": ratio(row.on_demand_cents, row.spend_cents),
    }


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


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report covers: integration ids and an inclusive range of UTC days."""

    integration_ids: tuple[int, ...]
    first: date
    last: date


def scope(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
) -> Scope | None:
    """The report scope, with an open end set to the stored data's; ``None`` when no data.

    ``integrations`` are names (all when ``None``); an unknown name is a ``UserInputError``.
    """
    known = integrations_store.ids(conn)
    if integrations:
        unknown = sorted(set(integrations) - set(known))
        if unknown:
            msg = f"no integration named {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
            raise UserInputError(msg)
        ids = tuple(sorted(known[name] for name in set(integrations)))
    else:
        ids = tuple(sorted(known.values()))
    if since is None or until is None:
        team = tables.team_blocks
        first, last = conn.execute(
            select(func.min(team.c.first_day), func.max(team.c.first_day)).where(
                team.c.integration_id.in_(ids), team.c.level == 0
            )
        ).one()
        if first is None:
            return None
        since, until = since or first, until or last
    if since > until:
        return None
    return Scope(ids, since, until)


def _in_blocks(table: Table, where: Scope) -> ColumnElement[bool]:
    """The rows of the blocks that tile the scope's range, as one index seek per level: SQLite
    seeks neither on a row-value ``IN`` nor on an ``OR`` unless each term names the whole key."""
    by_level: dict[int, list[date]] = {}
    for level, first_day in cover(where.first, where.last):
        by_level.setdefault(level, []).append(first_day)
    return or_(
        *(
            and_(
                table.c.integration_id.in_(where.integration_ids),
                table.c.level == level,
                table.c.first_day.in_(days),
            )
            for level, days in by_level.items()
        )
    )


def _sums(table: Table) -> list[Any]:
    return [func.sum(table.c[name]) for name in STORED]


def users(conn: Connection, where: Scope) -> list[UserRow]:
    """One row per person (``email`` ``None`` = events without an email), by spend."""
    person = tables.person_blocks
    rows = conn.execute(
        select(person.c.email, *_sums(person))
        .where(_in_blocks(person, where))
        .group_by(person.c.email)
    ).all()
    names = _names(conn, where.integration_ids)
    out = [
        UserRow(
            email=row[0] or None,
            name=names.get(row[0]) if row[0] else UNATTRIBUTED_NAME,
            **from_stored(row[1:]),
        )
        for row in rows
    ]
    return sorted(out, key=lambda u: (-u.spend_cents, u.email or ""))


def models(conn: Connection, where: Scope) -> list[ModelRow]:
    """One row per model as Cursor names it, by spend."""
    model = tables.model_blocks
    rows = conn.execute(
        select(model.c.model, *_sums(model)).where(_in_blocks(model, where)).group_by(model.c.model)
    ).all()
    people = _model_users(conn, where)
    out = [
        ModelRow(model=row[0], users=people.get(row[0], 0), **from_stored(row[1:])) for row in rows
    ]
    return sorted(out, key=lambda m: (-m.spend_cents, m.model))


def _model_users(conn: Connection, where: Scope) -> dict[str, int]:
    """Distinct people per model in the range: the union of the blocks' lists of people (the
    unattributed bucket counts as one)."""
    blocks = tables.model_blocks
    people: dict[str, set[str]] = {}
    for model, emails in conn.execute(
        select(blocks.c.model, blocks.c.people).where(_in_blocks(blocks, where))
    ):
        people.setdefault(model, set()).update(json.loads(emails))
    return {model: len(emails) for model, emails in people.items()}


def requests(conn: Connection, where: Scope) -> list[RequestsRow]:
    """Fast (premium) vs slow (standard) vs not-charged requests per person, beside Cursor's own
    ``fastPremiumRequests`` for the current cycle from the latest spend snapshot."""
    premium = _latest_fast_premium(conn, where.integration_ids)
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
    """Every measure over the whole scope: the team blocks that tile it, summed."""
    team = tables.team_blocks
    row = conn.execute(select(*_sums(team)).where(_in_blocks(team, where))).one()
    return Measures(**from_stored(row))


def people_count(conn: Connection, where: Scope) -> int:
    """How many rows ``users`` would have: distinct people, the unattributed bucket as one."""
    person = tables.person_blocks
    query = select(func.count(distinct(person.c.email))).where(_in_blocks(person, where))
    return int(conn.execute(query).scalar_one())


def unattributed(conn: Connection, where: Scope) -> Measures:
    """Every measure of the events without an email (removed users) in the scope."""
    person = tables.person_blocks
    row = conn.execute(
        select(*_sums(person)).where(
            _in_blocks(person, where), person.c.email == tables.UNATTRIBUTED
        )
    ).one()
    return Measures(**from_stored(row)) if row[0] is not None else Measures()


def daily(conn: Connection, where: Scope) -> list[DailyRow]:
    """Every measure per UTC day, oldest first; days without events are left out."""
    team = tables.team_blocks
    rows = conn.execute(
        select(team.c.first_day, *_sums(team))
        .where(
            team.c.integration_id.in_(where.integration_ids),
            team.c.level == 0,
            team.c.first_day.between(where.first, where.last),
        )
        .group_by(team.c.first_day)
        .order_by(team.c.first_day)
    ).all()
    return [DailyRow(date=row[0], **from_stored(row[1:])) for row in rows]


def cycle_start(conn: Connection) -> date | None:
    """The start of Cursor's current billing cycle, from the latest spend snapshot."""
    snaps = tables.spend_snapshots
    latest = select(func.max(snaps.c.taken_at_ms)).scalar_subquery()
    return conn.execute(
        select(func.max(snaps.c.cycle_start)).where(snaps.c.taken_at_ms == latest)
    ).scalar()


@dataclass(frozen=True, slots=True)
class ModelDay:
    date: date
    model: str
    spend_cents: Decimal
    events: int


def spend_by_model_day(conn: Connection, where: Scope, name: str | None = None) -> list[ModelDay]:
    """Spend and events per UTC day and model (only model ``name`` when given), oldest first:
    the stacked spend charts."""
    model = tables.model_blocks
    money = stored_columns(["spend_cents"])
    query = (
        select(model.c.first_day, model.c.model, func.sum(model.c.events),
               *(func.sum(model.c[c]) for c in money))
        .where(
            model.c.integration_id.in_(where.integration_ids),
            model.c.level == 0,
            model.c.first_day.between(where.first, where.last),
        )
        .group_by(model.c.first_day, model.c.model)
        .order_by(model.c.first_day, model.c.model)
    )  # fmt: skip
    if name is not None:
        query = query.where(model.c.model == name)
    rows = conn.execute(query).all()
    return [ModelDay(row[0], row[1], join(*row[3:6]), int(row[2])) for row in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class PairRow(Measures):
    email: str | None
    model: str


def pairs(conn: Connection, where: Scope, model: str | None = None) -> list[PairRow]:
    """Every measure per person and model (one model's people when ``model`` is given), by
    spend: what changed between two periods, and who uses a model."""
    pair = tables.person_model_blocks
    query = select(pair.c.email, pair.c.model, *_sums(pair)).where(_in_blocks(pair, where))
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
    """Cursor's own count for the current cycle (``requests``), whatever the range."""


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
        .where(_in_blocks(pair, where))
        .group_by(pair.c.email, pair.c.model)
    )  # fmt: skip
    return {(email or None, model): (int(events), join(*limbs))
            for email, model, events, *limbs in rows}  # fmt: skip


def last_days(conn: Connection, where: Scope) -> dict[str | None, date]:
    """Each person's last UTC day with an event in the range: one seek per person and
    integration on ``ix_usage_daily_person`` (MAX of its last column), not a scan of the days."""
    person, daily = tables.person_blocks, tables.usage_daily
    emails = select(person.c.email).where(_in_blocks(person, where)).distinct().subquery()
    out: dict[str | None, date] = {}
    for iid in where.integration_ids:
        last = (
            select(func.max(daily.c.day))
            .where(daily.c.integration_id == iid, daily.c.email == emails.c.email,
                   daily.c.day.between(where.first, where.last))
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
    people = tables.people
    services = set(
        conn.execute(
            select(people.c.email).where(
                people.c.integration_id.in_(where.integration_ids),
                people.c.role == "service-account",
            )
        ).scalars()
    )
    premium = _latest_fast_premium(conn, where.integration_ids)
    return {
        email: Activity(
            top_model=model,
            last_day=last[email],
            service_account=email in services,
            cursor_fast_premium_requests=premium.get(email) if email else None,
        )
        for email, (_sums, model) in top.items()
    }


def names(conn: Connection, where: Scope) -> dict[str | None, str | None]:
    """Display names by email (``None``: the unattributed bucket's label)."""
    out: dict[str | None, str | None] = {None: UNATTRIBUTED_NAME}
    out.update(_names(conn, where.integration_ids))
    return out


def _names(conn: Connection, integration_ids: tuple[int, ...]) -> dict[str, str | None]:
    people = tables.people
    query = select(people.c.email, people.c.name).where(
        people.c.integration_id.in_(integration_ids)
    )
    return dict(conn.execute(query).all())


def _latest_fast_premium(conn: Connection, integration_ids: tuple[int, ...]) -> dict[str, int]:
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
    "users": ("email", "name", *MEASURES),
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
) -> Sequence[object]:
    """The ``kind`` report over ``[since, until]`` (open ends: all stored days); one snapshot."""
    with snapshot(engine) as conn:
        where = scope(conn, since, until, integrations)
        return [] if where is None else REPORTS[kind](conn, where)
