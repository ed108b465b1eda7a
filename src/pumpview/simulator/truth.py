"""Ground truth: exact totals over exactly the events the API would return for a range.

Importer tests compare what they stored with these numbers for equality, so the definitions here
are the product's definitions (README, "Definitions"): cost is ``chargedCents`` (or the old-payload
formula), fast = consumed request units or cost, not-charged = the "Not Charged" kinds, Max mode =
``maxMode`` true.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from pumpview.simulator import cycles
from pumpview.simulator.data import Team
from pumpview.simulator.events import Event
from pumpview.simulator.roster import Member
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms

K = TypeVar("K", bound=Hashable)


@dataclass
class Totals:
    """Sums over a set of events. Money in exact cents."""

    events: int = 0
    spend_cents: Decimal = Decimal(0)
    on_demand_cents: Decimal = Decimal(0)
    included_cents: Decimal = Decimal(0)
    model_cost_cents: Decimal = Decimal(0)
    token_fee_cents: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    fast_requests: int = 0
    slow_requests: int = 0
    not_charged_requests: int = 0
    max_mode_events: int = 0
    list_cents: Decimal = Decimal(0)
    """Before discounts (FOCUS ListCost): model cost and token fee for token-based events, what
    Cursor charged for the others ($0.04 a request unit where it does not say); "Not Charged"
    events none."""
    estimated_cents: Decimal = Decimal(0)
    """Cursor's amounts are all measured: never an estimate."""

    def add(self, event: Event, *, old_api: bool) -> None:
        cost = event.cost_cents(old_api)
        self.events += 1
        self.spend_cents += cost
        if event.chargeable:
            self.on_demand_cents += cost
        else:
            self.included_cents += cost
        self.model_cost_cents += event.total_cents
        self.token_fee_cents += event.token_fee or 0
        self.input_tokens += event.input_tokens
        self.output_tokens += event.output_tokens
        self.cache_write_tokens += event.cache_write_tokens
        self.cache_read_tokens += event.cache_read_tokens
        if "Not Charged" in event.kind:
            self.not_charged_requests += 1
        elif (event.requests_costs or 0) > 0 or cost > 0:
            self.fast_requests += 1
        else:
            self.slow_requests += 1
        if event.max_mode:
            self.max_mode_events += 1
        if "Not Charged" in event.kind:
            pass
        elif event.token_based:
            self.list_cents += event.total_cents + (event.token_fee or 0)
        elif not old_api:
            self.list_cents += event.charged_cents
        else:
            self.list_cents += (event.requests_costs or 0) * 4


def visible_events(team: Team, start: int, end: int) -> list[Event]:
    """The events ``/teams/filtered-usage-events`` returns for ``[start, end]`` right now."""
    lo, hi = max(start, team.retained_from), min(end, team.visible_until)
    return team.events_between(lo, hi) if lo <= hi else []


def totals(team: Team, start: int, end: int, key: Callable[[Event], K]) -> dict[K, Totals]:
    """Totals grouped by ``key(event)`` over the events visible in ``[start, end]``."""
    return group(visible_events(team, start, end), key, team.config.old_api)


def overall(team: Team, start: int, end: int) -> Totals:
    """Totals over every event visible in ``[start, end]``."""
    return totals(team, start, end, lambda _e: None).get(None, Totals())


def group(events: Iterable[Event], key: Callable[[Event], K], old_api: bool) -> dict[K, Totals]:
    out: dict[K, Totals] = {}
    for event in events:
        bucket = out.get(key(event))
        if bucket is None:
            bucket = out[key(event)] = Totals()
        bucket.add(event, old_api=old_api)
    return out


def by_user(event: Event) -> str | None:
    """Events are attributed by email, case-insensitively; ``None`` is the unattributed bucket."""
    return event.email.lower() if event.email is not None else None


def by_model(event: Event) -> str:
    return event.model


def by_day(event: Event) -> date:
    return day_of(event.timestamp)


# -- billing cycles, /teams/spend and the planted cases (issue 20) ---------------------------


def cycle_start(team: Team, at: int | None = None) -> int:
    """The start instant (epoch ms) of the billing cycle containing ``at`` (default: now), as
    ``subscriptionCycleStart`` gives it."""
    return team.cycle_start(at)


def next_cycle_start(start: int) -> int:
    """The start instant of the cycle after the one starting at ``start``: one calendar month
    later, same day and time of day."""
    return cycles.next_cycle_start(start)


def cycle_totals(
    team: Team, start: int, until: int, *, visible: bool = False
) -> dict[str | None, Totals]:
    """Totals per lower-cased email (``None``: events without one) of the events with
    ``start <= timestamp <= until``: every event (Cursor's live ledger, what ``/teams/spend``
    sums), or with ``visible`` only those the usage feed returns now (what an importer holds).
    ``spend_cents`` is the usage value, ``on_demand_cents`` the on-demand."""
    events = visible_events(team, start, until) if visible else team.events_between(start, until)
    return group(events, by_user, team.config.old_api)


@dataclass(frozen=True)
class CursorSpend:
    """One member's row of ``/teams/spend`` now, as ground truth."""

    email: str
    on_demand_cents: Decimal
    """``spendCents`` (new API): on-demand of the open cycle, plus the member's gap."""
    usage_cents: Decimal
    """``overallSpendCents``: usage value of the open cycle, plus the member's gap."""
    gap_cents: Decimal
    """What ``spend_gaps`` adds to both figures (not in the events)."""
    fast_premium_requests: int
    hard_limit_dollars: int
    monthly_limit_dollars: Decimal | None
    effective_limit_dollars: Decimal


