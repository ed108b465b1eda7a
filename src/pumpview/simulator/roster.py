"""The simulated team's roster: its members (and the one service account), drawn from the seed,
with the edge cases seen upstream (a removed member the list omits, an email in another case,
names that must be shown as text)."""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from pumpview.simulator.config import SimConfig
from pumpview.simulator.events import MODELS
from pumpview.timeutil import MS_PER_HOUR, day_start_ms

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
UNICODE_NAME = 'Zoë <b>"Ødegård"</b> & Søn 🚀'
SCRIPT_NAME = "<script>alert(1)</script>"
"""Member 2's name: a page, chart, tooltip or CSV that ran it as markup would show an alert."""


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
    monthly_limit_dollars: Decimal | None
    joined_at_ms: int
    """When the member joined the team (``joinedAt`` in billing groups)."""

    @property
    def is_service_account(self) -> bool:
        return self.service_account_id is not None

    @property
    def paid_seat(self) -> bool:
        """Holds a paid seat: a listed, current owner or member (the free-owner and the service
        account hold none)."""
        return self.listed and not self.is_removed and self.role in ("owner", "member")

    @property
    def effective_limit_dollars(self) -> Decimal:
        """``effectivePerUserLimitDollars``: the hard override, else the monthly limit, else the
        team's default of $500."""
        return Decimal(self.hard_limit_dollars or self.monthly_limit_dollars or 500)


JOIN_TIME_MS = 9 * MS_PER_HOUR + 41 * 60_000
"""The joined member's time of day on their join day (09:41 UTC); their events start the day
after."""


def draw_members(config: SimConfig, first_day: date) -> list[Member]:
    """The roster as drawn from the seed, before the planted cases."""
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
                monthly_limit_dollars=Decimal(200) if i % 4 == 3 else None,
                joined_at_ms=0,  # below: the draws above keep their order
            )
        )
    return [
        replace(m, joined_at_ms=day_start_ms(first_day + timedelta(days=m.active_from)))
        for m in members
    ]


def plant_members(config: SimConfig, drawn: list[Member], today: date) -> list[Member]:
    """The drawn roster with ``config``'s idle and joined members' activity changed (a copy);
    the other planted members are checked to exist."""
    members = list(drawn)
    first_day = today - timedelta(days=config.days - 1)
    today_offset = (today - first_day).days

    def member(index: int, knob: str, *, paid: bool = False) -> Member:
        found = members[index] if 0 <= index < len(members) else None
        if found is None or not (found.paid_seat if paid else found.listed):
            kind = "a paid-seat member" if paid else "a listed member"
            msg = f"{knob}: member {index} is not {kind} of this team"
            raise ValueError(msg)
        return found

    for index in (*config.limit_shares, *config.spend_gaps):
        member(index, "limit_shares / spend_gaps")
    if config.spike is not None:
        member(config.spike.member, "spike")
        if config.spike.model not in {m.name for m in MODELS}:
            msg = f"spike: unknown model {config.spike.model!r}"
            raise ValueError(msg)
    for index in config.idle_members:
        idle = member(index, "idle_members", paid=True)
        members[index] = replace(idle, active_until=today_offset - config.idle_days)
    if config.joined_member is not None:
        joined = member(config.joined_member, "joined_member", paid=True)
        join_offset = today_offset - config.joined_days_ago
        members[joined.index] = replace(
            joined,
            active_from=join_offset + 1,
            joined_at_ms=day_start_ms(first_day + timedelta(days=join_offset)) + JOIN_TIME_MS,
        )
    return members
