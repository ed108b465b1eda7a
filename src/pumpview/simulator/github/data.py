"""The simulated organisation: its clock, its Copilot users and seats (``people``), and each day's
activity, generated lazily and deterministically per ``(seed, day)``.

A day holds, per active user, the billed quantity per model (premium requests before
``ai_credits_from``, AI credits from then on) and the usage-metrics counters. The monthly
allowance is applied by ``ledger``: per user, per calendar month (UTC) and per unit, in time order
(days ascending; within a day, models in catalogue order), ``discount`` absorbs usage until the
allowance is spent.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from pumpview.simulator.github.config import GitHubConfig
from pumpview.simulator.github.people import Team, User, draw_users
from pumpview.timeutil import MS_PER_DAY, day_of, day_start_ms, now_ms


@dataclass(frozen=True, slots=True)
class Model:
    """A model Copilot bills: its premium-request multiplier and mean AI credits per request."""

    name: str
    multiplier: Decimal
    credits_per_request: float
    weight: int


MODELS = (
    Model("Claude Sonnet 4.5", Decimal(1), 6.5, 8),
    Model("GPT-5", Decimal(1), 4.8, 6),
    Model("Gemini 2.5 Pro", Decimal("1.25"), 5.2, 3),
    Model("Claude Haiku 4.5", Decimal("0.25"), 1.6, 4),
    Model("Claude Opus 4.5", Decimal(3), 18.0, 2),
)
"""Display names as the billing API spells them; multipliers are synthetic, chosen to give the
fractional quantities the reference expects (0.25x, 1.25x)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """How one era's usage is billed: a usage item's product, sku, unit type and price."""

    product: str
    sku: str
    unit_type: str
    price: Decimal
    allowance_kind: str
    """``"requests"`` or ``"credits"``: which monthly allowance it draws from."""


PREMIUM = Unit("Copilot", "Copilot Premium Request", "requests", Decimal("0.04"), "requests")
CREDITS_ORG = Unit("Copilot", "Copilot AI Credits", "credits", Decimal("0.01"), "credits")
CREDITS_USER = Unit("Copilot AI Credits", "AI Credit", "ai-credits", Decimal("0.01"), "credits")

FEATURES = ("code_completion", "chat_panel_ask_mode", "chat_panel_agent_mode", "agent_edit")
COUNTERS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)
Counters = tuple[int, int, int, int, int, int, int]
"""The seven ``COUNTERS`` in order."""


@dataclass(frozen=True, slots=True)
class Cli:
    """A day's Copilot CLI use (``totals_by_cli``); not counted in the IDE or feature totals."""

    sessions: int
    requests: int
    prompts: int
    prompt_tokens: int
    output_tokens: int
    version: str


@dataclass(frozen=True, slots=True)
class UserDay:
    """One user's activity on one day: billed usage and usage-metrics counters."""

    user: int
    usage: tuple[tuple[int, Decimal], ...]
    """(model index, gross quantity) for models used, in catalogue order, in the day's unit."""
    features: tuple[tuple[str, Counters], ...]
    """Counters per feature (features with any activity); their sums are the day's totals."""
    cli: Cli | None
    code_review_active: bool
    code_review_passive: bool
    cloud_agent: bool
    phase: int
    """``ai_adoption_phase.phase_number`` (1-4)."""
    last_ms: int
    """The instant of the day's last activity (whole seconds, as seats show it)."""

    @property
    def totals(self) -> Counters:
        sums = [0] * len(COUNTERS)
        for _feature, counters in self.features:
            for i, value in enumerate(counters):
                sums[i] += value
        return (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6])

    @property
    def gross(self) -> Decimal:
        """The day's gross quantity over all models (requests or credits)."""
        return sum((q for _m, q in self.usage), Decimal(0))


@dataclass(frozen=True, slots=True)
class Seat:
    """One seat assignment as ``/copilot/billing/seats`` lists it (``assignee`` may be null)."""

    user: User | None
    team: Team | None
    created_ms: int
    pending_cancellation_date: date | None
    plan_type: str | None
    """``None``: the field is missing."""
    last_activity_ms: int | None
    last_activity_editor: str | None
    last_authenticated_ms: int | None

    @property
    def login(self) -> str | None:
        return self.user.login if self.user is not None else None


Ledger = dict[date, dict[tuple[int, int], tuple[Decimal, Decimal]]]
"""Per day: (user index, model index) -> (gross quantity, discount quantity)."""


