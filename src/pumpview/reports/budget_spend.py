"""What a budget's scope spends, per UTC day over a window of instants, and its seats: the
figures ``reports.budgets`` compares with the amount.

- **AI tools** (provider ``cursor``: Cursor's integrations; ``all``: every tool's, Claude Code's
  estimates among them): the measure (usage value or on-demand) in ``[start_ms, end_ms)``:
  whole days from the daily sums, a day cut by an end folded from its events
  (``reports.window``), so a cycle starting at 17:23 splits that day at 17:23. The organisation
  counts everything (events without an email too); an integration its own events; a person the
  events of their emails (every alias); a team its members' events on the days they were in it
  (``reports.attribution``'s rule: history stays with the team it was made in).
- **Cloud** (provider ``all``): FOCUS ``BilledCost`` in US dollars (what the invoice charges;
  other currencies are never added to dollars) per charge day, for the days whose midnight lies
  in the window; a person's by their owner tag's aliases, a team's by its team tag or its
  owner's team that day, as the Teams page attributes them.
- **Seats** (measure ``bill``): the configured price times the paid seats the scope holds now
  (``seats.seat_members``): all of them, an integration's, a team's members' (in it today), a
  person's (one per Cursor team they are in). For provider ``all``, GitHub Copilot's seats too:
  each seat active in the month of today at its plan's configured price
  (``copilot_seats.seat_fees``), a person's or a team's through the login's alias
  ``github:<login>``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, select

from pumpview.people.aliases import alias
from pumpview.reports import cloud, copilot_seats, window
from pumpview.reports.attribution import Directory
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.providers import CURSOR_CURRENCY
from pumpview.reports.seats import seat_members
from pumpview.store import facts, tables
from pumpview.store.budgets import Budget
from pumpview.store.measures import EXACT, Measures
from pumpview.timeutil import day_of, day_start_ms

ZERO = Decimal(0)


Span = tuple[date | None, date | None]
"""A membership's first day (inclusive) and first day out (exclusive); ``None``: open."""
Folded = dict[tuple[tuple[int, ...], int, int], dict[str, Measures]]
"""Cut days already folded from their events: (integrations, start, end) -> per person. Shared
by the budgets of one snapshot, a cycle's first day is read once, not once per budget."""


@dataclass(frozen=True, slots=True)
class Scoped:
    """A budget's scope resolved against the store: the Cursor integrations it reads and who
    is in it."""

    budget: Budget
    integration_ids: tuple[int, ...]
    emails: frozenset[str] = frozenset()
    """A person's or a team's budget: every alias (emails, owner tag values) of its people."""
    spans: Mapping[str, tuple[Span, ...]] = field(default_factory=dict)
    """A team's budget: each alias's spans in the team (``people.membership``: one team a day)."""

    @property
    def column(self) -> str:
        """The Cursor measure summed: on-demand for the bill and on-demand, else usage value."""
        return "spend_cents" if self.budget.measure == "usage" else "on_demand_cents"

    def counts(self, email: str, day: date) -> bool:
        """Whether Cursor usage (or a cloud cost owned) by ``email`` on ``day`` is the scope's."""
        scope = self.budget.scope
        if scope in ("organization", "integration"):
            return True
        if scope == "person":
            return email in self.emails
        return any(
            (start is None or start <= day) and (end is None or day < end)
            for start, end in self.spans.get(email, ())
        )


def resolve(conn: Connection, budget: Budget, directory: Directory | None = None) -> Scoped:
    """The budget's scope against the store now (``directory``: the people directory, when
    the caller has it loaded already)."""
    rows = tables.integrations
    ids_by_name = {
        str(n): int(i)  # a Cursor budget counts Cursor's integrations; "all", every tool's
        for n, i, provider in conn.execute(select(rows.c.name, rows.c.id, rows.c.provider))
        if budget.provider != "cursor" or provider == "cursor"
    }
    if budget.scope == "integration":
        iid = ids_by_name.get(budget.scope_value or "")
        ids: tuple[int, ...] = () if iid is None else (iid,)
    else:
        ids = tuple(sorted(ids_by_name.values()))
    if budget.scope in ("organization", "integration"):
        return Scoped(budget, ids)
    directory = directory or Directory(conn)
    if budget.scope == "person":
        email = alias(budget.scope_value or "")
        person = directory.by_alias.get(email)
        return Scoped(budget, ids, frozenset({email, *(person.aliases if person else ())}))
    spans: dict[str, tuple[Span, ...]] = {}
    for person in directory.people.values():
        mine = tuple(
            (m.valid_from, m.valid_to) for m in person.memberships if m.team == budget.scope_value
        )
        if mine:
            spans.update(dict.fromkeys(person.aliases, mine))
    return Scoped(budget, ids, frozenset(spans), spans)


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def cursor_days(
    conn: Connection, scoped: Scoped, start_ms: int, end_ms: int, folded: Folded | None = None
) -> dict[date, Decimal]:
    """The scope's Cursor measure per UTC day of ``[start_ms, end_ms)``, exactly (``folded``:
    the cut days other budgets of the same snapshot folded already, and where to keep more)."""
    out: dict[date, Decimal] = {}
    if end_ms <= start_ms or not scoped.integration_ids:
        return out
    first, last = day_of(start_ms), day_of(end_ms - 1)
    whole_first = first if day_start_ms(first) == start_ms else first + timedelta(days=1)
    whole_last = last if day_start_ms(last + timedelta(days=1)) == end_ms else last - timedelta(1)
    column = scoped.column
    with decimal.localcontext(EXACT):
        if whole_first <= whole_last:
            for day, email, cents in _whole_days(conn, scoped, whole_first, whole_last, column):
                if scoped.counts(email, day):
                    out[day] = out.get(day, ZERO) + cents
        for day in sorted({first, last} - set(_days(whole_first, whole_last))):
            lo = max(start_ms, day_start_ms(day))
            hi = min(end_ms, day_start_ms(day + timedelta(days=1)))
            key = (scoped.integration_ids, lo, hi)
            people = None if folded is None else folded.get(key)
            if people is None:
                people = window.per_person(conn, scoped.integration_ids, lo, hi)
                if folded is not None:
                    folded[key] = people
            for email, measures in people.items():
                if scoped.counts(email, day):
                    out[day] = out.get(day, ZERO) + getattr(measures, column)
    return out


