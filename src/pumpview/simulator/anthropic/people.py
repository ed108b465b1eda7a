"""Who is in the simulated organisation: its users (mostly the Cursor roster's people), its API
keys, and the actors the claude_code report names (users by email, keys by name)."""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate
from random import Random

from pumpview.simulator.anthropic.config import AnthropicConfig
from pumpview.simulator.config import SimConfig
from pumpview.simulator.roster import JOIN_TIME_MS, Member, draw_members
from pumpview.timeutil import MS_PER_DAY, day_start_ms

_ID_CHARS = string.ascii_letters + string.digits
TERMINALS = ("vscode", "iTerm.app", "tmux", "Apple_Terminal", "WezTerm", "ghostty", "cursor")
BOT_KEY_NAME = "ci-claude-code-bot"
SHARED_KEY_NAME = "dev-key"
"""The name two users gave their personal keys (names are not unique upstream, §3.7)."""
CLAUDE_ONLY = (("Rin", "Sato"), ("Bo", "Lindqvist"))
"""Users who are on no Cursor roster. Rin's records carry an upper-case email; Bo joined lately."""
JOINED_DAYS_AGO = 6
FOREVER = 10**9
"""``Actor.active_until`` of an actor who does not stop: days after creation have activity too."""
MIN_USERS = 9
"""Keys' owners, the billing user, the idle one and the two Claude-only users are all distinct."""
IDLE_DAYS = 40


def tagged_id(prefix: str, rng: Random) -> str:
    """An Anthropic-style ID: ``user_01`` + 24 letters and digits."""
    return f"{prefix}_01" + "".join(rng.choice(_ID_CHARS) for _ in range(24))


@dataclass(frozen=True, slots=True)
class User:
    """An organisation member as ``/v1/organizations/users`` lists them."""

    id: str
    email: str
    name: str
    role: str
    added_at_ms: int
    member_index: int | None
    """The Cursor roster's ``Member.index`` of the same person; ``None`` for Claude-only users."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as ``/v1/organizations/api_keys`` lists it."""

    id: str
    name: str
    created_at_ms: int
    created_by: str
    """A user ID."""
    principal_type: str | None
    """``user_actor``, ``service_account_actor`` or ``None`` (a workspace key)."""
    principal_id: str | None
    workspace_id: str | None
    status: str
    hint: str


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone the claude_code report names, with how they work."""

    kind: str
    """``user_actor`` or ``api_actor``."""
    name: str
    """The email as the records carry it, or the key's name."""
    workspace_id: str | None
    """Where the cost lands in cost_report's ``workspace_id``."""
    intensity: float
    weekday_p: float
    weekend_p: float
    sessions_mean: float
    model_weights: tuple[int, ...]
    terminals: tuple[str, str]
    second_share: float
    """The share of sessions in the second terminal (``second_terminal`` on)."""
    peak_hour: float
    active_from: int
    """First day offset (from the first generated day) with activity."""
    active_until: int
    """Last day offset with activity (``FOREVER`` for all but the idle user)."""
    subscription_type: str | None
    """``team``/``enterprise`` for the users ``subscription_rows`` turns into subscribers."""

    @property
    def cum_weights(self) -> tuple[int, ...]:
        return tuple(accumulate(self.model_weights))

    @property
    def identity(self) -> str:
        """The ground truth's key: the lower-cased email, or ``"api-key:" + key name``."""
        if self.kind == "user_actor":
            return self.name.lower()
        return "api-key:" + self.name


@dataclass(frozen=True, slots=True)
class People:
    users: tuple[User, ...]
    api_keys: tuple[ApiKey, ...]
    actors: tuple[Actor, ...]
    workspaces: dict[str, str]
    """Purpose (``ci``, ``research``) -> workspace ID."""
    joiner: str
    """The email of the user who joined ``JOINED_DAYS_AGO`` days ago."""
    idle: str
    """The email of a user with no activity in the last ``IDLE_DAYS`` days."""


def roster(config: AnthropicConfig, now: int, first_day: date) -> list[Member]:
    """The Cursor simulator's members for the same seed, size, domain and present."""
    cursor = SimConfig(seed=config.seed, members=config.members, domain=config.domain,
                       days=config.days, now_ms=now)  # fmt: skip
    return draw_members(cursor, first_day)


