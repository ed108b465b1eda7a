"""Activity beside cost: what each person (and team) did with a tool, as its provider counts it
(``activity_daily``), beside that provider's usage value, and the cost per unit of activity
within that one provider (Claude Code's cents per commit, Copilot's per active day...), never
one tool's cost over another's activity. Cursor's Admin API reports no activity: it has no row.

A person's keys are resolved through the directory's aliases (``reports.attribution``): Claude
Code's rows carry an email, Copilot's a ``github:<login>`` that an alias ties to a person (an
unmapped login is its own row). A person's team is the one they are in on the range's last day
(their current team, for a range up to yesterday), not the team of each day: activity counts are
not money, so the simpler rule is kept and said.
"""

from __future__ import annotations

import decimal
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, select

from pumpview.people.membership import team_on
from pumpview.reports.attribution import UNTAGGED, Directory
from pumpview.reports.plain import Plain, plain
from pumpview.reports.scope import ALL, Scope, scope
from pumpview.reports.unit_costs import ratio
from pumpview.store import facts, tables
from pumpview.store.engine import snapshot
from pumpview.store.measures import EXACT

ACTIVITY: dict[str, tuple[str, ...]] = {
    "claude-code": ("sessions", "lines_added", "lines_removed", "commits", "pull_requests",
                    "tool_accepted", "tool_rejected"),
    "copilot": ("interactions", "code_generations", "code_acceptances", "lines_added",
                "lines_deleted", "active_days"),
}  # fmt: skip
"""The measures each provider writes to ``activity_daily`` (``integrations.claude_code.usage``,
``integrations.copilot.metrics``), in the order shown. Cursor writes none."""
PROVIDERS = tuple(ACTIVITY)

PER_UNIT: dict[str, tuple[tuple[str, str, int], ...]] = {
    "claude-code": (("cents_per_session", "sessions", 1),
                    ("cents_per_commit", "commits", 1),
                    ("cents_per_pull_request", "pull_requests", 1),
                    ("cents_per_1000_lines_added", "lines_added", 1000)),
    "copilot": (("cents_per_code_acceptance", "code_acceptances", 1),
                ("cents_per_1000_lines_added", "lines_added", 1000),
                ("cents_per_active_day", "active_days", 1)),
}  # fmt: skip
"""Each provider's costs per unit: (field, the activity measure it divides by, per how many)."""
UNIT_LABELS = {
    "cents_per_session": "per session", "cents_per_commit": "per commit",
    "cents_per_pull_request": "per pull request",
    "cents_per_1000_lines_added": "per 1,000 lines added",
    "cents_per_code_acceptance": "per accepted suggestion",
    "cents_per_active_day": "per active day",
}  # fmt: skip
MEASURE_LABELS = {
    "sessions": "Sessions", "lines_added": "Lines added", "lines_removed": "Lines removed",
    "lines_deleted": "Lines deleted", "commits": "Commits", "pull_requests": "Pull requests",
    "tool_accepted": "Tool uses accepted", "tool_rejected": "Tool uses rejected",
    "interactions": "Interactions", "code_generations": "Code generations",
    "code_acceptances": "Suggestions accepted", "active_days": "Active days",
}  # fmt: skip
CAVEATS = {
    "cursor": "Cursor's Admin API reports no activity, so there is no cost per unit.",
    "claude-code": "The cost is Anthropic's estimate at list price; lines, commits and pull "
    "requests are those Claude Code made itself (its line counts are known to undercount).",
    "copilot": "Counted only where IDE telemetry is on; Copilot Chat on GitHub.com and Mobile "
    "is left out; metrics follow organisation membership. Cost per unit uses the usage value "
    "(before the monthly allowance).",
}
"""What each figure can and cannot say, from the references (anthropic-admin-api.md, the
claude_code report; github-copilot-api.md §4), shown next to the figures."""

