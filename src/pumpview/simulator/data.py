"""The simulated team: members and a deterministic, lazily generated stream of usage events.

Every day's events are a pure function of ``(seed, day)``: counts first (cheap, from one RNG), then
the events themselves (from a second RNG), so a window's total is known without generating it and a
1,000,000-event history never sits in memory. Late "live" arrivals are kept beside the generated
events and merged in.
"""

from __future__ import annotations

import gc
import math
import string
import threading
from bisect import bisect_right
from collections import Counter, OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from json.encoder import encode_basestring as _text
from random import Random
from typing import TypeVar

from pumpview.simulator.config import SimConfig
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, day_of, day_start_ms, floor_hour, now_ms

INCLUDED = "Included in Business"
USAGE_BASED = "Usage-based"
ERRORED = "Errored, Not Charged"
ABORTED = "Aborted, Not Charged"
FEATURES = ("agent", "composer", "chat", "cmdk")
_ALNUM = string.ascii_letters + string.digits
_FIRST = [
    "Alex",
    "Sam",
    "Priya",
    "Jonas",
    "Mei",
    "Carlos",
    "Fatima",
    "Noah",
    "Aiko",
    "Lena",
    "Omar",
    "Sofia",
    "Mateo",
    "Chloe",
    "Ravi",
    "Ingrid",
    "Tomás",
    "Yuki",
    "Amara",
    "Felix",
    "Hana",
    "Diego",
    "Nora",
    "Kwame",
    "Elif",
    "Lucas",
    "Maya",
    "Arjun",
    "Greta",
    "Idris",
]
_LAST = [
    "Kim",
    "Novak",
    "Singh",
    "Berg",
    "Chen",
    "Silva",
    "Haddad",
    "Meyer",
    "Tanaka",
    "Rossi",
    "Okafor",
    "Dubois",
    "Larsen",
    "Costa",
    "Patel",
    "Schmidt",
    "Moreau",
    "Ito",
    "Mensah",
    "Kowalski",
    "Nakamura",
    "Alvarez",
    "Fischer",
    "Quinn",
    "Reyes",
]
T = TypeVar("T")
UNICODE_NAME = 'Zoë <b>"Ødegård"</b> & Søn 🚀'
SCRIPT_NAME = "<script>alert(1)</script>"
"""Member 2's name: a page, chart, tooltip or CSV that ran it as markup would show an alert."""


@dataclass(frozen=True, slots=True)
class Model:
    """A model as the API names it; prices are US cents per million tokens."""

    name: str
    weight: int
    provider: str
    input: float
    output: float
    cache_write: float
    cache_read: float

    @property
    def third_party(self) -> bool:
        """Composer and Grok carry no Cursor Token Rate; every other provider's models do."""
        return self.provider not in FIRST_PARTY


FIRST_PARTY = ("cursor", "xai")
MODELS = (
    Model("claude-4.5-sonnet", 30, "anthropic", 300, 1500, 375, 30),
    Model("claude-4.5-sonnet-thinking", 8, "anthropic", 300, 1500, 375, 30),
    Model("claude-4.1-opus", 4, "anthropic", 1500, 7500, 1875, 150),
    Model("gpt-5", 15, "openai", 125, 1000, 125, 12.5),
    Model("gpt-5-codex", 6, "openai", 125, 1000, 125, 12.5),
    Model("gemini-2.5-pro", 6, "google", 125, 1000, 125, 31),
    Model("auto", 14, "openai", 125, 600, 125, 25),
    Model("composer-1", 12, "cursor", 125, 1000, 125, 12.5),
    Model("grok-code-fast-1", 4, "xai", 20, 150, 20, 2),
)
CURSOR_TOKEN_FEE_CENTS_PER_TOKEN = Decimal(25) / Decimal(1_000_000)
"""The Cursor Token Rate: $0.25 per million tokens, on third-party models only."""
_UNITS = (Decimal(1), Decimal(1), Decimal(2))
_MAX_MODE_UNITS = (Decimal(5), Decimal(10))
_LEGACY_UNITS = (Decimal(1), Decimal("1.4"), Decimal(2))


