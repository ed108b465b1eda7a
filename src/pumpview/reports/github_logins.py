"""GitHub logins that map to no one: the Copilot seats and the ``github:<login>`` keys of
Copilot's usage and activity that no alias of the directory names, each with its usage value over
a range, its last day seen and a suggested person (only a suggestion: an admin maps it, on
Settings → People, with one click that adds the alias ``github:<login>``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, select

from pumpview.reports.person_keys import GITHUB
from pumpview.store import facts, tables
from pumpview.store import integrations as integrations_store
from pumpview.store.engine import snapshot

PROVIDER = "copilot"
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person a login can be mapped to, as the map's list names them."""

    id: int
    name: str | None
    email: str | None

    @property
    def label(self) -> str:
        """``Name (email)``, or whichever of the two they have."""
        if self.name and self.email:
            return f"{self.name} ({self.email})"
        return self.name or self.email or f"person #{self.id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubLogin:
    """One login no alias names."""

    login: str
    """Lower-case, as Copilot's rows store it."""
    usage_cents: Decimal
    """Its Copilot usage value over the range (exact cents)."""
    last_day: date | None
    """The last day with Copilot usage or activity, whenever it was; ``None``: a seat only."""
    last_activity_ms: int | None
    """The seat's own ``last_activity_at`` (epoch ms), if it has a seat and GitHub gave one."""
    suggested: int | None
    """The id of the one person whose email's local part or name spells the login."""


@dataclass(frozen=True, slots=True)
class Unmapped:
    """The logins no one is mapped to, biggest usage first, and everyone they can be mapped to."""

    since: date
    until: date
    logins: tuple[GitHubLogin, ...]
    people: tuple[Candidate, ...]


def _spelling(text: str) -> str:
    """Letters and digits only, lower-case: ``Ada.Lovelace`` and ``ada-lovelace`` spell alike."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def suggest(login: str, people: Iterable[Candidate]) -> int | None:
    """The id of the one person whose email's local part or name spells ``login`` (ignoring
    case, dots, dashes and spaces); ``None`` when no one or several do. Pure."""
    wanted = _spelling(login)
    if not wanted:
        return None
    found = {
        p.id
        for p in people
        if (p.email and _spelling(p.email.partition("@")[0]) == wanted)
        or (p.name and _spelling(p.name) == wanted)
    }
    return found.pop() if len(found) == 1 else None


def candidates(conn: Connection) -> list[Candidate]:
    """Everyone in the directory, by name (then email)."""
    p = tables.persons
    rows = conn.execute(select(p.c.id, p.c.name, p.c.email))
    people = [Candidate(int(i), name, email) for i, name, email in rows]
    return sorted(people, key=lambda c: (c.label.casefold(), c.id))


def unmapped(conn: Connection, since: date, until: date) -> Unmapped:
    """The logins of every Copilot integration that no alias names, with their usage value over
    ``[since, until]``; one metadata snapshot (``conn``)."""
    ids = tuple(i for i, kind in integrations_store.providers(conn).items() if kind == PROVIDER)
    people = candidates(conn)
    if not ids:
        return Unmapped(since, until, (), tuple(people))
    a = tables.person_aliases
    named = set(conn.execute(select(a.c.alias).where(a.c.alias.startswith(GITHUB, autoescape=True))
                             ).scalars())  # fmt: skip
    seats = tables.copilot_seats
    seen: dict[str, int | None] = {}
    for login, at_ms in conn.execute(
        select(seats.c.login, func.max(seats.c.last_activity_at_ms))
        .where(seats.c.integration_id.in_(ids))
        .group_by(seats.c.login)
    ):
        seen[GITHUB + str(login).lower()] = None if at_ms is None else int(at_ms)
    read = facts.of(conn)
    last: dict[str, date] = {}
    span = read.span(ids)
    if span is not None:
        last.update(read.last_days(ids, *span))
    activity = tables.activity_daily
    for key, day in conn.execute(
        select(activity.c.email, func.max(activity.c.day))
        .where(activity.c.integration_id.in_(ids),
               activity.c.email.startswith(GITHUB, autoescape=True))
        .group_by(activity.c.email)
    ):  # fmt: skip
        last[key] = max(last.get(key, day), day)
    usage: dict[str, Decimal] = dict(
        read.sums(ids, since, until, by=("email",), measures=("spend_cents",))
    )
    keys = {k for k in (*seen, *last, *usage) if k.startswith(GITHUB)} - named
    logins = [
        GitHubLogin(
            login=key.removeprefix(GITHUB),
            usage_cents=usage.get(key, ZERO),
            last_day=last.get(key),
            last_activity_ms=seen.get(key),
            suggested=suggest(key.removeprefix(GITHUB), people),
        )
        for key in keys
    ]
    logins.sort(key=lambda g: (-g.usage_cents, g.login))
    return Unmapped(since, until, tuple(logins), tuple(people))


def build(engine: Engine, since: date, until: date) -> Unmapped:
    """``unmapped`` in one snapshot of the store."""
    with snapshot(engine) as conn:
        return unmapped(conn, since, until)