MEASURE_COLUMNS = tuple(dict.fromkeys(m for ms in ACTIVITY.values() for m in ms))
UNIT_COLUMNS = tuple(dict.fromkeys(f for units in PER_UNIT.values() for f, _m, _n in units))
COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("email", "name", "team", "provider", "usage_cents", "billed_cents", "estimated",
               *MEASURE_COLUMNS, *UNIT_COLUMNS, "caveat"),
    "teams": ("team", "members", "provider", "usage_cents", "billed_cents", "estimated",
              *MEASURE_COLUMNS, *UNIT_COLUMNS, "caveat"),
}  # fmt: skip
"""Each view's fields, in order (JSON and CSV; a measure or unit cost not of the row's provider
is ``null``): ``records(rows, kind)``."""
UNIT_PLACES = 4
"""A cost per unit is a ratio: to a hundredth of a hundredth of a cent."""
ZERO = Decimal(0)


@dataclass(slots=True, kw_only=True)
class ToolActivity:
    """One person's (or team's) activity with one provider's tool, beside its usage value."""

    provider: str
    usage_cents: Decimal = ZERO
    billed_cents: Decimal = ZERO
    estimated_cents: Decimal = ZERO
    activity: dict[str, int] = field(default_factory=dict)
    """The provider's measures (``ACTIVITY[provider]``), each summed over the range."""

    @property
    def estimated(self) -> bool:
        """Whether the amount is the provider's estimate (Claude Code's is)."""
        return self.estimated_cents != 0

    @property
    def per_unit(self) -> dict[str, Decimal | None]:
        """Cents of usage value per unit of this provider's activity; ``None`` without any."""
        step = Decimal(1).scaleb(-UNIT_PLACES)
        out: dict[str, Decimal | None] = {}
        for name, measure, per in PER_UNIT.get(self.provider, ()):
            value = ratio(self.usage_cents, self.activity.get(measure, 0), per)
            out[name] = None if value is None else value.quantize(step, decimal.ROUND_HALF_EVEN)
        return out

    @property
    def caveat(self) -> str:
        return CAVEATS[self.provider]

    def add(self, other: ToolActivity) -> None:
        """``other``'s sums into these (exact, in the caller's ``EXACT`` context)."""
        self.usage_cents += other.usage_cents
        self.billed_cents += other.billed_cents
        self.estimated_cents += other.estimated_cents
        for name, value in other.activity.items():
            self.activity[name] = self.activity.get(name, 0) + value

    def fields(self, columns: Sequence[str]) -> dict[str, object]:
        """The row's ``columns`` (of ``COLUMNS``): a measure or unit cost that is not of its
        provider is ``None``."""
        mine, units = ACTIVITY[self.provider], self.per_unit
        out: dict[str, object] = {}
        for column in columns:
            if column in MEASURE_COLUMNS:
                out[column] = self.activity.get(column, 0) if column in mine else None
            elif column in UNIT_COLUMNS:
                out[column] = units.get(column)
            else:
                out[column] = getattr(self, column)
        return out


@dataclass(slots=True, kw_only=True)
class PersonActivity(ToolActivity):
    email: str | None
    """The person's email; the provider's own key (``github:<login>``, ``api-key:<name>``) when
    no person of the directory has it."""
    name: str | None
    team: str | None


@dataclass(slots=True, kw_only=True)
class TeamActivity(ToolActivity):
    team: str
    """``untagged``: people in no team."""
    members: int
    """People with this tool's activity or usage in the range."""


def activity_sums(
    conn: Connection, where: Scope, keys: Collection[str] | None = None
) -> dict[tuple[str, str], dict[str, int]]:
    """(provider, person key) -> each activity measure summed over the range (only of ``keys``
    when given). Counts are whole numbers: SQL sums them exactly."""
    a = tables.activity_daily
    provider_of = {iid: name for name, ids in where.providers for iid in ids}
    query = (
        select(a.c.integration_id, a.c.email, a.c.measure, func.sum(a.c.value))
        .where(a.c.integration_id.in_(where.integration_ids))
        .where(a.c.day >= where.range.since, a.c.day <= where.range.until)
        .group_by(a.c.integration_id, a.c.email, a.c.measure)
    )
    if keys is not None:
        query = query.where(a.c.email.in_(list(keys)))
    out: dict[tuple[str, str], dict[str, int]] = {}
    for iid, key, measure, value in conn.execute(query):
        sums = out.setdefault((provider_of[iid], key), {})
        sums[measure] = sums.get(measure, 0) + int(value)
    return out


