"""Team membership over time, as pure values: who was in which team on a given day.

A person is in at most one team on any day. A new membership carves its span out of the
person's others (history before and after it stays), so moving someone from ``Platform`` to
``Data`` on 1 March leaves February's costs with ``Platform``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True, slots=True)
class Membership:
    team: str
    valid_from: date | None = None
    """First day in the team (inclusive); ``None``: since always."""
    valid_to: date | None = None
    """First day no longer in it (exclusive); ``None``: still."""
    origin: str = "admin"
    """Who said so: ``cursor`` (a billing group), ``csv`` or ``admin``."""

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    def overlaps(self, first: date, last: date) -> bool:
        """Whether any day of the inclusive range ``[first, last]`` is in the membership."""
        return (self.valid_from is None or self.valid_from <= last) and (
            self.valid_to is None or first < self.valid_to
        )


def carve(existing: Iterable[Membership], new: Membership) -> list[Membership]:
    """``existing`` with ``new``'s span cut out of them, then ``new``; in order of start."""
    out: list[Membership] = []
    for old in existing:
        if _before(old.valid_from, new.valid_from):  # a part before the new one
            out.append(replace(old, valid_to=_min_end(old.valid_to, new.valid_from)))
        if new.valid_to is not None and (old.valid_to is None or new.valid_to < old.valid_to):
            # a part after it
            out.append(replace(old, valid_from=_max_start(old.valid_from, new.valid_to)))
    out.append(new)
    return sorted(
        (m for m in out if m.valid_from is None or m.valid_to is None or m.valid_from < m.valid_to),
        key=lambda m: m.valid_from or date.min,
    )


def leave(existing: Iterable[Membership], day: date) -> list[Membership]:
    """``existing`` ended on ``day`` (exclusive): out of every team from then on."""
    return [m for m in carve(existing, Membership("", day)) if m.team]


def team_on(memberships: Sequence[Membership], day: date) -> str | None:
    """The team on ``day``, ``None`` when in none."""
    return next((m.team for m in memberships if m.covers(day)), None)


def boundaries(memberships: Iterable[Membership], first: date, last: date) -> list[date]:
    """The days in ``(first, last]`` where some membership starts or ends: between two of them
    (and the range's ends) everyone's team is the same on every day."""
    edges = {
        day
        for m in memberships
        for day in (m.valid_from, m.valid_to)
        if day is not None and first < day <= last
    }
    return sorted(edges)


def _before(start: date | None, other: date | None) -> bool:
    """Whether ``start`` (``None``: the beginning of time) comes before ``other``'s start."""
    if other is None:
        return False
    return start is None or start < other


def _min_end(end: date | None, cut: date | None) -> date | None:
    if cut is None:
        return end
    return cut if end is None else min(end, cut)


def _max_start(start: date | None, cut: date) -> date:
    return cut if start is None else max(start, cut)
