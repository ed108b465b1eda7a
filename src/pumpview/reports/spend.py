"""AI and cloud spend together: per provider, per person and per team, over the days Cursor's
usage or the cloud's costs cover (``scope``); the JSON and CSV contract of each (``COLUMNS``)
and ``run``, what the CLI calls.

Who is who and in which team is ``attribution``'s; costs per provider are ``providers``'. Cloud
amounts are in their currency's units, one row per currency; Cursor bills in US dollars, so its
cents are on each person's and team's ``USD`` row. Rows compare billed amounts (Cursor's
``cursor_billed_cents``: on-demand + configured seats; the cloud's ``cloud_billed_cost``);
``cursor_spend_cents`` is Cursor's usage value (``reports.billing`` has the words).

Beside Cursor's fields, each row has the other AI tools' (appended, never renamed): Claude
Code's usage (Anthropic's estimate, billed as it is: ``claude_code_estimated``), Copilot's usage
value (gross), net billed amount and configured seats, and ``ai_billed_cents``: every tool's
billed amount with its seats, the figure a manager compares (estimated when any Claude Code
part is in it).
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine

from pumpview.people.aliases import alias, label_form
from pumpview.people.membership import team_on
from pumpview.reports import attribution, cloud, providers
from pumpview.reports.attribution import UNTAGGED, Sums
from pumpview.reports.copilot_seats import CopilotPrices
from pumpview.reports.providers import CURSOR_CURRENCY, DEFAULT_COPILOT, ProviderRow
from pumpview.reports.scope import Scope
from pumpview.reports.scope import scope as usage_scope
from pumpview.reports.seats import SeatPlan
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT, ZERO


@dataclass(frozen=True, slots=True)
class PersonRow:
    person: str
    email: str | None
    team: str | None
    cursor_spend_cents: Decimal
    """Cursor's usage value (``reports.billing`` has the words)."""
    cursor_on_demand_cents: Decimal
    cloud_effective_cost: Decimal
    currency: str
    linked: bool
    """Whether the row is a known person (``False``: an owner tag no alias names, or untagged)."""
    cursor_seats_cents: Decimal = ZERO
    """Their seats' configured fees over the range (``seats.seat_fees``); zero without a price."""
    cursor_billed_cents: Decimal = ZERO
    """Cursor's billed amount: on-demand + configured seats (the FOCUS export's ``BilledCost``)."""
    cloud_billed_cost: Decimal = ZERO
    """FOCUS ``BilledCost`` of the cloud costs they own."""
    claude_code_usage_cents: Decimal = ZERO
    """Claude Code's usage value, billed as it is: Anthropic's per-person estimate."""
    claude_code_estimated: bool = False
    """Whether ``claude_code_usage_cents`` (and so ``ai_billed_cents``) holds an estimate."""
    copilot_usage_cents: Decimal = ZERO
    """Copilot's usage value: GitHub's gross amount, the monthly allowance included."""
    copilot_billed_cents: Decimal = ZERO
    """Copilot's net amount: billed beyond the allowance and the seats."""
    copilot_seats_cents: Decimal = ZERO
    """Copilot's seats at the configured plan prices over the range (``copilot_seats``)."""
    ai_billed_cents: Decimal = ZERO
    """Every AI tool's billed amount with its seats: Cursor's billed + Claude Code's usage +
    Copilot's net + Copilot's seats."""


