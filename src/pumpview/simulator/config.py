"""Every knob of the simulator in one frozen dataclass; defaults follow the newest API docs."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time as time_of_day
from decimal import Decimal
from enum import StrEnum


def _demo_key(prefix: str) -> str:
    return prefix + hashlib.sha256(b"pumpview-demo-" + prefix.encode()).hexdigest()


DEMO_KEY = _demo_key("crsr_")
"""A fixed valid Enterprise key (``crsr_`` + 64 hex chars) for demos and examples."""
DEMO_LEGACY_KEY = _demo_key("key_")
"""The same team's key in the older ``key_`` format; the only kind the old API accepts."""
DEMO_SECOND_KEY = "crsr_" + hashlib.sha256(b"pumpview-demo-second-team").hexdigest()
"""The key of the demo's second team , its own simulator served beside the first by ``by_key``."""


class Grant(StrEnum):
    """What a key may do. Keys not listed at all are answered 401 "Invalid API key"."""

    ENTERPRISE = "enterprise"
    """Every route."""
    BUSINESS = "business"
    """Core Admin routes; Enterprise-only routes (groups, audit logs, mutations) answer 403."""
    NO_API = "no-api"
    """A plan without Admin API access: every route answers the documented 403."""
    NO_API_401 = "no-api-401"
    """Same, with the observed variant: 401 ``{"code": "error", "message": "You must be ..."}``."""


@dataclass(frozen=True)
class Faults:
    """Fault injection. Rates are shares of upstream requests, drawn from a seeded RNG."""

    error_rate: float = 0.0
    """Answered 5xx before auth: half JSON 500, half an HTML 502 page from a proxy."""
    slow_rate: float = 0.0
    """Delayed by ``slow_seconds`` before being answered normally (a client timeout)."""
    slow_seconds: float = 2.0
    truncate_rate: float = 0.0
    """A 200 whose JSON body is cut in half."""
    burst_429_rate: float = 0.0
    """Answered 429 even though the per-minute budget is not spent (another tool ate it)."""
    first_429: int = 0
    """The first N requests are answered 429."""
    seed: int = 0


@dataclass(frozen=True)
class Spike:
    """A planted anomaly: on one day, one member makes many extra requests to one model."""

    member: int
    """Index of the member (``Member.index``)."""
    model: str
    """The model of every extra event (a name of ``events.MODELS``)."""
    days_ago: int
    """The day: this many days before the day of the simulated present (0 = that day)."""
    factor: float = 6.0
    """Extra events as a multiple of the member's mean weekday events
    (``events_per_member_day`` x the member's intensity), rounded, at least one."""


@dataclass(frozen=True)
class SimConfig:
    """The simulated team, its data, and how faithfully (or badly) the API behaves."""

    seed: int = 1
    members: int = 50
    domain: str = "acme.dev"
    """The members' email domain."""
    days: int = 365
    """Days of history generated, ending on the day of ``now_ms``."""
    events_per_member_day: float = 12.0
    """Mean events on a weekday for a member of average intensity."""
    now_ms: int | None = None
    """The simulated present; ``None`` takes the wall clock when the simulator is created."""
    keys: dict[str, Grant] = field(
        default_factory=lambda: {DEMO_KEY: Grant.ENTERPRISE, DEMO_LEGACY_KEY: Grant.ENTERPRISE}
    )
    old_api: bool = False
    """2025 behaviour: ``key_`` keys only, events pageSize default 10, no ``chargedCents`` /
    ``isChargeable`` / ``isHeadless``, events limited at 20/min, ``spendCents`` = cycle total."""
    rate_limits: bool = True
    retry_after: bool = False
    """Send ``Retry-After`` on 429 (undocumented upstream, so off by default)."""
    retention_days: int | None = None
    """Events older than this many days before ``now`` are no longer returned."""
    hourly_lag: bool = True
    """Events are not visible until their UTC hour has closed."""
    max_page_size: int | None = 1000
    """Events pageSize above this is a 400; ``None`` for the old API's undocumented "no max"."""
    events_max_span_days: int | None = None
    """Events date range above this is a 400 (undocumented upstream; ``None`` = no cap)."""
    daily_max_span_days: int = 30
    spend_page_size: int = 100
    """Default ``/teams/spend`` pageSize (undocumented upstream)."""
    live_arrivals: int = 0
    """Late events inserted, one batch per usage-events request, inside the window being paged."""
    arrival_batch: int = 3
    cycle_anchor_day: int = 1
    """Day of month on which the billing cycle starts (capped at 28)."""
    cycle_anchor_time: time_of_day = time_of_day(17, 23)
    """UTC time of day at which the billing cycle starts: a cycle is [start, next start), an
    instant, as Cursor's ``subscriptionCycleStart`` is (not midnight)."""
    limit_shares: Mapping[int, Decimal] = field(default_factory=dict)
    """Member index -> the share of their spending limit their on-demand reaches: the member's
    ``monthlyLimitDollars`` is the least amount in whole cents at which their on-demand of the
    cycle open at the simulated present (at creation) is at most that share (above 1: over the
    limit); their hard override is 0."""
    idle_members: tuple[int, ...] = ()
    """Indexes of paid-seat members who stopped using Cursor ``idle_days`` days ago."""
    idle_days: int = 45
    """An idle member's last possible active day is this many days before the present's day."""
    joined_member: int | None = None
    """Index of a member who joined the team ``joined_days_ago`` days ago (no events before)."""
    joined_days_ago: int = 5
    spike: Spike | None = None
    """A planted anomaly (person x model x day); none by default."""
    spend_gaps: Mapping[int, Decimal] = field(default_factory=dict)
    """Member index -> cents added to their ``spendCents`` and ``overallSpendCents`` in
    ``/teams/spend`` only: a difference between Cursor's own figures and the usage events."""
    prepare_ahead: bool = False
    """Generate the day before each newly generated one on a background thread, as a real API
    has its data ready: a benchmark then measures the importer, not the generator."""
    faults: Faults = field(default_factory=Faults)
    clock: Callable[[], float] = time.time
    """Wall clock for rate-limit windows (seconds); tests substitute a fake one."""

    @property
    def default_page_size(self) -> int:
        return 10 if self.old_api else 100

    @property
    def events_rate_limit(self) -> int:
        return 20 if self.old_api else 60
