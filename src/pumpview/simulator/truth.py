"""Ground truth: exact totals over exactly the events the API would return for a range.

Importer tests compare what they stored with these numbers for equality, so the definitions here
are the product's definitions (README, "Definitions"): cost is ``chargedCents`` (or the old-payload
formula), fast = consumed request units or cost, not-charged = the "Not Charged" kinds, Max mode =
``maxMode`` true.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from pumpview.simulator.data import Team
from pumpview.simulator.events import Event
from pumpview.timeutil import day_of

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