@dataclass(frozen=True, slots=True)
class TeamRow:
    team: str
    members: int
    cursor_spend_cents: Decimal
    """Cursor's usage value (``reports.billing`` has the words)."""
    cloud_effective_cost: Decimal
    untagged_cloud_cost: Decimal
    """The team's cloud cost that names no person (its team tag alone)."""
    currency: str
    cursor_on_demand_cents: Decimal = ZERO
    cursor_seats_cents: Decimal = ZERO
    """The configured fees of its members' seats over the range; zero without a seat price."""
    cursor_billed_cents: Decimal = ZERO
    """Cursor's billed amount: on-demand + configured seats (the FOCUS export's ``BilledCost``)."""
    cloud_billed_cost: Decimal = ZERO
    """FOCUS ``BilledCost`` of the team's cloud costs: what compares with Cursor's billed."""
    claude_code_usage_cents: Decimal = ZERO
    """Claude Code's usage value, billed as it is: Anthropic's per-person estimate."""
    claude_code_estimated: bool = False
    """Whether ``claude_code_usage_cents`` (and so ``ai_billed_cents``) holds an estimate."""
    copilot_usage_cents: Decimal = ZERO
    """Copilot's usage value: GitHub's gross amount, the monthly allowance included."""
    copilot_billed_cents: Decimal = ZERO
    """Copilot's net amount: billed beyond the allowance and the seats."""
    copilot_seats_cents: Decimal = ZERO
    """Copilot's seats at the configured plan prices over the range (``copilot_seats``)."""
    ai_billed_cents: Decimal = ZERO
    """Every AI tool's billed amount with its seats: Cursor's billed + Claude Code's usage +
    Copilot's net + Copilot's seats."""


TOOLS = ("claude_code_usage_cents", "claude_code_estimated", "copilot_usage_cents",
         "copilot_billed_cents", "copilot_seats_cents", "ai_billed_cents")  # fmt: skip
"""The other AI tools' fields of the people and teams rows, and every tool's billed."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "providers": ("provider", "service", "billed_cost", "effective_cost", "list_cost", "currency",
                  "estimated"),
    "people": ("person", "email", "team", "cursor_spend_cents", "cursor_on_demand_cents",
               "cloud_effective_cost", "currency", "cursor_seats_cents", "cursor_billed_cents",
               "cloud_billed_cost", *TOOLS),
    "teams": ("team", "members", "cursor_spend_cents", "cloud_effective_cost",
              "untagged_cloud_cost", "currency", "cursor_on_demand_cents", "cursor_seats_cents",
              "cursor_billed_cents", "cloud_billed_cost", *TOOLS),
}  # fmt: skip
"""Each report's fields, in order: the JSON and CSV contract of the CLI and the API alike (new
fields are appended, so scripts reading the first ones by position go on working)."""


CURSOR = "cursor"
"""The provider whose figures these reports set beside the cloud's first (``cursor_*``)."""


def scope(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
) -> Scope | None:
    """Every AI tool's integrations (``Scope.providers`` says whose each is: the reports narrow
    to each tool's own, ``providers.narrowed``) and the range, with an open end set to the
    stored data's (the tools' or the cloud's); ``None`` when there is nothing. An unknown
    integration name is a ``UserInputError``."""
    ends = []
    stored = usage_scope(conn, None, None, integrations)
    if stored is not None:
        ends.append((stored.range.since, stored.range.until))
    cloud_days = cloud.days(conn)
    if cloud_days is not None:
        ends.append(cloud_days)
    if not ends:
        return None
    first = since or min(f for f, _l in ends)
    last = until or max(last for _f, last in ends)
    if first > last:
        return None
    return usage_scope(conn, first, last, integrations)


# -- the reports ------------------------------------------------------------------------------


def people(
    conn: Connection,
    where: Scope,
    plan: SeatPlan | None = None,
    copilot: CopilotPrices = DEFAULT_COPILOT,
) -> list[PersonRow]:
    """One row per person and currency, the biggest billed amount first (Cursor's on-demand
    and configured seats of ``plan``, and the cloud's billed cost); the ``untagged`` row last."""
    directory = attribution.Directory(conn)
    sums: dict[tuple[str, str], attribution.Sums] = {}
    whos: dict[str, attribution.Who] = {}
    with decimal.localcontext(EXACT):
        for share in attribution.shares(conn, where, directory, plan, copilot):
            whos[share.who.key] = share.who
            sums.setdefault((share.who.key, share.currency), Sums()).add(share)
        rows = []
        for (key, currency), s in sums.items():
            who = whos[key]
            team = team_on(who.person.memberships, where.range.until) if who.person else None
            rows.append(
                PersonRow(who.label, who.email, team, s.cursor_spend, s.cursor_on_demand, s.cloud,
                          currency, who.person is not None, s.cursor_seats,
                          s.cursor_on_demand + s.cursor_seats, s.cloud_billed, *_tools(s))
            )  # fmt: skip
        return sorted(
            rows,
            key=lambda r: (r.person == UNTAGGED, -_billed(r), r.person, r.currency),
        )