_AMOUNTS = ("spend_cents", "on_demand_cents", "estimated_cents")


def by_key(
    conn: Connection, where: Scope, keys: Collection[str] | None = None
) -> dict[tuple[str, str], ToolActivity]:
    """(provider, person key) -> its activity and amounts, for the providers that report
    activity; a key with usage and no activity (or the reverse) is kept, at zeros."""
    read = facts.of(conn)
    out: dict[tuple[str, str], ToolActivity] = {}
    for provider, ids in where.providers:
        if provider not in ACTIVITY:
            continue
        rows = read.sums(ids, where.range.since, where.range.until, by=("email",),
                         measures=_AMOUNTS, emails=keys)  # fmt: skip
        for key, usage_value, billed, estimated in rows:
            if usage_value or billed:
                out[provider, key] = ToolActivity(
                    provider=provider,
                    usage_cents=usage_value,
                    billed_cents=billed,
                    estimated_cents=estimated,
                )
    for (provider, key), sums in activity_sums(conn, where, keys).items():
        if provider in ACTIVITY:
            row = out.setdefault((provider, key), ToolActivity(provider=provider))
            row.activity = sums
    for row in out.values():
        row.activity = {m: row.activity.get(m, 0) for m in ACTIVITY[row.provider]}
    return out


@dataclass(frozen=True, slots=True)
class ActivityView:
    since: date
    until: date
    people: tuple[PersonActivity, ...]
    """By provider (in ``PROVIDERS`` order), then usage value, highest first, then email."""
    teams: tuple[TeamActivity, ...]
    """By provider, then team (``untagged`` last)."""


def build(
    engine: Engine,
    since: date | None = None,
    until: date | None = None,
    integrations: Sequence[str] | None = None,
    provider: str | None = None,
) -> ActivityView | None:
    """Activity beside cost per person and per team over ``[since, until]`` (open ends: the
    stored data's), of ``provider`` (``None``: every one that reports activity); ``None`` when
    nothing is stored."""
    with snapshot(engine) as conn:
        where = scope(conn, since, until, integrations, provider or ALL)
        if where is None:
            return None
        sums = by_key(conn, where)
        directory = Directory(conn)
    last = where.range.until
    people: dict[tuple[str, str], PersonActivity] = {}
    teams: dict[tuple[str, str], TeamActivity] = {}
    members: dict[tuple[str, str], set[str]] = {}
    with decimal.localcontext(EXACT):
        for (name, key), row in sums.items():
            who = directory.who(key, email=True)
            team = team_on(who.person.memberships, last) if who.person else None
            email = who.email or key
            label = who.person.name if who.person else directory.names.get(key)
            person = people.setdefault((name, who.key), PersonActivity(
                provider=name, email=email, name=label, team=team))  # fmt: skip
            person.add(row)
            group = teams.setdefault((name, team or UNTAGGED), TeamActivity(
                provider=name, team=team or UNTAGGED, members=0))  # fmt: skip
            group.add(row)
            members.setdefault((name, team or UNTAGGED), set()).add(who.key)
    for at, group in teams.items():
        group.members = len(members[at])
    order = {name: i for i, name in enumerate(PROVIDERS)}
    return ActivityView(
        where.range.since, last,
        tuple(sorted(people.values(), key=lambda r: (order[r.provider], -r.usage_cents,
                                                     r.email or ""))),
        tuple(sorted(teams.values(), key=lambda r: (order[r.provider], r.team == UNTAGGED,
                                                    r.team))),
    )  # fmt: skip


def records(rows: Sequence[ToolActivity], kind: str) -> list[dict[str, Plain]]:
    """``rows`` as plain data in the fields of ``COLUMNS[kind]`` (``people`` or ``teams``)."""
    columns = COLUMNS[kind]
    return [{c: plain(v) for c, v in row.fields(columns).items()} for row in rows]
