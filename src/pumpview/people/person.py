"""A person as the directory keeps them: an entry with their aliases and team memberships. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from pumpview.people.membership import Membership


@dataclass
class Person:
    id: int
    email: str | None
    name: str | None
    aliases: list[str] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or self.email or (self.aliases[0] if self.aliases else f"#{self.id}")
