"""Who is who, and in which team on which day: Cursor spend attaches to a person by email, Claude
Code's by its email, Copilot's by its person key ``github:<login>`` (an alias of the person
when the directory ties the login to them), cloud cost by its owner tag, through the aliases of
``store.directory``. A cost goes to the team its
person was in on the cost's day (or to the team its own team tag names), so history stays with
the team it was made in: the range is cut at every day someone changes team, and each piece is
summed with one query per source. What names no person is never hidden nor spread: it is the
``untagged`` identity."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from pumpview.people.membership import Membership, boundaries, team_on
from pumpview.people.person import Person
from pumpview.reports import cloud, copilot_seats, person_keys, usage
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.providers import CURSOR_CURRENCY, DEFAULT_COPILOT, ZERO, narrowed
from pumpview.reports.ranges import Range
from pumpview.reports.scope import Scope
from pumpview.reports.seats import SeatPlan, seat_fees
from pumpview.store import tables
from pumpview.store.directory import load

UNTAGGED = "untagged"
"""The row of what names no person (people) or no team (teams)."""


@dataclass
class Who:
    """A row's identity: a person, an owner tag value no alias names, or nobody."""

    key: str
    label: str
    email: str | None
    person: Person | None


@dataclass
class Sums:
    """One row's running sums (exact, in the caller's ``EXACT`` context) and its people."""

    cursor_spend: Decimal = ZERO
    cursor_on_demand: Decimal = ZERO
    cursor_seats: Decimal = ZERO
    cloud: Decimal = ZERO
    cloud_ownerless: Decimal = ZERO
    cloud_billed: Decimal = ZERO
    claude_code_usage: Decimal = ZERO
    claude_code_estimated: bool = False
    copilot_usage: Decimal = ZERO
    copilot_billed: Decimal = ZERO
    copilot_seats: Decimal = ZERO
    members: set[str] = field(default_factory=set)

    def add(self, share: Share) -> None:
        """``share``'s amounts into the row's sums."""
        self.cursor_spend += share.cursor_spend
        self.cursor_on_demand += share.cursor_on_demand
        self.cursor_seats += share.cursor_seats
        self.cloud += share.cloud
        self.cloud_billed += share.cloud_billed
        self.claude_code_usage += share.claude_code_usage
        self.claude_code_estimated |= share.claude_code_estimated
        self.copilot_usage += share.copilot_usage
        self.copilot_billed += share.copilot_billed
        self.copilot_seats += share.copilot_seats

    @property
    def ai_billed(self) -> Decimal:
        """Every AI tool's billed amount with its seats: Cursor's on-demand + configured seats,
        Claude Code's (estimated) usage, Copilot's net amount + configured seats (cents)."""
        return (self.cursor_on_demand + self.cursor_seats + self.claude_code_usage
                + self.copilot_billed + self.copilot_seats)  # fmt: skip


class Directory:
    """The people directory as attribution reads it: each person by id and by every alias,
    and the Cursor rosters' display names."""

    def __init__(self, conn: Connection) -> None:
        self.people = load(conn)
        self.by_alias = {a: p for p in self.people.values() for a in p.aliases}
        self.names = dict(
            conn.execute(tables.cursor_members.select().with_only_columns(
                tables.cursor_members.c.email, tables.cursor_members.c.name)).all()
        )  # fmt: skip

    def who(self, value: str | None, *, email: bool) -> Who:
        if not value:
            return Who(UNTAGGED, UNTAGGED, None, None)
        person = self.by_alias.get(value)
        if person is not None:
            return Who(f"#{person.id}", person.label, person.email, person)
        if email:  # a Cursor user the directory does not know yet (before a sync made them),
            # or a key that names no person: a GitHub login no alias ties to anyone
            return Who(value, self.names.get(value) or person_keys.label(value) or value, value,
                       None)  # fmt: skip
        return Who(f"tag:{value}", value, None, None)

    def memberships(self) -> Iterator[Membership]:
        for person in self.people.values():
            yield from person.memberships


def pieces(directory: Directory, first: date, last: date) -> list[tuple[date, date]]:
    """``[first, last]`` cut where anyone changes team."""
    cuts = boundaries(directory.memberships(), first, last)
    starts = [first, *cuts]
    ends = [day - timedelta(days=1) for day in cuts] + [last]
    return list(zip(starts, ends, strict=True))


