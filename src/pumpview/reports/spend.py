"""AI and cloud spend together: per provider, per person and per team.

Cursor spend attaches to a person by email; cloud cost by its owner tag, through the aliases of
``store.directory``. A cost goes to the team its person was in on the cost's day (or to the team
its own team tag names), so history stays with the team it was made in: the range is cut at
every day someone changes team, and each piece is summed with one query per source.

What names no person is never hidden nor spread: it is the ``untagged`` row. Cloud amounts are
in their currency's units, one row per currency; Cursor bills in US dollars, so its cents are on
each person's and team's ``USD`` row.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine

from pumpview.people.aliases import alias, label_form
from pumpview.people.membership import Membership, boundaries, team_on
from pumpview.people.person import Person
from pumpview.reports import cloud, seats, usage
from pumpview.reports.seats import SeatPlan
from pumpview.store import tables
from pumpview.store.directory import load
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT

UNTAGGED = "untagged"
"""The row of what names no person (people) or no team (teams)."""
CURSOR = "Cursor"
CURSOR_CURRENCY = "USD"
USAGE_SERVICE = "Cursor AI Usage"
SEAT_SERVICE = "Cursor"
"""Cursor as a provider: its name, currency and the FOCUS ``ServiceName`` of its usage and of
its (configured) seats, here and in the FOCUS export (``exports.focus``), which reads them."""
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ProviderRow:
    provider: str
    service: str | None
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    person: str
    email: str | None
    team: str | None
    cursor_spend_cents: Decimal
    cursor_on_demand_cents: Decimal
    cloud_effective_cost: Decimal
    currency: str
    linked: bool
    """Whether the row is a known person (``False``: an owner tag no alias names, or untagged)."""


@dataclass(frozen=True, slots=True)
class TeamRow:
    team: str
    members: int
    cursor_spend_cents: Decimal
    cloud_effective_cost: Decimal
    untagged_cloud_cost: Decimal
    """The team's cloud cost that names no person (its team tag alone)."""
    currency: str


COLUMNS: dict[str, tuple[str, ...]] = {
    "providers": ("provider", "service", "billed_cost", "effective_cost", "list_cost", "currency"),
    "people": ("person", "email", "team", "cursor_spend_cents", "cursor_on_demand_cents",
               "cloud_effective_cost", "currency"),
    "teams": ("team", "members", "cursor_spend_cents", "cloud_effective_cost",
              "untagged_cloud_cost", "currency"),
}  # fmt: skip
"""Each report's fields, in order: the JSON and CSV contract of the CLI and the API alike."""


@dataclass(frozen=True, slots=True)
class Span:
    """What a unified report covers: an inclusive range of UTC days, and the Cursor teams."""

    first: date
    last: date
    cursor: usage.Scope | None


def span(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
) -> Span | None:
    """The range, with an open end set to the stored data's (Cursor's or the cloud's);
    ``None`` when there is nothing."""
    ends = []
    stored = usage.scope(conn, None, None, integrations)
    if stored is not None:
        ends.append((stored.first, stored.last))
    cloud_days = cloud.days(conn)
    if cloud_days is not None:
        ends.append(cloud_days)
    if not ends:
        return None
    first = since or min(f for f, _l in ends)
    last = until or max(last for _f, last in ends)
    if first > last:
        return None
    return Span(first, last, usage.scope(conn, first, last, integrations))


# -- who is who -------------------------------------------------------------------------------


@dataclass
class _Who:
    """A row's identity: a person, an owner tag value no alias names, or nobody."""

    key: str
    label: str
    email: str | None
    person: Person | None


@dataclass
class _Sums:
    cursor_spend: Decimal = ZERO
    cursor_on_demand: Decimal = ZERO
    cloud: Decimal = ZERO
    cloud_ownerless: Decimal = ZERO
    members: set[str] = field(default_factory=set)


class _Directory:
    def __init__(self, conn: Connection) -> None:
        self.people = load(conn)
        self.by_alias = {a: p for p in self.people.values() for a in p.aliases}
        self.names = dict(
            conn.execute(tables.cursor_members.select().with_only_columns(
                tables.cursor_members.c.email, tables.cursor_members.c.name)).all()
        )  # fmt: skip

    def who(self, value: str | None, *, email: bool) -> _Who:
        if not value:
            return _Who(UNTAGGED, UNTAGGED, None, None)
        person = self.by_alias.get(value)
        if person is not None:
            return _Who(f"#{person.id}", person.label, person.email, person)
        if email:  # a Cursor user the directory does not know yet (before a sync made them)
            return _Who(value, self.names.get(value) or value, value, None)
        return _Who(f"tag:{value}", value, None, None)

    def memberships(self) -> Iterator[Membership]:
        for person in self.people.values():
            yield from person.memberships


