"""Who is who, as ``pumpview people list``, Settings → People and ``GET /api/directory`` show
it: each person with the aliases that name them, the team they are in today and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from pumpview.people.membership import Membership, team_on
from pumpview.reports.plain import plain
from pumpview.store import directory

COLUMNS = ("person", "email", "aliases", "team", "memberships")
"""The JSON contract's fields, in order."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    person: str
    """Their name, else their email, else an alias."""
    name: str | None
    email: str | None
    aliases: tuple[str, ...]
    team: str | None
    """The team they are in today (UTC)."""
    memberships: tuple[Membership, ...]
    """In order of start."""


def entries(conn: Connection, today: date) -> list[Entry]:
    """Everyone, by name (case aside)."""
    found = [
        Entry(p.id, p.label, p.name, p.email, tuple(p.aliases), team_on(p.memberships, today),
              tuple(sorted(p.memberships, key=lambda m: m.valid_from or date.min)))
        for p in directory.load(conn).values()
    ]  # fmt: skip
    return sorted(found, key=lambda e: (e.person.casefold(), e.id))


def as_json(entry: Entry) -> dict[str, Any]:
    """An entry as JSON has it: dates ``YYYY-MM-DD``, ``null`` for an open end."""
    return {
        "person": entry.person, "email": entry.email, "aliases": list(entry.aliases),
        "team": entry.team,
        "memberships": [
            {"team": m.team, "valid_from": plain(m.valid_from), "valid_to": plain(m.valid_to),
             "origin": m.origin}
            for m in entry.memberships
        ],
    }  # fmt: skip