@dataclass(frozen=True, slots=True)
class Member:
    """A person on the team (or the one service account, which is not a team member)."""

    index: int
    user_id: str
    numeric_id: int
    name: str
    email: str
    role: str
    is_removed: bool
    listed: bool
    """Appears in ``/teams/members`` (one removed member is omitted, as forum 161589 reports)."""
    event_email: str | None
    """The ``userEmail`` its events carry: ``None`` for the omitted member, other case for one."""
    service_account_id: str | None
    intensity: float
    on_demand_share: float
    max_mode_share: float
    model_weights: tuple[int, ...]
    active_from: int
    """Day offset (from the first generated day) of the member's first possible activity."""
    active_until: int | None
    """Last day offset with activity, for removed members."""
    group: int | None
    hour_peak: float
    hard_limit_dollars: int
    monthly_limit_dollars: int | None

    @property
    def is_service_account(self) -> bool:
        return self.service_account_id is not None


@dataclass(slots=True)
class Event:
    """One usage event, with its exact money values and its rendered JSON."""

    timestamp: int
    member: int
    email: str | None
    model: str
    kind: str
    feature: str
    max_mode: bool
    token_based: bool
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    total_cents: Decimal
    discount: int
    token_fee: Decimal | None
    charged_cents: Decimal
    requests_costs: Decimal | None
    headless: bool
    conversation_id: str
    service_account: tuple[str, str] | None
    cloud_agent_id: str | None
    json: str = field(default="", repr=False)

    @property
    def chargeable(self) -> bool:
        return self.kind == USAGE_BASED

    def cost_cents(self, old_api: bool) -> Decimal:
        """What the event cost as the API shows it: ``chargedCents``, or for old payloads without
        it, discounted ``totalCents`` plus ``cursorTokenFee``."""
        if not old_api:
            return self.charged_cents
        fee = self.token_fee or Decimal(0)
        if not self.token_based:
            return fee
        return self.total_cents * (100 - self.discount) / 100 + fee

    def render(self, old_api: bool) -> str:
        """The event as ``/teams/filtered-usage-events`` returns it, as JSON text.

        Written field by field (not through a generic encoder): a 1,000,000-event history is
        rendered once per event and this is the simulator's hot path.
        """
        parts = [f'{{"timestamp":"{self.timestamp}"']
        if self.email is not None:
            parts.append(f',"userEmail":{_text(self.email)}')
        if self.service_account is not None:
            account, name = self.service_account
            parts.append(f',"serviceAccountId":{_text(account)},"serviceAccountName":{_text(name)}')
        if self.cloud_agent_id is not None:
            parts.append(f',"cloudAgentId":"{self.cloud_agent_id}"')
        parts.append(
            f',"conversationId":"{self.conversation_id}","model":{_text(self.model)}'
            f',"kind":{_text(self.kind)},"maxMode":{_bool(self.max_mode)}'
        )
        if self.requests_costs is not None:
            parts.append(f',"requestsCosts":{self.requests_costs}')
        parts.append(f',"isTokenBasedCall":{_bool(self.token_based)}')
        if not old_api:
            parts.append(
                f',"isChargeable":{_bool(self.chargeable)},"isHeadless":{_bool(self.headless)}'
            )
        if self.token_based:
            discount = f',"discountPercentOff":{self.discount}' if self.discount else ""
            parts.append(
                f',"tokenUsage":{{"inputTokens":{self.input_tokens}'
                f',"outputTokens":{self.output_tokens}'
                f',"cacheWriteTokens":{self.cache_write_tokens}'
                f',"cacheReadTokens":{self.cache_read_tokens}'
                f',"totalCents":{self.total_cents:f}{discount}}}'
            )
        if not old_api:
            parts.append(f',"chargedCents":{self.charged_cents:f}')
        if self.token_fee is not None:
            parts.append(f',"cursorTokenFee":{self.token_fee:f}')
        parts.append("}")
        return "".join(parts)


def _bool(value: bool) -> str:
    return "true" if value else "false"


