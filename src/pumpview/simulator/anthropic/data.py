"""The simulated organisation: its clock, its people (``people``), and a deterministic, lazily
generated stream of Claude Code sessions, from which the claude_code records and the cost_report
lines are built.

A day's sessions are a pure function of ``(seed, day)`` (one ``Random(f"{seed}:{day}")``), so a
year for 400 people never sits in memory. A session is the unit of freshness: one in the UTC hour
``h`` counts once ``now`` reaches ``h + 2`` hours (it is over at ``h + 1``, and only activity older
than now - 1 h is served, §3.6), so today's records grow as ``now`` moves, and are a function of
the hours elapsed.

Billing: cost_report's token lines for a day are exactly the day's ``estimated_cost.amount``
values (list price, no discount), shared out over token types; beside them are a "Code Execution
Usage" and a "Web Search" line that no claude_code record accounts for.
"""

from __future__ import annotations

import math
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from pumpview.simulator.anthropic.config import AnthropicConfig
from pumpview.simulator.anthropic.people import Actor, People, draw_people
from pumpview.simulator.anthropic.pricing import (
    BY_NAME,
    HAIKU,
    MICRO,
    MODELS,
    TOKEN_TYPES,
    Tokens,
    estimate,
    split,
)
from pumpview.timeutil import MS_PER_HOUR, day_of, day_start_ms, now_ms

ZERO = Tokens()
TOOLS = ("edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool")


@dataclass(frozen=True, slots=True)
class Session:
    """One Claude Code session: who, when (its UTC hour), where, what it did, what it used."""

    actor: int
    """Index into ``Organisation.actors``."""
    hour: int
    terminal: str
    lines_added: int
    lines_removed: int
    commits: int
    pull_requests: int
    tools: tuple[tuple[int, int], ...]
    """(accepted, rejected) per tool, in ``TOOLS`` order."""
    usage: tuple[tuple[str, Tokens], ...]
    """(model name, tokens), one entry per model used."""


@dataclass
class Record:
    """One claude_code record: an actor's sessions of one day in one terminal."""

    actor: Actor
    terminal: str
    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    tools: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in TOOLS])
    tokens: dict[str, Tokens] = field(default_factory=dict)
    """Model name -> tokens, in ``MODELS`` order once ``finish`` ran."""

    def add(self, session: Session) -> None:
        self.sessions += 1
        self.lines_added += session.lines_added
        self.lines_removed += session.lines_removed
        self.commits += session.commits
        self.pull_requests += session.pull_requests
        for pair, (accepted, rejected) in zip(self.tools, session.tools, strict=True):
            pair[0] += accepted
            pair[1] += rejected
        for model, tokens in session.usage:
            self.tokens[model] = self.tokens.get(model, ZERO).plus(tokens)

    def finish(self) -> None:
        self.tokens = {m.name: self.tokens[m.name] for m in MODELS if m.name in self.tokens}

    def amount(self, model: str, *, fractional: bool) -> Decimal:
        """This record's ``estimated_cost.amount`` for ``model``, in cents."""
        return estimate(self.tokens[model], BY_NAME[model], fractional=fractional)


@dataclass(frozen=True, slots=True)
class CostLine:
    """One cost_report result at the finest grain (workspace x description)."""

    workspace_id: str | None
    description: str
    cost_type: str
    model: str | None
    token_type: str | None
    amount: Decimal