def _whole_days(
    conn: Connection, scoped: Scoped, first: date, last: date, column: str
) -> list[tuple[date, str, Decimal]]:
    """(day, email, cents) per whole day: per person only when the scope needs it."""
    per_person = scoped.budget.scope in ("team", "person")
    emails = sorted(scoped.emails) if per_person else None
    rows = facts.of(conn).sums(
        scoped.integration_ids, first, last,
        by=("day", "email") if per_person else ("day",), measures=(column,), emails=emails,
    )  # fmt: skip
    if per_person:
        return [(day, email, cents) for day, email, cents in rows]
    return [(day, "", cents) for day, cents in rows]


def cloud_days(conn: Connection, scoped: Scoped, start_ms: int, end_ms: int) -> dict[date, Decimal]:
    """The scope's cloud costs (FOCUS BilledCost, US dollars) in cents per charge day whose
    midnight lies in ``[start_ms, end_ms)``; none for an integration's budget."""
    out: dict[date, Decimal] = {}
    if end_ms <= start_ms or scoped.budget.scope == "integration":
        return out
    first = day_of(start_ms - 1) + timedelta(days=1)  # the first midnight at or after the start
    last = day_of(end_ms - 1)
    if first > last:
        return out
    by = ("charge_day", "owner", "team", "currency")
    with decimal.localcontext(EXACT):
        for (day, owner, tag_team, currency), costs in cloud.sums(conn, first, last, by):
            if currency != CURSOR_CURRENCY or not _cloud_counts(scoped, day, owner, tag_team):
                continue
            out[day] = out.get(day, ZERO) + costs.billed_cost.scaleb(2)
    return out


def _cloud_counts(scoped: Scoped, day: date, owner: str | None, tag_team: str | None) -> bool:
    scope = scoped.budget.scope
    if scope == "organization":
        return True
    if scope == "person":
        return owner is not None and owner in scoped.emails
    if tag_team:
        return tag_team == scoped.budget.scope_value
    return owner is not None and scoped.counts(owner, day)


def spend_days(
    conn: Connection, scoped: Scoped, start_ms: int, end_ms: int, folded: Folded | None = None
) -> dict[date, Decimal]:
    """Cursor's measure, and the cloud's costs for provider ``all``, per day (cents)."""
    days = cursor_days(conn, scoped, start_ms, end_ms, folded)
    if scoped.budget.provider == "all":
        with decimal.localcontext(EXACT):
            for day, cents in cloud_days(conn, scoped, start_ms, end_ms).items():
                days[day] = days.get(day, ZERO) + cents
    return days


def seats(conn: Connection, scoped: Scoped, today: date) -> int:
    """Paid seats the scope holds now (a team's: its members on ``today``)."""
    held = seat_members(conn, scoped.integration_ids)
    return sum(1 for _iid, email in held if scoped.counts(email, today))


def copilot_seat_fees(
    conn: Connection, scoped: Scoped, today: date, prices: CopilotPrices
) -> tuple[int, Decimal]:
    """Provider ``all``: the Copilot seats the scope holds in the month of ``today`` and their
    configured fees in cents; none for a Cursor budget."""
    if scoped.budget.provider != "all" or not scoped.integration_ids:
        return 0, ZERO
    fees = [
        fee
        for fee in copilot_seats.seat_fees(
            conn, scoped.integration_ids, today.replace(day=1), today, prices
        )
        if scoped.counts(fee.person, today)
    ]
    return len(fees), copilot_seats.total_cents(fees)


def first_day(conn: Connection, scoped: Scoped) -> date | None:
    """The first day the data holds: the oldest synced day of the scope's integrations, else
    (no Cursor data) the oldest cloud charge day."""
    synced = tables.sync_days
    oldest = None
    if scoped.integration_ids:
        oldest = conn.execute(
            select(func.min(synced.c.day)).where(
                synced.c.integration_id.in_(scoped.integration_ids)
            )
        ).scalar_one()
    if oldest is None and scoped.budget.provider == "all":
        stored = cloud.days(conn)
        oldest = stored[0] if stored else None
    return oldest
