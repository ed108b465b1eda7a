"""What a people mapping, or an admin's edit, changes in the directory: planned first as lines a
person can read (the preview), then applied in one transaction by ``store.directory.apply``.

How a row finds its person:

- with an email: whoever has that email (as their email, or as an alias); else someone with no
  email who holds one of the row's aliases (or the email's label spelling), who gets the email;
  else a new person.
- without one: whoever holds the first of the row's aliases already known; else the one person
  of that name (case aside; two of that name is an error); else a new person with no email.

What a row changes: the person's name, when it gives another (one without email: not for its
case alone); each alias they do not hold yet (taken from whoever held it, but never an alias
that is another person's email); and, with a team, their membership over ``[valid_from,
valid_to)``, cut out of their other spans so history outside it stays (rows apply in file
order). Nothing already true is a change, so importing the same file twice plans nothing the
second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pumpview.errors import UserInputError
from pumpview.people.aliases import alias, label_form
from pumpview.people.mapping import MappingFile, Row, history
from pumpview.people.membership import Membership, carve, leave
from pumpview.people.person import Person

ORIGINS = {"cursor": "Cursor's billing groups", "csv": "a mapping file", "admin": "an admin"}
KINDS = {"person": ("new person", "new people"), "email": ("email", "emails"),
         "name": ("name", "names"), "alias": ("alias", "aliases"),
         "team": ("team change", "team changes")}  # fmt: skip


# -- what a change does -----------------------------------------------------------------------
# ``key`` is a person's id, or a negative stand-in for someone the plan makes.


@dataclass(frozen=True, slots=True)
class NewPerson:
    key: int
    email: str | None
    name: str | None
    origin: str


@dataclass(frozen=True, slots=True)
class SetEmail:
    key: int
    email: str
    origin: str


@dataclass(frozen=True, slots=True)
class Rename:
    key: int
    name: str


@dataclass(frozen=True, slots=True)
class GiveAlias:
    key: int
    alias: str
    origin: str


@dataclass(frozen=True, slots=True)
class DropAlias:
    key: int
    alias: str


@dataclass(frozen=True, slots=True)
class SetTeams:
    key: int
    memberships: tuple[Membership, ...]


Action = NewPerson | SetEmail | Rename | GiveAlias | DropAlias | SetTeams


@dataclass(frozen=True, slots=True)
class Change:
    line: int | None
    """The file line it comes from; ``None`` for an admin's edit."""
    person: str
    kind: str
    """One of ``KINDS``."""
    text: str
    action: Action

    def __str__(self) -> str:
        return f"{self.person}: {self.text}"


class PlanError(UserInputError):
    """A row the directory cannot take as it is; ``column`` says which cell (a form's field)."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


class Stale(UserInputError):
    """The directory changed between a preview and its Apply."""


def summary(changes: Sequence[Change]) -> str:
    """``2 new people, 3 aliases, 1 team change``."""
    counts = {kind: sum(c.kind == kind for c in changes) for kind in KINDS}
    return ", ".join(f"{n} {KINDS[kind][n != 1]}" for kind, n in counts.items() if n)


def by_line(changes: Sequence[Change]) -> list[Change]:
    """For a preview: in the order of the file's lines (a person's team change at their first
    team row), rather than the order they are made in."""
    return sorted(changes, key=lambda c: c.line or 0)


def fingerprint(changes: Sequence[Change]) -> str:
    """What a preview showed, in 32 characters: Apply goes ahead only if it plans the same."""
    lines = "\n".join(f"{c.line}\t{c.person}\t{c.text}" for c in changes)
    return hashlib.sha256(lines.encode()).hexdigest()[:32]


# -- planning ---------------------------------------------------------------------------------


def plan(people: Mapping[int, Person], rows: MappingFile | Iterable[Row], origin: str = "csv"
         ) -> list[Change]:  # fmt: skip
    """What ``rows`` would change in ``people`` (``store.directory.load``), in order. Pure."""
    planner = _Planner(people, origin, rows.name if isinstance(rows, MappingFile) else "")
    for row in rows.rows if isinstance(rows, MappingFile) else rows:
        planner.row(row)
    return planner.finish()


def unalias(people: Mapping[int, Person], person_id: int, value: str) -> list[Change]:
    """An admin takes an alias from a person (never their email)."""
    planner = _Planner(people, "admin", "")
    key, value = planner.known(person_id), alias(value)
    person = planner.people[key]
    if value not in person.aliases:
        msg = f"{person.label} has no alias {value!r}"
        raise PlanError(msg, "alias")
    if value == person.email:
        msg = f"{value} is {person.label}'s email: it names them, and stays"
        raise PlanError(msg, "alias")
    planner.add(None, key, "alias", f"alias {value} removed", DropAlias(key, value))
    return planner.finish()


def leave_teams(people: Mapping[int, Person], person_id: int, day: date) -> list[Change]:
    """An admin ends a person's memberships: in no team from ``day`` on."""
    planner = _Planner(people, "admin", "")
    key = planner.known(person_id)
    planner.teams(None, key, lambda before: leave(before, day))
    return planner.finish()