class Team:
    """Members plus the event stream, with visibility rules applied by the caller."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.now = config.now_ms if config.now_ms is not None else now_ms()
        self.first_day = day_of(self.now) - timedelta(days=config.days - 1)
        self.members = _make_members(config)
        self._arrivals: dict[date, list[Event]] = {}
        self._arrival_rng = Random(f"{config.seed}:arrivals")
        self._cache: OrderedDict[date, list[Event]] = OrderedDict()
        self._versions: Counter[date] = Counter()  # arrivals per day, so a stale day is not kept
        self._lock = threading.Lock()  # the cache is shared with the ``prepare_ahead`` thread
        self._prepare = ThreadPoolExecutor(1) if config.prepare_ahead else None
        self._ahead: dict[date, Future[list[Event]]] = {}
        self._counts: dict[date, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    # -- the clock -------------------------------------------------------------------------
    def set_now(self, ms: int) -> None:
        """Move the simulated present (forward for new data, or anywhere for a test)."""
        self.now = ms

    @property
    def visible_until(self) -> int:
        """The newest visible instant (inclusive): the close of the last full hour with lag on."""
        if self.config.hourly_lag:
            return floor_hour(self.now) - 1
        return self.now

    @property
    def retained_from(self) -> int:
        """The oldest instant the API still returns."""
        first = day_start_ms(self.first_day)
        if self.config.retention_days is None:
            return first
        return max(first, self.now - self.config.retention_days * MS_PER_DAY)

    # -- counts and events per day --------------------------------------------------------
    def day_counts(self, day: date) -> tuple[int, ...]:
        """Generated events per member on ``day`` (duplicates included, arrivals excluded)."""
        return self._plan(day)[0]

    def _plan(self, day: date) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per member: events on ``day`` and how many of those are true duplicates."""
        plan = self._counts.get(day)
        if plan is None:
            plan = self._draw_counts(day)
            self._counts[day] = plan
        return plan

    def day_total(self, day: date) -> int:
        return sum(self.day_counts(day)) + len(self._arrivals.get(day, ()))

    def day_events(self, day: date) -> list[Event]:
        """All of ``day``'s events, newest first, generated once and kept in a small LRU."""
        with self._lock:
            ahead = self._ahead.pop(day, None)
        if ahead is not None:
            ahead.result()  # being prepared: it lands in the cache, unless an arrival made it stale
        with self._lock:
            events = self._cache.get(day)
            if events is not None:
                self._cache.move_to_end(day)
        if events is None:
            events = self._generate_and_keep(day)
        older = day - timedelta(days=1)
        if self._prepare is not None and older >= self.first_day:
            with self._lock:
                if older not in self._cache and older not in self._ahead:
                    self._ahead[older] = self._prepare.submit(self._generate_and_keep, older)
        return events

    def _generate_and_keep(self, day: date) -> list[Event]:
        with self._lock:
            version = self._versions[day]
        events = self._generate_day(day) + self._arrivals.get(day, [])
        events.sort(key=lambda e: e.timestamp, reverse=True)
        with self._lock:
            if self._versions[day] == version:  # no arrival landed while it was generated
                self._cache[day] = events
                if len(self._cache) > 96:
                    self._cache.popitem(last=False)
        # Cached days are long-lived and free of reference cycles: moved out of the collector's
        # sight, they cost no full-collection pauses (3 s per 1M events otherwise) and are still
        # freed by reference counting once evicted.
        gc.freeze()
        return events

    def events_between(self, start: int, end: int) -> list[Event]:
        """Every generated or arrived event with ``start <= timestamp <= end``, newest first."""
        out: list[Event] = []
        day = day_of(end)
        while day >= max(day_of(start), self.first_day):
            out.extend(e for e in self.day_events(day) if start <= e.timestamp <= end)
            day -= timedelta(days=1)
        return out

    def add_arrivals(self, start: int, end: int, count: int) -> list[Event]:
        """Insert ``count`` late events with timestamps inside ``[start, end]``."""
        rng = self._arrival_rng
        humans = [m for m in self.members if not m.is_service_account and m.active_until is None]
        added = []
        for _ in range(count):
            ts = rng.randint(start, end)
            event = self._make_event(rng, humans[rng.randrange(len(humans))], ts)
            day = day_of(ts)
            with self._lock:
                self._arrivals.setdefault(day, []).append(event)
                self._cache.pop(day, None)
                self._versions[day] += 1
            added.append(event)
        return added

    # -- generation -----------------------------------------------------------------------
    def _offset(self, day: date) -> int:
        return (day - self.first_day).days

    def _draw_counts(self, day: date) -> tuple[tuple[int, ...], tuple[int, ...]]:
        offset = self._offset(day)
        if offset < 0:
            zeros = tuple(0 for _ in self.members)
            return zeros, zeros
        rng = Random(f"{self.config.seed}:{day.isoformat()}:counts")
        weekday_factor = 1.0 if day.weekday() < 5 else 0.15
        counts: list[int] = []
        dups: list[int] = []
        for member in self.members:
            active = member.active_from <= offset and (
                member.active_until is None or offset <= member.active_until
            )
            if not active:
                counts.append(0)
                dups.append(0)
                continue
            mean = self.config.events_per_member_day * member.intensity * weekday_factor
            n = max(0, round(rng.gauss(mean, math.sqrt(mean) + 0.5))) if mean > 0 else 0
            duplicates = sum(1 for _ in range(n) if rng.random() < 0.003)
            counts.append(n + duplicates)
            dups.append(duplicates)
        return tuple(counts), tuple(dups)

    def _generate_day(self, day: date) -> list[Event]:
        counts, dups = self._plan(day)
        rng = Random(f"{self.config.seed}:{day.isoformat()}:events")
        midnight = day_start_ms(day)
        events: list[Event] = []
        for member, count, duplicates in zip(self.members, counts, dups, strict=True):
            if not count:
                continue
            made = [
                self._make_event(rng, member, midnight + _time_of_day(rng, member))
                for _ in range(count - duplicates)
            ]
            # A true duplicate: the very same content again, a distinct event upstream.
            made.extend(made[rng.randrange(len(made))] for _ in range(duplicates))
            events.extend(made)
        return events

    def _make_event(self, rng: Random, member: Member, ts: int) -> Event:
        model = MODELS[_pick(rng, member.model_weights)]
        roll = rng.random()
        if roll < 0.02:
            kind = ERRORED
        elif roll < 0.04:
            kind = ABORTED
        elif rng.random() < member.on_demand_share:
            kind = USAGE_BASED
        else:
            kind = INCLUDED
        feature = FEATURES[_pick(rng, (55, 20, 20, 5))]
        max_mode = rng.random() < member.max_mode_share
        not_charged = kind in (ERRORED, ABORTED)
        token_based = not not_charged and (kind == USAGE_BASED or rng.random() < 0.92)
        tokens = (0, 0, 0, 0)
        total = Decimal(0)
        discount = 0
        fee: Decimal | None = None
        requests: Decimal | None
        if token_based:
            tokens = (
                _lognormal(rng, 7.5, 1.2),
                _lognormal(rng, 6.0, 1.0),
                _lognormal(rng, 8.0, 1.5) if rng.random() < 0.6 else 0,
                _lognormal(rng, 9.5, 1.3) if rng.random() < 0.7 else 0,
            )
            cents = (
                tokens[0] * model.input
                + tokens[1] * model.output
                + tokens[2] * model.cache_write
                + tokens[3] * model.cache_read
            ) / 1e6
            if max_mode:
                cents *= 1.2
            # Most values arrive rounded; some carry raw float noise (e.g. 40.16699999999999).
            total = Decimal(repr(round(cents, 5) if rng.random() < 0.8 else cents))
            if rng.random() < 0.05:
                discount = _choice(rng, (10, 15, 20))
            if model.third_party:
                fee = sum(tokens) * CURSOR_TOKEN_FEE_CENTS_PER_TOKEN
            charged = total * (100 - discount) / 100 + (fee or 0)
            requests = _choice(rng, _MAX_MODE_UNITS if max_mode else _UNITS)
        elif not_charged:
            charged = Decimal(0)
            requests = None if rng.random() < 0.5 else Decimal(0)
        elif rng.random() < 0.3:  # legacy "slow pool": served after the fast quota, free
            requests, charged = Decimal(0), Decimal(0)
        else:  # a request-based included event (legacy pricing): request units, no tokens
            requests = _choice(rng, _LEGACY_UNITS)
            charged = requests * 4
        headless = member.is_service_account or rng.random() < 0.01
        service_account = (
            (member.service_account_id, member.name)
            if member.service_account_id is not None
            else None
        )
        event = Event(
            timestamp=ts,
            member=member.index,
            email=member.event_email,
            model=model.name,
            kind=kind,
            feature=feature,
            max_mode=max_mode,
            token_based=token_based,
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            cache_write_tokens=tokens[2],
            cache_read_tokens=tokens[3],
            total_cents=total,
            discount=discount,
            token_fee=fee,
            charged_cents=charged,
            requests_costs=requests,
            headless=headless,
            conversation_id=_uuid4(rng.getrandbits(128)),
            service_account=service_account,
            cloud_agent_id=f"bc-{rng.getrandbits(48):012x}" if headless else None,
        )
        event.json = event.render(self.config.old_api)
        return event