@dataclass(frozen=True, slots=True)
class Share:
    """One identity's spend in one team and currency over one piece of the range: Cursor's
    usage value, on-demand and configured seats in cents, Claude Code's (estimated) usage and
    Copilot's usage value, net billed and configured seats in cents, the cloud's effective and
    billed cost in currency units."""

    who: Who
    team: str | None
    currency: str
    cursor_spend: Decimal = ZERO
    cursor_on_demand: Decimal = ZERO
    cloud: Decimal = ZERO
    ownerless: bool = False
    cursor_seats: Decimal = ZERO
    cloud_billed: Decimal = ZERO
    claude_code_usage: Decimal = ZERO
    claude_code_estimated: bool = False
    copilot_usage: Decimal = ZERO
    copilot_billed: Decimal = ZERO
    copilot_seats: Decimal = ZERO


def shares(
    conn: Connection,
    where: Scope,
    directory: Directory,
    plan: SeatPlan | None = None,
    copilot: CopilotPrices = DEFAULT_COPILOT,
) -> Iterator[Share]:
    """Each identity's spend in each team and currency, piece by piece of the range; with a
    seat ``plan``, each seat's configured fees too (``seats.seat_fees``: per member and
    calendar month whose first day the range holds, as the providers' report and the FOCUS
    export count them), in the team its person was in on that first day. Each AI tool's
    amounts are its own integrations' (``providers.narrowed``); Copilot's seats, priced per
    plan (``copilot``), go to their month's first day's team as Cursor's do."""
    tools = {name: narrowed(where, name) for name in ("cursor", "claude-code", "copilot")}
    for first, last in pieces(directory, where.range.since, where.range.until):
        for name, tool in tools.items():
            if tool is None:
                continue
            piece = replace(tool, range=Range("custom", first, last))
            for user in usage.users(conn, piece):
                who = directory.who(user.email, email=True)
                team = team_on(who.person.memberships, first) if who.person else None
                yield _share(name, who, team, user)
        for (owner, tag_team, currency), costs in cloud.sums(
            conn, first, last, ("owner", "team", "currency")
        ):
            who = directory.who(owner, email=False)
            team = tag_team or (team_on(who.person.memberships, first) if who.person else None)
            yield Share(who, team, currency, cloud=costs.effective_cost,
                        cloud_billed=costs.billed_cost, ownerless=owner is None)  # fmt: skip
    cursor, github = tools["cursor"], tools["copilot"]
    if plan is not None and cursor is not None:
        for fee in seat_fees(conn, cursor, plan):
            who = directory.who(fee.email, email=True)
            team = team_on(who.person.memberships, fee.month) if who.person else None
            yield Share(who, team, CURSOR_CURRENCY, cursor_seats=fee.fee.scaleb(2))
    if github is not None:
        for seat in copilot_seats.seat_fees(
            conn, github.integration_ids, where.range.since, where.range.until, copilot
        ):
            who = directory.who(seat.person, email=True)
            team = team_on(who.person.memberships, seat.month) if who.person else None
            yield Share(who, team, CURSOR_CURRENCY, copilot_seats=seat.fee.scaleb(2))


def _share(provider: str, who: Who, team: str | None, user: usage.UserRow) -> Share:
    """A tool's user row as a share (US dollars, in cents)."""
    if provider == "claude-code":
        return Share(who, team, CURSOR_CURRENCY, claude_code_usage=user.on_demand_cents,
                     claude_code_estimated=user.estimated_cents != 0)  # fmt: skip
    if provider == "copilot":
        return Share(who, team, CURSOR_CURRENCY, copilot_usage=user.spend_cents,
                     copilot_billed=user.on_demand_cents)  # fmt: skip
    return Share(who, team, CURSOR_CURRENCY, cursor_spend=user.spend_cents,
                 cursor_on_demand=user.on_demand_cents)  # fmt: skip


def members(directory: Directory, first: date, last: date) -> dict[str, set[int]]:
    """Each team's people: everyone in it on some day of ``[first, last]``."""
    members: dict[str, set[int]] = {}
    for person in directory.people.values():
        for m in person.memberships:
            if m.overlaps(first, last):
                members.setdefault(m.team, set()).add(person.id)
    return members