def cursor_spend(team: Team) -> dict[str, CursorSpend]:
    """What ``/teams/spend`` reports now, per lower-cased email of each listed member: the
    events of ``[cycle_start(team), now]`` (the live ledger: hourly lag and retention aside)."""
    start = team.cycle_start()
    events = team.cycle_events(start)
    ledger = group(events, lambda e: e.member, old_api=False)
    fast = Counter(e.member for e in events if e.chargeable)
    out: dict[str, CursorSpend] = {}
    for m in team.members:
        if not m.listed:
            continue
        t = ledger.get(m.index, Totals())
        gap = team.config.spend_gaps.get(m.index, Decimal(0))
        out[m.email.lower()] = CursorSpend(
            email=m.email,
            on_demand_cents=t.on_demand_cents + gap,
            usage_cents=t.spend_cents + gap,
            gap_cents=gap,
            fast_premium_requests=fast.get(m.index, 0),
            hard_limit_dollars=m.hard_limit_dollars,
            monthly_limit_dollars=m.monthly_limit_dollars,
            effective_limit_dollars=m.effective_limit_dollars,
        )
    return out


def spend_gaps(team: Team) -> dict[str, Decimal]:
    """The planted gaps (``spend_gaps``) per lower-cased email: Cursor's ``spendCents`` and
    ``overallSpendCents`` minus the same member's figures from the events."""
    return {team.members[i].email.lower(): cents for i, cents in team.config.spend_gaps.items()}


@dataclass(frozen=True)
class MemberFacts:
    """What the seats, limits and idle views need to know about one listed member."""

    index: int
    email: str
    role: str
    paid_seat: bool
    """A listed, current owner or member (the free-owner holds no paid seat)."""
    joined_at_ms: int
    """``joinedAt`` in billing groups."""
    last_active: date | None
    """The UTC day of the member's newest event the usage feed returns now; ``None``: none."""
    effective_limit_dollars: Decimal
    hard_limit_dollars: int
    monthly_limit_dollars: Decimal | None


def member_facts(team: Team) -> dict[str, MemberFacts]:
    """Per lower-cased email, each listed member's seat, join instant, last active day and
    spending limits."""
    last = last_active_days(team)
    return {
        m.email.lower(): MemberFacts(
            index=m.index,
            email=m.email,
            role=m.role,
            paid_seat=m.paid_seat,
            joined_at_ms=m.joined_at_ms,
            last_active=last.get(m.index),
            effective_limit_dollars=m.effective_limit_dollars,
            hard_limit_dollars=m.hard_limit_dollars,
            monthly_limit_dollars=m.monthly_limit_dollars,
        )
        for m in team.members
        if m.listed
    }


def last_active_days(team: Team) -> dict[int, date]:
    """Per member index, the UTC day of their newest event the usage feed returns now (members
    with none are absent). Whole days are read from the day's counts, not generated."""
    lo, hi = team.retained_from, team.visible_until
    found: dict[int, date] = {}
    wanted = len(team.members)
    day, first = day_of(hi), max(day_of(lo), team.first_day)
    while day >= first and len(found) < wanted:
        midnight = day_start_ms(day)
        if lo <= midnight and midnight + MS_PER_DAY - 1 <= hi:
            active = {i for i, n in enumerate(team.day_counts(day)) if n}
            active |= {e.member for e in team.arrivals_and_planted(day)}
        else:
            active = {e.member for e in team.day_events(day) if lo <= e.timestamp <= hi}
        for index in active:
            found.setdefault(index, day)
        day -= timedelta(days=1)
    return found


def idle_members(team: Team) -> list[Member]:
    """The members planted idle (``idle_members``): no events after ``idle_days`` days before
    the present's day."""
    return [team.members[i] for i in team.config.idle_members]


def joined_member(team: Team) -> Member | None:
    """The member planted as newly joined (``joined_member``), or ``None``."""
    index = team.config.joined_member
    return None if index is None else team.members[index]


@dataclass(frozen=True)
class SpikeFacts:
    """The planted spike: its person, model and day, and exactly what it added."""

    member: Member
    email: str
    model: str
    day: date
    events: int
    """Extra events added (all of ``model``, all that person's, all on ``day``)."""
    extra_usage_cents: Decimal
    """Usage value the extra events add to that person x model x day."""
    extra_on_demand_cents: Decimal


def spike(team: Team) -> SpikeFacts | None:
    """The planted spike (``spike``), or ``None`` when off or before the history."""
    if not team.planted:
        return None
    ((day, events),) = team.planted.items()
    member = team.members[events[0].member]
    added = overall_of(events, old_api=team.config.old_api)
    return SpikeFacts(
        member=member,
        email=member.email,
        model=events[0].model,
        day=day,
        events=len(events),
        extra_usage_cents=added.spend_cents,
        extra_on_demand_cents=added.on_demand_cents,
    )


def overall_of(events: Iterable[Event], *, old_api: bool) -> Totals:
    """One total over ``events``."""
    return group(events, lambda _e: None, old_api).get(None, Totals())