def _uuid4(bits: int) -> str:
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[bits % 4]}{h[17:20]}-{h[20:]}"


def _pick(rng: Random, weights: tuple[int, ...]) -> int:
    """An index drawn with the given weights."""
    bounds = _cumulative(weights)
    return min(bisect_right(bounds, rng.random() * bounds[-1]), len(bounds) - 1)


@lru_cache(maxsize=1024)
def _cumulative(weights: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(accumulate(weights))


def _choice(rng: Random, options: tuple[T, ...]) -> T:
    """``rng.choice``, from one ``random()`` draw (the generator's hot path)."""
    return options[int(rng.random() * len(options))]


def _lognormal(rng: Random, mu: float, sigma: float) -> int:
    """``int(lognormvariate(mu, sigma))``, through the cheaper ``gauss``."""
    return int(math.exp(rng.gauss(mu, sigma)))


def _time_of_day(rng: Random, member: Member) -> int:
    hour = rng.gauss(member.hour_peak, 3.0) % 24
    # Clamped: a draw in the day's last second plus the random milliseconds would otherwise
    # land past midnight, in the next day's window but stored (and counted) under this day.
    return min(int(hour * MS_PER_HOUR) + int(rng.random() * 1000), MS_PER_DAY - 1)


def _make_members(config: SimConfig) -> list[Member]:
    rng = Random(f"{config.seed}:members")
    n = config.members
    members: list[Member] = []
    used: set[str] = set()
    domain = config.domain
    for i in range(n + 1):
        service = i == n
        if service:
            name, email = "Agent Runner", f"agent-runner@{domain}"
        elif i == 3 and n > 3:
            name, email = UNICODE_NAME, f"zoe.odegard@{domain}"
        else:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            name = f"{first} {last}"
            base = f"{first}.{last}".lower().replace("á", "a").replace("ó", "o")
            email = f"{base}@{domain}"
            suffix = 2
            while email in used:
                email = f"{base}{suffix}@{domain}"
                suffix += 1
            if i == 2 and n > 2:  # drawn all the same, so the other members stay who they were
                name = SCRIPT_NAME
        used.add(email)
        removed = not service and i >= 5 and i % 17 == 5
        omitted = removed and i == 5
        event_email: str | None = email
        if omitted:
            event_email = None
        elif i == 4 and n > 4:
            event_email = email.upper()  # events and members disagree on case (seen upstream)
        active_until = None
        if removed:
            active_until = rng.randrange(max(1, config.days // 2))
        weights = tuple(max(1, int(m.weight * rng.uniform(0.2, 2.5))) for m in MODELS)
        members.append(
            Member(
                index=i,
                user_id="user_" + "".join(rng.choice(_ALNUM) for _ in range(26)),
                numeric_id=10_000 + i * 7 + rng.randrange(7),
                name=name,
                email=email,
                role="owner" if i == 0 else "free-owner" if i == 1 else "member",
                is_removed=removed,
                listed=not omitted and not service,
                event_email=event_email,
                service_account_id=f"sa_{rng.getrandbits(40):010x}" if service else None,
                intensity=0.6 if service else rng.lognormvariate(0, 0.6),
                on_demand_share=0.0 if i % 5 == 2 else rng.uniform(0.05, 0.6),
                max_mode_share=rng.uniform(0.0, 0.3),
                model_weights=weights,
                active_from=0 if i % 9 != 8 else rng.randrange(max(1, config.days // 3)),
                active_until=active_until,
                group=None if i % 7 == 6 or service else i % 4,
                hour_peak=rng.uniform(8, 20),
                hard_limit_dollars=100 if i % 6 == 1 else 0,
                monthly_limit_dollars=200 if i % 4 == 3 else None,
            )
        )
    return members