def _pieces(directory: _Directory, first: date, last: date) -> list[tuple[date, date]]:
    """``[first, last]`` cut where anyone changes team."""
    cuts = boundaries(directory.memberships(), first, last)
    starts = [first, *cuts]
    ends = [day - timedelta(days=1) for day in cuts] + [last]
    return list(zip(starts, ends, strict=True))


@dataclass(frozen=True, slots=True)
class _Share:
    """One identity's spend in one team and currency over one piece of the range."""

    who: _Who
    team: str | None
    currency: str
    cursor_spend: Decimal = ZERO
    cursor_on_demand: Decimal = ZERO
    cloud: Decimal = ZERO
    ownerless: bool = False


def _shares(conn: Connection, where: Span, directory: _Directory) -> Iterator[_Share]:
    for first, last in _pieces(directory, where.first, where.last):
        if where.cursor is not None:
            piece = usage.Scope(where.cursor.integration_ids, first, last)
            for user in usage.users(conn, piece):
                who = directory.who(user.email, email=True)
                team = team_on(who.person.memberships, first) if who.person else None
                yield _Share(who, team, CURSOR_CURRENCY, cursor_spend=user.spend_cents,
                             cursor_on_demand=user.on_demand_cents)  # fmt: skip
        for (owner, tag_team, currency), costs in cloud.sums(
            conn, first, last, ("owner", "team", "currency")
        ):
            who = directory.who(owner, email=False)
            team = tag_team or (team_on(who.person.memberships, first) if who.person else None)
            yield _Share(who, team, currency, cloud=costs.effective_cost,
                         ownerless=owner is None)  # fmt: skip


# -- the reports ------------------------------------------------------------------------------


def people(conn: Connection, where: Span) -> list[PersonRow]:
    """One row per person and currency; the ``untagged`` row last."""
    directory = _Directory(conn)
    sums: dict[tuple[str, str], _Sums] = {}
    whos: dict[str, _Who] = {}
    with decimal.localcontext(EXACT):
        for share in _shares(conn, where, directory):
            whos[share.who.key] = share.who
            s = sums.setdefault((share.who.key, share.currency), _Sums())
            s.cursor_spend += share.cursor_spend
            s.cursor_on_demand += share.cursor_on_demand
            s.cloud += share.cloud
    rows = []
    for (key, currency), s in sums.items():
        who = whos[key]
        team = team_on(who.person.memberships, where.last) if who.person else None
        rows.append(
            PersonRow(who.label, who.email, team, s.cursor_spend, s.cursor_on_demand, s.cloud,
                      currency, who.person is not None)
        )  # fmt: skip
    return sorted(
        rows,
        key=lambda r: (r.person == UNTAGGED, -(r.cursor_spend_cents / 100 + r.cloud_effective_cost),
                       r.person, r.currency),
    )  # fmt: skip


def teams(conn: Connection, where: Span) -> list[TeamRow]:
    """One row per team and currency; what is in no team is the ``untagged`` row, last."""
    directory = _Directory(conn)
    sums: dict[tuple[str, str], _Sums] = {}
    with decimal.localcontext(EXACT):
        for share in _shares(conn, where, directory):
            s = sums.setdefault((share.team or UNTAGGED, share.currency), _Sums())
            s.cursor_spend += share.cursor_spend
            s.cloud += share.cloud
            if share.ownerless:
                s.cloud_ownerless += share.cloud
            elif share.team is None and (share.who.person is not None or share.who.email):
                s.members.add(share.who.key)  # in no team: a person, or a Cursor user
    members = _members(directory, where.first, where.last)
    for team in members:  # a team with no spend in the range is a row too, at zero
        sums.setdefault((team, CURSOR_CURRENCY), _Sums())
    rows = [
        TeamRow(team, len(members.get(team, s.members)), s.cursor_spend, s.cloud,
                s.cloud_ownerless, currency)
        for (team, currency), s in sums.items()
    ]  # fmt: skip
    return sorted(
        rows,
        key=lambda r: (r.team == UNTAGGED, -(r.cursor_spend_cents / 100 + r.cloud_effective_cost),
                       r.team, r.currency),
    )  # fmt: skip


def _members(directory: _Directory, first: date, last: date) -> dict[str, set[int]]:
    """Each team's people: everyone in it on some day of ``[first, last]``."""
    members: dict[str, set[int]] = {}
    for person in directory.people.values():
        for m in person.memberships:
            if m.overlaps(first, last):
                members.setdefault(m.team, set()).add(person.id)
    return members