def _tools(s: Sums) -> tuple[Decimal, bool, Decimal, Decimal, Decimal, Decimal]:
    """A row's ``TOOLS`` fields from its sums."""
    return (s.claude_code_usage, s.claude_code_estimated, s.copilot_usage, s.copilot_billed,
            s.copilot_seats, s.ai_billed)  # fmt: skip


def _billed(row: PersonRow | TeamRow) -> Decimal:
    """A row's billed amount in its currency's units, every AI tool's and the cloud's."""
    return row.ai_billed_cents.scaleb(-2) + row.cloud_billed_cost


def teams(
    conn: Connection,
    where: Scope,
    plan: SeatPlan | None = None,
    copilot: CopilotPrices = DEFAULT_COPILOT,
) -> list[TeamRow]:
    """One row per team and currency, the biggest billed amount first (Cursor's on-demand and
    its members' configured seats of ``plan``, and the cloud's billed cost); what is in no team
    is the ``untagged`` row, last."""
    directory = attribution.Directory(conn)
    sums: dict[tuple[str, str], attribution.Sums] = {}
    with decimal.localcontext(EXACT):
        for share in attribution.shares(conn, where, directory, plan, copilot):
            s = sums.setdefault((share.team or UNTAGGED, share.currency), Sums())
            s.add(share)
            if share.ownerless:
                s.cloud_ownerless += share.cloud
            elif share.team is None and (share.who.person is not None or share.who.email):
                s.members.add(share.who.key)  # in no team: a person, or a Cursor user
    members = attribution.members(directory, where.range.since, where.range.until)
    for team in members:  # a team with no spend in the range is a row too, at zero
        sums.setdefault((team, CURSOR_CURRENCY), Sums())
    with decimal.localcontext(EXACT):
        rows = [
            TeamRow(team, len(members.get(team, s.members)), s.cursor_spend, s.cloud,
                    s.cloud_ownerless, currency, s.cursor_on_demand, s.cursor_seats,
                    s.cursor_on_demand + s.cursor_seats, s.cloud_billed, *_tools(s))
            for (team, currency), s in sums.items()
        ]  # fmt: skip
        return sorted(rows, key=lambda r: (r.team == UNTAGGED, -_billed(r), r.team, r.currency))


@dataclass(frozen=True, slots=True)
class Owned:
    """A Cursor user's place beside the cloud: their team and the cloud costs they own."""

    team: str | None
    aliases: tuple[str, ...]
    costs: list[ProviderRow]


def owned(conn: Connection, first: date, last: date, email: str) -> Owned:
    """The cloud costs of ``[first, last]`` whose owner tag names the person of ``email``
    (any of their aliases), per provider, service and currency; and their team on ``last``."""
    directory = attribution.Directory(conn)
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


def run(
    engine: Engine,
    kind: str,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
    *,
    by_service: bool = False,
    plan: SeatPlan | None = None,
    copilot: CopilotPrices = DEFAULT_COPILOT,
) -> Sequence[object]:
    """The ``kind`` report over ``[since, until]`` (open ends: all stored days); one snapshot.
    ``plan``: Cursor's seat price; ``copilot``: Copilot's per plan."""
    with snapshot(engine) as conn:
        where = scope(conn, since, until, integrations)
        if where is None:
            return []
        if kind == "providers":
            return providers.providers(conn, where, by_service=by_service, plan=plan,
                                       copilot=copilot)  # fmt: skip
        report = people if kind == "people" else teams
        return report(conn, where, plan, copilot)
