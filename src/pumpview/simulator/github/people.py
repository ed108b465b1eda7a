"""The organisation's Copilot users: most are people of the Cursor simulator's roster (same seed),
given GitHub logins; a few are contractors Cursor never saw.

Edge cases seen upstream are planted: one login in mixed case (logins are case-insensitive), a few
public profile emails (a work email for some, another address for a contractor), one user holding
two seats through two teams, a seat whose assignee was deleted, a pending cancellation and a seat
without ``plan_type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from pumpview.simulator.config import SimConfig
from pumpview.simulator.github.config import GitHubConfig
from pumpview.simulator.roster import draw_members

EDITORS = ("vscode", "vscode", "vscode", "jetbrains", "visualstudio", "neovim")
"""A user's IDE, drawn with these weights (``totals_by_ide[].ide`` and the seat's editor)."""
CONTRACTORS = (
    ("octo-contractor", "Octo Contractor", "octo@contractor.example"),
    ("dev-agency-jl", None, None),
)
"""Logins of people who are not in the Cursor roster (login, profile name, public email)."""


@dataclass(frozen=True, slots=True)
class Team:
    """A GitHub team that assigns Copilot seats."""

    id: int
    slug: str
    name: str


TEAMS = (
    Team(7001, "platform", "Platform"),
    Team(7002, "payments", "Payments"),
    Team(7003, "mobile", "Mobile"),
)


@dataclass(frozen=True, slots=True)
class User:
    """A GitHub user holding a Copilot seat in the organisation."""

    index: int
    login: str
    id: int
    name: str | None
    public_email: str | None
    """``assignee.email``: the public profile email (a work email for a few, usually null)."""
    work_email: str | None
    """The Cursor roster's email of the same person; ``None`` for contractors."""
    intensity: float
    model_weights: tuple[int, ...]
    active_from: int
    """Day offset (from the first generated day) of the seat grant: no activity before."""
    editor: str
    cli_share: float
    """Chance of CLI use on an active day."""
    team: Team | None
    """The team that assigned the seat (``None``: assigned directly)."""
    second_team: Team | None
    """A second seat through another team (one user has one)."""
    seat_created_ms: int


def draw_users(config: GitHubConfig, first_day: date, now_ms: int, models: int) -> list[User]:
    """The organisation's Copilot users, in seat order: drawn from the Cursor roster of the same
    seed, about two thirds of the listed, current, human members, then the contractors."""
    cursor = SimConfig(
        seed=config.seed,
        members=config.members,
        domain=config.domain,
        days=config.days,
        now_ms=now_ms,
    )
    rng = Random(f"{config.seed}:github-people")
    users: list[User] = []
    taken: set[str] = set()
    mixed_case_done = False
    for member in draw_members(cursor, first_day):
        picked = rng.random() < 2 / 3  # drawn for everyone, so the draws never shift
        if not (member.listed and not member.is_removed and not member.is_service_account):
            continue
        if not picked:
            continue
        base = member.email.split("@")[0].replace(".", "-").replace("_", "-")
        login = _unique(base, taken)
        if not mixed_case_done and len(users) >= 2:
            login = "-".join(part.capitalize() for part in login.split("-"))
            mixed_case_done = True
        public_email = member.email if len(users) % 6 == 1 else None
        users.append(
            _user(
                rng,
                config,
                first_day,
                len(users),
                login,
                member.name,
                public_email,
                member.email,
                member.active_from,
                models,
            )
        )
    for number, (login, name, email) in enumerate(CONTRACTORS):
        active_from = max(0, config.days - 60 - 14 * number)  # contractors joined lately
        users.append(
            _user(
                rng,
                config,
                first_day,
                len(users),
                _unique(login, taken),
                name,
                email,
                None,
                active_from,
                models,
            )
        )
    return users


def _unique(base: str, taken: set[str]) -> str:
    login, suffix = base, 2
    while login.lower() in taken:
        login = f"{base}{suffix}"
        suffix += 1
    taken.add(login.lower())
    return login


def _user(
    rng: Random,
    config: GitHubConfig,
    first_day: date,
    index: int,
    login: str,
    name: str | None,
    public_email: str | None,
    work_email: str | None,
    active_from: int,
    models: int,
) -> User:
    seat_day = first_day + timedelta(days=active_from)
    if active_from == 0:
        seat_day -= timedelta(days=rng.randrange(1, 200))
    seconds = rng.randrange(8 * 3600, 18 * 3600)
    seat_ms = (seat_day - date(1970, 1, 1)).days * 86_400_000 + seconds * 1000
    team = TEAMS[index % len(TEAMS)] if index % 5 in (1, 3) else None
    second = TEAMS[(index + 1) % len(TEAMS)] if index == 1 else None
    return User(
        index=index,
        login=login,
        id=1_000_000 + config.seed * 100_003 % 900_000 + index * 9_973 + rng.randrange(9_000),
        name=name,
        public_email=public_email,
        work_email=work_email,
        intensity=rng.lognormvariate(0, 0.6),
        model_weights=tuple(rng.randint(1, 10) for _ in range(models)),
        active_from=active_from,
        editor=EDITORS[rng.randrange(len(EDITORS))],
        cli_share=rng.choice((0.0, 0.0, 0.1, 0.4)),
        team=team,
        second_team=second,
        seat_created_ms=seat_ms,
    )