def draw_people(config: AnthropicConfig, now: int, first_day: date) -> People:
    """The organisation's people, keys and actors, drawn from the seed."""
    rng = Random(f"{config.seed}:anthropic:people")
    today_offset = config.days - 1
    start_ms = day_start_ms(first_day)
    chosen = [
        m
        for m in roster(config, now, first_day)
        if m.listed and not m.is_removed and not m.is_service_account
        and (m.index in (2, 3) or rng.random() < 2 / 3)
    ]  # fmt: skip
    people: list[tuple[str, str, int | None]] = [(m.email, m.name, m.index) for m in chosen]
    for first, last in CLAUDE_ONLY:
        people.append((f"{first}.{last}@{config.domain}".lower(), f"{first} {last}", None))

    users: list[User] = []
    for n, (email, name, index) in enumerate(people):
        role = (
            "admin" if n == 0
            else "owner" if n == 1  # outside the documented enum (§6.2): accept unknown roles
            else "billing" if n == 5
            else rng.choice(("developer", "developer", "claude_code_user", "claude_code_user",
                             "user"))
        )  # fmt: skip
        added = start_ms - rng.randrange(1, 400) * MS_PER_DAY + rng.randrange(MS_PER_DAY)
        users.append(User(tagged_id("user", rng), email, name, role, added, index))
    joiner_day = first_day + timedelta(days=today_offset - JOINED_DAYS_AGO)
    users[-1] = replace(users[-1], added_at_ms=day_start_ms(joiner_day) + JOIN_TIME_MS)
    if len(users) < MIN_USERS:
        msg = f"members: {config.members} gives {len(users)} users; the cases need {MIN_USERS}"
        raise ValueError(msg)

    workspaces = {"ci": tagged_id("wrkspc", rng), "research": tagged_id("wrkspc", rng)}
    keys, key_actors = _keys(rng, users, workspaces, start_ms)

    actors: list[Actor] = []
    idle_user = users[6]
    for n, user in enumerate(users):
        if user.role == "billing":
            continue  # pays the bills, writes no code
        active_from, active_until = 0, FOREVER
        if n == len(users) - 1:
            active_from = today_offset - JOINED_DAYS_AGO + 1
        elif user is idle_user:
            active_until = today_offset - IDLE_DAYS
        elif n % 9 == 4:
            active_from = rng.randrange(max(1, config.days // 2))
        shown = user.email.upper() if n == len(users) - 2 else user.email
        subscription = ("team", "enterprise")[n % 2] if n % 7 == 3 else None
        actors.append(_actor(rng, "user_actor", shown, None, active_from, active_until,
                             subscription))  # fmt: skip
    for name, workspace, scale in key_actors:
        actor = _actor(rng, "api_actor", name, workspace, 0, FOREVER, None)
        if name == BOT_KEY_NAME:
            actor = replace(actor, weekend_p=0.9, weekday_p=1.0, sessions_mean=12.0,
                            terminals=("non-interactive", "github-actions"), second_share=0.2,
                            intensity=0.4)  # fmt: skip
        else:
            actor = replace(actor, intensity=actor.intensity * scale)
        actors.append(actor)
    return People(tuple(users), tuple(keys), tuple(actors), workspaces, users[-1].email,
                  idle_user.email)  # fmt: skip


def _keys(
    rng: Random, users: list[User], workspaces: dict[str, str], start_ms: int
) -> tuple[list[ApiKey], list[tuple[str, str | None, float]]]:
    """The keys, and the ones Claude Code runs with: (name, workspace, intensity scale)."""
    admin = users[0]

    def key(name: str, owner: User, principal: tuple[str, str] | None, workspace: str | None,
            status: str = "active") -> ApiKey:  # fmt: skip
        hint = "sk-ant-api03-" + "".join(rng.choice(_ID_CHARS) for _ in range(3)) + "...AA"
        created = start_ms - rng.randrange(1, 200) * MS_PER_DAY
        kind, ident = principal if principal else (None, None)
        return ApiKey(tagged_id("apikey", rng), name, created, owner.id, kind, ident, workspace,
                      status, hint)  # fmt: skip

    owner_a, owner_b, owner_c = users[2], users[3], users[4]
    first = owner_c.name.split()[0].lower() if owner_c.name.isascii() else "dev"
    personal = f"{first}-claude-code"
    keys = [
        key(BOT_KEY_NAME, admin, ("service_account_actor", tagged_id("svac", rng)),
            workspaces["ci"]),
        key(personal, owner_c, ("user_actor", owner_c.id), None),
        key(SHARED_KEY_NAME, owner_a, ("user_actor", owner_a.id), None),
        key(SHARED_KEY_NAME, owner_b, ("user_actor", owner_b.id), None),
        key("notebook-experiments", owner_a, ("user_actor", owner_a.id), workspaces["research"]),
        key("old-prototype", admin, None, workspaces["research"], status="archived"),
    ]  # fmt: skip
    used = [(BOT_KEY_NAME, workspaces["ci"], 1.0), (personal, None, 0.3),
            (SHARED_KEY_NAME, None, 0.5)]  # fmt: skip
    return keys, used


def _actor(
    rng: Random,
    kind: str,
    name: str,
    workspace: str | None,
    active_from: int,
    active_until: int,
    subscription: str | None,
) -> Actor:
    main, second = rng.sample(TERMINALS, 2)
    # Sonnet, Opus, Haiku: the order of ``pricing.MODELS``; each person leans their own way.
    weights = tuple(max(1, int(w * rng.uniform(0.2, 2.5))) for w in (60, 12, 28))
    return Actor(
        kind=kind,
        name=name,
        workspace_id=workspace,
        intensity=rng.lognormvariate(0, 0.5),
        weekday_p=rng.uniform(0.45, 0.9),
        weekend_p=rng.uniform(0.0, 0.15),
        sessions_mean=rng.uniform(1.5, 4.5),
        model_weights=weights,
        terminals=(main, second),
        second_share=rng.uniform(0.05, 0.3) if rng.random() < 0.4 else 0.0,
        peak_hour=rng.uniform(8, 19),
        active_from=active_from,
        active_until=active_until,
        subscription_type=subscription,
    )