class Organisation:
    """People plus the session stream, with the freshness rule applied on request."""

    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        self.now = config.now_ms if config.now_ms is not None else now_ms()
        self.first_day = day_of(self.now) - timedelta(days=config.days - 1)
        self.people: People = draw_people(config, self.now, self.first_day)
        self.users = self.people.users
        self.api_keys = self.people.api_keys
        self.actors = self.people.actors
        self._cache: OrderedDict[date, tuple[Session, ...]] = OrderedDict()

    # -- the clock -------------------------------------------------------------------------
    def set_now(self, ms: int) -> None:
        """Move the simulated present (forward for new data, or anywhere for a test)."""
        self.now = ms

    @property
    def today(self) -> date:
        return day_of(self.now)

    @property
    def last_day(self) -> date:
        """The last day with activity: the day of ``now`` (at creation, or later once the
        present moves on: the history grows; it never shrinks)."""
        return max(self.first_day + timedelta(days=self.config.days - 1), self.today)

    def visible_hours(self, day: date, at: int | None = None) -> int:
        """How many of ``day``'s hours (from 00:00 UTC) have their sessions served at ``at``
        (default now): 0 to 24."""
        at = self.now if at is None else at
        hours = (at - day_start_ms(day)) // MS_PER_HOUR - 1
        return max(0, min(24, hours))

    # -- sessions --------------------------------------------------------------------------
    def sessions(self, day: date) -> tuple[Session, ...]:
        """All of ``day``'s sessions, visible or not, generated once and kept in a small LRU."""
        if not self.first_day <= day <= self.last_day:
            return ()  # not kept: a day after today gets its sessions once the present reaches it
        found = self._cache.get(day)
        if found is None:
            found = self._generate(day)
            self._cache[day] = found
            if len(self._cache) > 64:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(day)
        return found

    def visible_sessions(self, day: date, at: int | None = None) -> list[Session]:
        hours = self.visible_hours(day, at)
        return [s for s in self.sessions(day) if s.hour < hours]

    def _generate(self, day: date) -> tuple[Session, ...]:
        rng = Random(f"{self.config.seed}:{day.isoformat()}")
        offset = (day - self.first_day).days
        weekend = day.weekday() >= 5
        made: list[Session] = []
        for index, actor in enumerate(self.actors):
            if rng.random() >= (actor.weekend_p if weekend else actor.weekday_p):
                continue
            if not actor.active_from <= offset <= actor.active_until:
                continue
            count = 1 + int(rng.expovariate(1 / actor.sessions_mean))
            made.extend(self._session(rng, index, actor) for _ in range(count))
        return tuple(made)

    def _session(self, rng: Random, index: int, actor: Actor) -> Session:
        bot = actor.terminals[0] == "non-interactive"
        hour = rng.randrange(24) if bot else min(23, max(0, round(rng.gauss(actor.peak_hour, 2.5))))
        second = rng.random() < actor.second_share
        terminal = actor.terminals[1 if second and self.config.second_terminal else 0]
        main = rng.choices(MODELS, cum_weights=actor.cum_weights)[0]
        scale = 60_000 * actor.intensity
        usage = [(main.name, _tokens(rng, scale))]
        if main is not HAIKU and rng.random() < 0.6:
            usage.append((HAIKU.name, _tokens(rng, scale / 10)))
        added = int(rng.expovariate(1 / (40 if bot else 120)))
        removed = int(added * rng.uniform(0.1, 0.7))
        commits = 0 if bot or rng.random() < 0.65 else 1 + int(rng.random() * 3)
        prs = 1 if commits and rng.random() < 0.3 else 0
        tools = []
        for top in (30, 8, 5, 4):
            accepted = int(rng.random() * (top + 1)) if top != 4 or rng.random() < 0.05 else 0
            rejected = int(accepted * rng.uniform(0, 0.3))
            tools.append((accepted, rejected))
        return Session(index, hour, terminal, added, removed, commits, prs, tuple(tools),
                       tuple(usage))  # fmt: skip

    # -- records ---------------------------------------------------------------------------
    def records(self, day: date, at: int | None = None) -> list[Record]:
        """``day``'s claude_code records as served at ``at`` (default now), in a stable order:
        actor, then terminal."""
        grouped: dict[tuple[int, str], Record] = {}
        for session in self.visible_sessions(day, at):
            key = (session.actor, session.terminal)
            record = grouped.get(key)
            if record is None:
                record = grouped[key] = Record(self.actors[session.actor], session.terminal)
            record.add(session)
        for record in grouped.values():
            record.finish()
        return [grouped[k] for k in sorted(grouped)]

    def billable(self, actor: Actor) -> bool:
        """Whether cost_report bills this actor's use (subscribers pay for seats instead)."""
        return not (self.config.subscription_rows and actor.subscription_type)

    # -- cost ------------------------------------------------------------------------------
    def cost_lines(self, day: date, at: int | None = None) -> list[CostLine]:
        """``day``'s cost_report lines at the finest grain, as served at ``at``."""
        fractional = self.config.fractional_costs
        billed: defaultdict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
        used: defaultdict[tuple[str | None, str], Tokens] = defaultdict(Tokens)
        for record in self.records(day, at):
            if not self.billable(record.actor):
                continue
            for name, tokens in record.tokens.items():
                key = (record.actor.workspace_id, name)
                billed[key] += record.amount(name, fractional=fractional)
                used[key] = used[key].plus(tokens)
        lines: list[CostLine] = []
        for workspace, name in sorted(billed, key=lambda k: (k[0] or "", k[1])):
            model = BY_NAME[name]
            shares = split(billed[workspace, name], used[workspace, name].part_cents(model))
            for (_, token_type, suffix), share in zip(TOKEN_TYPES, shares, strict=True):
                if share:
                    lines.append(CostLine(workspace, f"{model.label} Usage - {suffix}", "tokens",
                                          model.name, token_type, share))  # fmt: skip
        lines.extend(self.other_lines(day, at))
        return lines

    def other_lines(self, day: date, at: int | None = None) -> list[CostLine]:
        """The day's costs that are not Claude Code: code execution and web search, on weekdays,
        today's share in proportion to the hours served."""
        if not self.first_day <= day <= self.last_day or day.weekday() >= 5:
            return []
        hours = self.visible_hours(day, at)
        rng = Random(f"{self.config.seed}:{day.isoformat()}:other")
        code = Decimal(rng.randrange(50_000_000, 800_000_000)) * MICRO
        search = Decimal(rng.randrange(20, 300))
        lines = []
        for workspace, description, kind, full in (
            (self.people.workspaces["research"], "Code Execution Usage", "code_execution", code),
            (None, "Web Search", "web_search", search),
        ):
            amount = (full * hours / 24).quantize(MICRO)
            if amount:
                lines.append(CostLine(workspace, description, kind, None, None, amount))
        return lines


def _tokens(rng: Random, scale: float) -> Tokens:
    uncached = int(rng.lognormvariate(math.log(max(scale, 1.0)), 0.7))
    return Tokens(
        input=uncached,
        output=int(uncached * rng.uniform(0.2, 0.6)),
        cache_read=int(uncached * rng.uniform(10, 40)),  # Claude Code reads its cache a lot
        cache_creation=int(uncached * rng.uniform(1, 4)),
    )