def providers(
    conn: Connection, where: Span, *, by_service: bool = False, plan: SeatPlan | None = None
) -> list[ProviderRow]:
    """Cloud costs per provider (and service), with Cursor as a provider by the FOCUS mapping
    the export writes: billed = effective = on-demand, list = before discounts; configured seat
    fees (``plan``) added to all three, as the export's seat rows (service ``Cursor``)."""
    by = ("provider", "service", "currency") if by_service else ("provider", "currency")
    rows = [
        ProviderRow(key[0] or "(none)", (key[1] or "(none)") if by_service else None,
                    costs.billed_cost, costs.effective_cost, costs.list_cost, key[-1])
        for key, costs in cloud.sums(conn, where.first, where.last, by)
    ]  # fmt: skip
    if where.cursor is not None:
        rows += _cursor_rows(conn, where.cursor, by_service, plan)
    return sorted(rows, key=lambda r: (-r.effective_cost, r.provider, r.service or "", r.currency))


@dataclass(frozen=True, slots=True)
class Owned:
    """A Cursor user's place beside the cloud: their team and the cloud costs they own."""

    team: str | None
    aliases: tuple[str, ...]
    costs: list[ProviderRow]


def owned(conn: Connection, first: date, last: date, email: str) -> Owned:
    """The cloud costs of ``[first, last]`` whose owner tag names the person of ``email``
    (any of their aliases), per provider, service and currency; and their team on ``last``."""
    directory = _Directory(conn)
    person = directory.by_alias.get(alias(email))
    aliases = tuple(person.aliases) if person else (alias(email), label_form(email))
    rows = [
        ProviderRow(provider or "(none)", service or "(none)", costs.billed_cost,
                    costs.effective_cost, costs.list_cost, currency)
        for (provider, service, currency), costs in cloud.sums(
            conn, first, last, ("provider", "service", "currency"), owners=aliases
        )
    ]  # fmt: skip
    team = team_on(person.memberships, last) if person else None
    return Owned(team, aliases, sorted(rows, key=lambda r: (r.currency, -r.effective_cost)))


def provider_days(conn: Connection, where: Span) -> list[usage.ModelDay]:
    """Each provider's US-dollar effective cost per day in cents (a day's spend per "model", as
    the stacked charts take it), Cursor's on-demand among them (FOCUS: billed = effective =
    on-demand). Other currencies are left out: they are never added to dollars."""
    days = [
        usage.ModelDay(day, provider or "(none)", costs.effective_cost.scaleb(2, EXACT), 0)
        for (day, provider, currency), costs in cloud.sums(
            conn, where.first, where.last, ("charge_day", "provider", "currency")
        )
        if currency == CURSOR_CURRENCY
    ]
    if where.cursor is not None:
        days += [
            usage.ModelDay(d.date, CURSOR, d.on_demand_cents, 0)
            for d in usage.daily(conn, where.cursor)
        ]
    return days


def _cursor_rows(
    conn: Connection, where: usage.Scope, by_service: bool, plan: SeatPlan | None
) -> list[ProviderRow]:
    total = usage.total(conn, where)
    fees = seats.seat_fees(conn, where, plan) if plan is not None else []
    with decimal.localcontext(EXACT):
        seat = sum((f.fee for f in fees), ZERO)
        billed, listed = total.on_demand_cents.scaleb(-2), total.list_cents.scaleb(-2)
        parts = [(USAGE_SERVICE, billed, listed)] if total.events else []
        if fees:
            parts.append((SEAT_SERVICE, seat, seat))
        if by_service:
            return [ProviderRow(CURSOR, s, b, b, li, CURSOR_CURRENCY) for s, b, li in parts]
        if not parts:
            return []
        billed, listed = sum((p[1] for p in parts), ZERO), sum((p[2] for p in parts), ZERO)
    return [ProviderRow(CURSOR, None, billed, billed, listed, CURSOR_CURRENCY)]


def run(
    engine: Engine,
    kind: str,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
    *,
    by_service: bool = False,
    plan: SeatPlan | None = None,
) -> Sequence[object]:
    """The ``kind`` report over ``[since, until]`` (open ends: all stored days); one snapshot."""
    with snapshot(engine) as conn:
        where = span(conn, since, until, integrations)
        if where is None:
            return []
        if kind == "providers":
            return providers(conn, where, by_service=by_service, plan=plan)
        return people(conn, where) if kind == "people" else teams(conn, where)
