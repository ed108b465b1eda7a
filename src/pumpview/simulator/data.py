"""The simulated team: its clock, its members (``roster``) and a deterministic, lazily generated
stream of usage events (``events``).

Every day's events are a pure function of ``(seed, day)``: counts first (cheap, from one RNG), then
the events themselves (from a second RNG), so a window's total is known without generating it and a
1,000,000-event history never sits in memory. Late "live" arrivals are kept beside the generated
events and merged in.
"""

from __future__ import annotations

import gc
import math
import threading
from bisect import bisect_right
from collections import Counter, OrderedDict, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from random import Random
from typing import TypeVar

from pumpview.simulator import cycles
from pumpview.simulator.config import SimConfig
from pumpview.simulator.events import (
    ABORTED,
    CURSOR_TOKEN_FEE_CENTS_PER_TOKEN,
    ERRORED,
    FEATURES,
    INCLUDED,
    MODELS,
    USAGE_BASED,
    Event,
    Model,
)
from pumpview.simulator.roster import Member, draw_members, plant_members
from pumpview.timeutil import MS_PER_DAY, MS_PER_HOUR, day_of, day_start_ms, floor_hour, now_ms

T = TypeVar("T")
_UNITS = (Decimal(1), Decimal(1), Decimal(2))
_MAX_MODE_UNITS = (Decimal(5), Decimal(10))
_LEGACY_UNITS = (Decimal(1), Decimal("1.4"), Decimal(2))


class Team:
    """Members plus the event stream, with visibility rules applied by the caller."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.now = config.now_ms if config.now_ms is not None else now_ms()
        self.first_day = day_of(self.now) - timedelta(days=config.days - 1)
        drawn = draw_members(config, self.first_day)
        self._drawn = tuple(drawn)
        """The members as drawn: their activity decides the days' draws, so planting an idle
        or a joined member leaves everyone else's events as they were."""
        self.members = plant_members(config, drawn, day_of(self.now))
        self._arrivals: dict[date, list[Event]] = {}
        self.planted: dict[date, list[Event]] = self._spike_events()
        """The spike's extra events (``config.spike``), by day: merged into their day."""
        self._arrival_rng = Random(f"{config.seed}:arrivals")
        self._cache: OrderedDict[date, list[Event]] = OrderedDict()
        self._versions: Counter[date] = Counter()  # arrivals per day, so a stale day is not kept
        self._lock = threading.Lock()  # the cache is shared with the ``prepare_ahead`` thread
        self._prepare = ThreadPoolExecutor(1) if config.prepare_ahead else None
        self._ahead: dict[date, Future[list[Event]]] = {}
        self._counts: dict[date, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        if config.limit_shares:
            self._set_limits()

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

    # -- billing cycles --------------------------------------------------------------------
    def cycle_start(self, at: int | None = None) -> int:
        """The start instant of the billing cycle containing ``at`` (default now)."""
        config = self.config
        return cycles.cycle_start(
            self.now if at is None else at, config.cycle_anchor_day, config.cycle_anchor_time
        )

    def cycle_events(self, start: int) -> list[Event]:
        """All events of the cycle starting at ``start`` up to now, lag and retention aside:
        spend is Cursor's live ledger, not the hourly usage feed."""
        end = min(cycles.next_cycle_start(start) - 1, self.now)
        return self.events_between(start, end)

    # -- planted cases ---------------------------------------------------------------------
    def _spike_events(self) -> dict[date, list[Event]]:
        spike = self.config.spike
        if spike is None:
            return {}
        day = day_of(self.now) - timedelta(days=spike.days_ago)
        if day < self.first_day:
            return {}
        member = self.members[spike.member]
        model = next(m for m in MODELS if m.name == spike.model)
        count = max(1, round(spike.factor * self.config.events_per_member_day * member.intensity))
        rng = Random(f"{self.config.seed}:{day.isoformat()}:spike")
        midnight = day_start_ms(day)
        made = [
            self._make_event(rng, member, midnight + _time_of_day(rng, member), model)
            for _ in range(count)
        ]
        return {day: made}

    def _set_limits(self) -> None:
        """Each ``limit_shares`` member's monthly limit: the least amount in whole cents at which
        their on-demand of the open cycle (at creation) is at most the share; no hard override."""
        on_demand: defaultdict[int, Decimal] = defaultdict(Decimal)
        for event in self.cycle_events(self.cycle_start()):
            if event.chargeable:
                on_demand[event.member] += event.charged_cents
        for index, share in self.config.limit_shares.items():
            cents = on_demand[index]
            dollars = Decimal(max(1, math.ceil(cents / share))) / 100
            self.members[index] = replace(
                self.members[index], hard_limit_dollars=0, monthly_limit_dollars=dollars
            )

    # -- counts and events per day --------------------------------------------------------
    def day_counts(self, day: date) -> tuple[int, ...]:
        """Generated events per member on ``day`` (duplicates included, arrivals excluded)."""
        offset = self._offset(day)
        return tuple(
            n if _active(m, offset) else 0
            for m, n in zip(self.members, self._plan(day)[0], strict=True)
        )

    def _plan(self, day: date) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per member as drawn: events on ``day`` and how many of those are true duplicates."""
        plan = self._counts.get(day)
        if plan is None:
            plan = self._draw_counts(day)
            self._counts[day] = plan
        return plan

    def arrivals_and_planted(self, day: date) -> list[Event]:
        """``day``'s events that are not drawn from its counts: late arrivals and the spike's."""
        return [*self._arrivals.get(day, ()), *self.planted.get(day, ())]

    def day_total(self, day: date) -> int:
        return sum(self.day_counts(day)) + len(self.arrivals_and_planted(day))

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
        events = self._generate_day(day) + self._arrivals.get(day, []) + self.planted.get(day, [])
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
        for member in self._drawn:
            if not _active(member, offset):
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
        offset = self._offset(day)
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
            if _active(member, offset):  # drawn all the same: a planted idle day draws too
                events.extend(made)
        return events

    def _make_event(
        self, rng: Random, member: Member, ts: int, model: Model | None = None
    ) -> Event:
        if model is None:
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


def _active(member: Member, offset: int) -> bool:
    """Whether ``member`` may have events on the day ``offset`` days after the first."""
    return member.active_from <= offset and (
        member.active_until is None or offset <= member.active_until
    )


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