class Organisation:
    """The organisation's people and their days; visibility rules are the routes'."""

    def __init__(self, config: GitHubConfig) -> None:
        self.config = config
        self.now = config.now_ms if config.now_ms is not None else now_ms()
        self.first_day = day_of(self.now) - timedelta(days=config.days - 1)
        self.users = draw_users(config, self.first_day, self.now, len(MODELS))
        self.by_login = {u.login.lower(): u for u in self.users}
        self.id = str(90_000 + config.seed * 7 % 9_000)
        """The numeric organisation id the reports name (``organization_id``, a string)."""
        self._days: OrderedDict[date, dict[int, UserDay]] = OrderedDict()
        self._months: OrderedDict[tuple[int, int, date], Ledger] = OrderedDict()
        self._seats: tuple[int, tuple[Seat, ...]] | None = None

    # -- the clock -------------------------------------------------------------------------
    def set_now(self, ms: int) -> None:
        """Move the simulated present; the generated history stays where it is."""
        self.now = ms

    @property
    def today(self) -> date:
        return day_of(self.now)

    def unit(self, day: date) -> Unit:
        """How ``day``'s usage is billed."""
        if day < self.config.ai_credits_from:
            return PREMIUM
        return CREDITS_USER if self.config.sku_style == "user" else CREDITS_ORG

    def allowance(self, unit: Unit) -> Decimal:
        config = self.config
        return Decimal(
            config.allowance_requests
            if unit.allowance_kind == "requests"
            else config.allowance_credits
        )

    # -- days ------------------------------------------------------------------------------
    def day(self, day: date) -> dict[int, UserDay]:
        """``day``'s active users (by user index), generated once and kept in a small LRU.
        Days outside the generated history (before the first, after the present's) are empty."""
        if day < self.first_day or day > self.today:
            return {}
        found = self._days.get(day)
        if found is None:
            found = self._generate(day)
            self._days[day] = found
            if len(self._days) > 120:
                self._days.popitem(last=False)
        else:
            self._days.move_to_end(day)
        return found

    def _generate(self, day: date) -> dict[int, UserDay]:
        rng = Random(f"{self.config.seed}:{day.isoformat()}:github")
        offset = (day - self.first_day).days
        weekday = day.weekday() < 5
        credits = day >= self.config.ai_credits_from
        out: dict[int, UserDay] = {}
        for user in self.users:
            if offset < user.active_from:
                continue
            chance = min(0.95, 0.6 + 0.2 * user.intensity) if weekday else 0.1
            if rng.random() >= chance:
                continue
            made = _user_day(rng, user, day, credits)
            if made is not None:
                out[user.index] = made
        return out

    # -- the allowance ---------------------------------------------------------------------
    def ledger(self, year: int, month: int) -> Ledger:
        """Gross and discount per (user, model) for each day of the month up to the present's
        day, the monthly allowance consumed in time order."""
        key = (year, month, self.today)
        found = self._months.get(key)
        if found is not None:
            return found
        day = date(year, month, 1)
        left: dict[tuple[int, str], Decimal] = {}
        ledger: Ledger = {}
        while day.month == month and day <= self.today:
            unit = self.unit(day)
            lines: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
            for index, activity in sorted(self.day(day).items()):
                remaining = left.get((index, unit.allowance_kind), self.allowance(unit))
                for model, gross in activity.usage:
                    discount = min(gross, remaining)
                    remaining -= discount
                    lines[index, model] = (gross, discount)
                left[index, unit.allowance_kind] = remaining
            ledger[day] = lines
            day += timedelta(days=1)
        self._months[key] = ledger
        if len(self._months) > 6:
            self._months.popitem(last=False)
        return ledger

    # -- seats -----------------------------------------------------------------------------
    def seats(self) -> list[Seat]:
        """Every seat in the order the API lists them: one per user, the deleted user's seat
        fifth, the second team seat of user 1 last. Kept until the present moves."""
        if self._seats is not None and self._seats[0] == self.now:
            return list(self._seats[1])
        last = self._last_activity()
        today = self.today
        next_cycle = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        humans = [u for u in self.users if u.work_email is not None]
        cancelling = humans[-1].index if humans else -1
        no_plan = humans[len(humans) // 2].index if humans else -1
        plan = self.config.plan
        seats: list[Seat] = []
        for user in self.users:
            seen = last.get(user.index)
            seats.append(
                Seat(
                    user=user,
                    team=user.team,
                    created_ms=user.seat_created_ms,
                    pending_cancellation_date=next_cycle if user.index == cancelling else None,
                    plan_type=None if user.index == no_plan else plan,
                    last_activity_ms=seen,
                    last_activity_editor=_editor(user) if seen is not None else None,
                    last_authenticated_ms=seen - 37 * 60_000 if seen is not None else None,
                )
            )
        deleted = Seat(
            user=None,
            team=None,
            created_ms=day_start_ms(self.first_day) + 11 * 3_600_000,
            pending_cancellation_date=None,
            plan_type=plan,
            last_activity_ms=None,
            last_activity_editor=None,
            last_authenticated_ms=None,
        )
        seats.insert(min(4, len(seats)), deleted)
        for user in self.users:
            if user.second_team is not None:
                seen = last.get(user.index)
                seats.append(
                    Seat(
                        user=user,
                        team=user.second_team,
                        created_ms=user.seat_created_ms + 3 * MS_PER_DAY,
                        pending_cancellation_date=None,
                        plan_type=plan,
                        last_activity_ms=seen,
                        last_activity_editor=_editor(user) if seen is not None else None,
                        last_authenticated_ms=seen - 37 * 60_000 if seen is not None else None,
                    )
                )
        self._seats = (self.now, tuple(seats))
        return seats

    def _last_activity(self) -> dict[int, int]:
        """Each user's last activity instant up to the present (never after it)."""
        found: dict[int, int] = {}
        day = self.today
        wanted = len(self.users)
        while day >= self.first_day and len(found) < wanted:
            for index, activity in self.day(day).items():
                if index not in found:
                    found[index] = min(activity.last_ms, self.now - self.now % 1000 - 60_000)
            day -= timedelta(days=1)
        return found


def _editor(user: User) -> str:
    return {
        "vscode": "vscode/1.106.2/copilot-chat/0.33.3",
        "jetbrains": "JetBrains-IU/252.27397.103/copilot-intellij/1.5.59-243",
        "visualstudio": "VisualStudio/17.14.15/copilot-vs/17.14.1091",
        "neovim": "Neovim/0.11.4/copilot.lua/1.55.0",
    }[user.editor]


def _split(rng: Random, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` non-negative integers that sum to it."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _count(rng: Random, mean: float) -> int:
    if mean <= 0:
        return 0
    return max(0, round(rng.gauss(mean, math.sqrt(mean) + 0.3)))


def _user_day(rng: Random, user: User, day: date, credits: bool) -> UserDay | None:
    weights = user.model_weights
    total_weight = sum(w * m.weight for w, m in zip(weights, MODELS, strict=True))
    usage: list[tuple[int, Decimal]] = []
    requests = 0
    for i, model in enumerate(MODELS):
        n = _count(rng, 9.0 * user.intensity * weights[i] * model.weight / total_weight)
        if not n:
            continue
        requests += n
        if credits:
            hundredths = max(1, round(n * model.credits_per_request * rng.uniform(0.6, 1.4) * 100))
            usage.append((i, Decimal(hundredths) / 100))
        else:
            usage.append((i, n * model.multiplier))
    completions = _count(rng, 30.0 * user.intensity)
    use_cli = rng.random() < user.cli_share
    if not usage and not completions and not use_cli:
        return None
    ask, agent = _split(rng, requests, 2) if requests else (0, 0)
    features: list[tuple[str, Counters]] = []
    if completions:
        accepted = round(completions * rng.uniform(0.2, 0.5))
        suggested = completions * rng.randint(1, 4)
        features.append(
            (
                "code_completion",
                (0, completions, accepted, suggested, 0, accepted * rng.randint(1, 3), 0),
            )
        )
    if ask:
        made = ask * rng.randint(1, 3)
        accepted = rng.randint(0, made)
        features.append(
            (
                "chat_panel_ask_mode",
                (ask, made, accepted, made * 6, 0, accepted * rng.randint(2, 8), 0),
            )
        )
    if agent:
        made = agent * rng.randint(2, 5)
        added = made * rng.randint(3, 12)
        deleted = rng.randint(0, added // 3)
        features.append(("chat_panel_agent_mode", (agent, 0, 0, 0, 0, 0, 0)))
        features.append(("agent_edit", (0, made, made, 0, 0, added, deleted)))
    cli = None
    if use_cli:
        sessions = rng.randint(1, 3)
        prompts = rng.randint(sessions, 12)
        cli_requests = prompts + rng.randint(0, prompts)
        cli = Cli(
            sessions,
            cli_requests,
            prompts,
            cli_requests * rng.randint(2_000, 9_000),
            cli_requests * rng.randint(200, 1_500),
            f"1.0.{rng.randint(3, 12)}",
        )
    hour = min(23.5, max(9.0, rng.gauss(16.5, 2.0)))
    last_ms = day_start_ms(day) + (int(hour * 3600) + rng.randrange(60)) * 1000
    return UserDay(
        user=user.index,
        usage=tuple(usage),
        features=tuple(features),
        cli=cli,
        code_review_active=rng.random() < 0.05,
        code_review_passive=rng.random() < 0.2,
        cloud_agent=rng.random() < 0.03,
        phase=min(4, 1 + int(user.intensity * 1.5)),
        last_ms=last_ms,
    )