@dataclass
class _Planner:
    """The directory as the plan has changed it so far, and the changes."""

    given: Mapping[int, Person]
    origin: str
    source: str
    people: dict[int, Person] = field(init=False)
    emails: dict[str, int] = field(init=False)
    owner: dict[str, int] = field(init=False)
    """Alias -> person key."""
    named: dict[str, set[int]] = field(init=False)
    """Name (case aside) -> person keys."""
    from_file: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    """Alias -> (person key, line) of the rows planned: a file gives an alias to one person."""
    changes: list[Change] = field(default_factory=list)
    """In the order they are to be made (an alias moved twice ends with the last holder)."""
    histories: dict[int, tuple[int | None, list[Membership]]] = field(default_factory=dict)
    """Per person whose team a row sets: that row's line, and their memberships before."""
    next_key: int = -1

    def __post_init__(self) -> None:
        self.people = {
            key: Person(p.id, p.email, p.name, list(p.aliases), _merged(p.memberships))
            for key, p in self.given.items()
        }
        self.emails = {p.email: key for key, p in self.people.items() if p.email}
        self.owner = {a: key for key, p in self.people.items() for a in p.aliases}
        self.named = {}
        for key, p in self.people.items():
            if p.name:
                self.named.setdefault(p.name.casefold(), set()).add(key)

    def row(self, row: Row) -> None:
        key = self.find(row)
        person = self.people[key]
        # A row with no email may have found its person by name, case aside: not a new name.
        keyed = row.email is None and row.person_id is None
        if (
            row.name
            and row.name != person.name
            and not (keyed and row.name.casefold() == (person.name or "").casefold())
        ):
            text = (f"name {person.name!r} → {row.name!r}" if person.name
                    else f"named {row.name!r}")  # fmt: skip
            self.add(row.line, key, "name", text, Rename(key, row.name))
            self.name(key, row.name)
        for value in row.aliases:
            self.give(row, key, value)
        if row.team:
            new = Membership(row.team, row.valid_from, row.valid_to, self.origin)
            self.teams(row.line, key, lambda before: carve(before, new))

    def finish(self) -> list[Change]:
        """The changes, and last each team change: a person's history as the rows leave it,
        beside what it was."""
        for key, (line, before) in self.histories.items():
            after = self.people[key].memberships
            if after == before:
                continue
            text = f"team: {history(after) or 'none'}"
            if before:
                origins = {m.origin for m in before}
                source = ORIGINS[origins.pop()] if len(origins) == 1 else None
                text += f" (was {history(before)}" + (
                    f", from {source})" if source and before[0].origin != self.origin else ")"
                )
            if (before and all(m.origin == "cursor" for m in before)
                    and any(m.origin != "cursor" for m in after)):  # fmt: skip
                text += "; Cursor's billing groups no longer change their team"
            self.add(line, key, "team", text, SetTeams(key, tuple(after)))
        return self.changes

    def find(self, row: Row) -> int:
        """The person ``row`` speaks of, made if new (see the module's docstring)."""
        if row.person_id is not None:
            return self.known(row.person_id)
        if row.email:
            found = self.emails.get(row.email, self.owner.get(row.email))
            if found is not None:
                return found
            for value in (*row.aliases, label_form(row.email)):
                holder = self.owner.get(value)
                if holder is not None and self.people[holder].email is None:
                    self.add(row.line, holder, "email", f"email {row.email}",
                             SetEmail(holder, row.email, self.origin))  # fmt: skip
                    self.set_email(row, holder, row.email)
                    return holder
            return self.new(row)
        found = next((self.owner[a] for a in row.aliases if a in self.owner), None)
        if found is not None:
            return found
        if row.name:
            named = sorted(self.named.get(row.name.casefold(), ()))
            if len(named) > 1:
                msg = f"{len(named)} people are named {row.name!r}: add an email or an alias"
                raise self.error(row, "name", msg)
            if named:
                return named[0]
        return self.new(row)

    def known(self, person_id: int) -> int:
        if person_id not in self.people:
            msg = f"no person #{person_id}: reload the page"
            raise PlanError(msg, "person_id")
        return person_id

    def new(self, row: Row) -> int:
        key, self.next_key = self.next_key, self.next_key - 1
        self.people[key] = Person(key, row.email, None)
        self.name(key, row.name)
        who = (self.who(key) if row.name or row.email  # its aliases come next
               else f"the person known as {', '.join(row.aliases)}")  # fmt: skip
        self.changes.append(Change(row.line, who, "person", "new person",
                                   NewPerson(key, row.email, row.name, self.origin)))  # fmt: skip
        if row.email:
            self.set_email(row, key, row.email)
        return key

    def set_email(self, row: Row, key: int, email: str) -> None:
        """``key``'s email, with its aliases (``store.directory`` adds them), held from here on."""
        self.people[key].email = email
        self.emails[email] = key
        for value in (email, label_form(email)):
            holder = self.owner.get(value)
            if holder is not None and holder != key:  # ``add_aliases`` moves it: say so
                self.add(row.line, key, "alias", f"alias {value} moved from {self.who(holder)}",
                         GiveAlias(key, value, self.origin))  # fmt: skip
            self.hold(value, key)

    def give(self, row: Row, key: int, value: str) -> None:
        earlier = self.from_file.get(value)
        if earlier is not None and earlier[0] != key:
            where = f"on line {earlier[1]}" if earlier[1] is not None else "earlier"
            msg = f"alias {value!r} was given to {self.who(earlier[0])} {where}"
            raise self.error(row, "aliases", msg)
        self.from_file[value] = (key, row.line)
        holder = self.owner.get(value)
        if holder == key:
            return
        if holder is not None and self.people[holder].email == value:
            msg = f"{value} is the email of {self.who(holder)}: it names them alone"
            raise self.error(row, "aliases", msg)
        text = (f"alias {value} added" if holder is None
                else f"alias {value} moved from {self.who(holder)}")  # fmt: skip
        self.add(row.line, key, "alias", text, GiveAlias(key, value, self.origin))
        self.hold(value, key)

    def name(self, key: int, name: str | None) -> None:
        """``key``'s name, found by it from here on."""
        person = self.people[key]
        if person.name:
            self.named[person.name.casefold()].discard(key)
        person.name = name
        if name:
            self.named.setdefault(name.casefold(), set()).add(key)

    def hold(self, value: str, key: int) -> None:
        holder = self.owner.get(value)
        if holder is not None:
            self.people[holder].aliases.remove(value)
        self.owner[value] = key
        self.people[key].aliases.append(value)

    def teams(
        self, line: int | None, key: int, change: Callable[[list[Membership]], list[Membership]]
    ) -> None:
        person = self.people[key]
        self.histories.setdefault(key, (line, person.memberships))
        person.memberships = _merged(change(person.memberships))

    def add(self, line: int | None, key: int, kind: str, text: str, action: Action) -> None:
        self.changes.append(Change(line, self.who(key), kind, text, action))

    def who(self, key: int) -> str:
        person = self.people[key]
        if person.name and person.email:
            return f"{person.name} ({person.email})"
        if not (person.name or person.email) and person.aliases:
            return f"the person known as {', '.join(person.aliases)}"
        return person.label

    def error(self, row: Row, column: str, message: str) -> PlanError:
        if row.line is None:
            return PlanError(message, column)
        return PlanError(f"{self.source}, line {row.line}, column {column}: {message}", column)


# -- memberships -----------------------------------------------------------------------------------


def _merged(memberships: Iterable[Membership]) -> list[Membership]:
    """In order of start, with touching spans of one team and origin joined: one way to write
    each history, so that a span already true compares equal."""
    out: list[Membership] = []
    for m in sorted(memberships, key=lambda m: m.valid_from or date.min):
        last = out[-1] if out else None
        if (last is not None and (last.team, last.origin) == (m.team, m.origin)
                and last.valid_to is not None and last.valid_to == m.valid_from):  # fmt: skip
            out[-1] = Membership(m.team, last.valid_from, m.valid_to, m.origin)
        else:
            out.append(m)
    return out
