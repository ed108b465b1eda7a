"""The people mapping: a CSV a manager keeps of who is who, read and written. Pure.

    email,name,aliases,team,valid_from,valid_to
    alex@corp.com,Alex Kim,alex;alex_corp_com,Platform,,2026-03-01
    alex@corp.com,,,Data,2026-03-01,
    ,Build Bot,ci-bot,Platform,,

A header row names the columns (any case, in any order; ``Valid From`` is ``valid_from``); each
further row speaks of one person: ``email``, ``name``, ``aliases`` (``;``-separated cloud owner
tag values), and a ``team`` from ``valid_from`` (inclusive) to ``valid_to`` (the first day out
of it), both ``YYYY-MM-DD`` and optional. A person may have several rows: their team history.
How a row finds its person, and what it changes, is ``people.plan``'s.

A cell that cannot be read is a ``UserInputError`` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from pumpview.errors import UserInputError
from pumpview.people.aliases import alias, label_form
from pumpview.spreadsheet import restore
from pumpview.timeutil import parse_day

if TYPE_CHECKING:
    from pumpview.people.membership import Membership

COLUMNS = ("email", "name", "aliases", "team", "valid_from", "valid_to")
"""The columns of a mapping, in the order ``people list --format csv`` writes them."""
NAMING = ("email", "name", "aliases")
"""The columns that can name a person: a row needs one of them filled."""
LIMITS = {"email": 320, "name": 500, "aliases": 500, "team": 200}
"""The longest value each column holds (the store's column sizes; ``aliases``: each alias)."""
_EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a mapping, its cells read and checked."""

    line: int | None
    """Where it starts in its file (the header is line 1); ``None``: an admin's edit."""
    email: str | None = None
    """Lower-case."""
    name: str | None = None
    aliases: tuple[str, ...] = ()
    """Normalised as aliases are kept (``people.aliases.alias``), each once."""
    team: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    person_id: int | None = None
    """The person an admin's edit names directly; a file's rows name theirs by their cells."""


@dataclass(frozen=True, slots=True)
class MappingFile:
    name: str
    """The file's name, for messages."""
    rows: tuple[Row, ...]
    text: str
    """The file as read (a preview's Apply carries it back)."""


class CellError(ValueError):
    """A cell that cannot be read; ``column`` says which."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def row_of(cells: Mapping[str, str], line: int | None = None, person_id: int | None = None) -> Row:
    """A row from its cells by column name (missing ones empty); ``CellError`` on a bad one."""
    email = _text(cells, "email")
    if email is not None:
        email = email.lower()
        if not _EMAIL.fullmatch(email):
            raise CellError("email", f"not an email address: {email!r}")
    aliases = tuple(
        dict.fromkeys(a for a in (alias(v) for v in (cells.get("aliases") or "").split(";")) if a)
    )
    for value in aliases:
        _check("aliases", value)
        if _CONTROL.search(value):  # an owner tag's value, matched as it is: not made up
            msg = f"{value!r} holds a control character, which an alias cannot"
            raise CellError("aliases", msg)
    team = _text(cells, "team")
    valid_from, valid_to = _day(cells, "valid_from"), _day(cells, "valid_to")
    if valid_from and valid_to and valid_to <= valid_from:
        msg = (f"{valid_to} is not after valid_from {valid_from} (valid_to is the first day "
               "out of the team)")  # fmt: skip
        raise CellError("valid_to", msg)
    if team is None and (valid_from or valid_to):
        raise CellError("team", "the row has dates but no team")
    row = Row(line, email, _text(cells, "name"), aliases, team, valid_from, valid_to, person_id)
    if person_id is None and not (row.email or row.name or row.aliases):
        raise CellError("email", "the row names nobody: give an email, a name or an alias")
    return row


def parse(data: bytes | str, name: str) -> MappingFile:
    """A mapping file's rows (UTF-8, a BOM or none); blank rows are skipped."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        msg = f"{name}: not UTF-8 text; save it as CSV UTF-8"
        raise UserInputError(msg) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            msg = f"{name}: the file is empty; its first line must name the columns"
            raise UserInputError(msg)
        columns = _columns(header, name)
        rows, end = [], reader.line_num
        for cells in reader:
            line, end = end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(columns):
                msg = (f"{name}, line {line}: {len(cells)} fields where the header has "
                       f"{len(columns)}")  # fmt: skip
                raise UserInputError(msg)
            try:
                read = (restore(c) for c in cells)  # what csv_text defused, as it was
                rows.append(row_of(dict(zip(columns, read, strict=False)), line))
            except CellError as exc:
                msg = f"{name}, line {line}, column {exc.column}: {exc}"
                raise UserInputError(msg) from None
    except csv.Error as exc:
        msg = f"{name}, line {reader.line_num}: {exc}"
        raise UserInputError(msg) from None
    if not rows:
        msg = f"{name}: no people after the header"
        raise UserInputError(msg)
    return MappingFile(name, tuple(rows), text)


class Someone(Protocol):
    """A person as the directory has them (``people.person.Person``, a listing's entry)."""

    @property
    def email(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def aliases(self) -> Sequence[str]: ...
    @property
    def memberships(self) -> Sequence[Membership]: ...


def own_aliases(person: Someone) -> list[str]:
    """The aliases besides those an email brings (itself, and its Google-label spelling)."""
    implied = {person.email, label_form(person.email)} if person.email else set()
    return [a for a in person.aliases if a not in implied]


def csv_rows(people: Iterable[Someone]) -> list[dict[str, str | None]]:
    """``people`` as mapping rows, which import back as they are: a row per membership (the
    first with the name and aliases), or one row for someone in no team. A person's email and
    its label spelling are left out of ``aliases``: an email brings them. Someone with no
    email, name or alias left is left out: no row could name them."""
    out: list[dict[str, str | None]] = []
    for person in people:
        names = {"name": person.name, "aliases": ";".join(own_aliases(person)) or None}
        # Someone without email is found again by an alias, or else by name, on every row.
        key = {"email": person.email} if person.email else dict(names)
        if not any(key.values()):
            continue
        spans = sorted(person.memberships, key=lambda m: m.valid_from or date.min)
        teams = [{"team": m.team, "valid_from": _iso(m.valid_from), "valid_to": _iso(m.valid_to)}
                 for m in spans] or [{}]  # fmt: skip
        for i, team in enumerate(teams):
            out.append(dict.fromkeys(COLUMNS) | key | (names if i == 0 else {}) | team)
    return out


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _columns(header: list[str], name: str) -> list[str]:
    columns = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]
    if len(columns) == 1 and ";" in columns[0]:
        msg = f"{name}, line 1: the columns must be separated by commas, not semicolons"
        raise UserInputError(msg)
    for given, column in zip(header, columns, strict=True):
        if column not in COLUMNS:
            msg = (f"{name}, line 1: unknown column {given.strip()!r}; the first line must "
                   f"name the columns, of {', '.join(COLUMNS)}")  # fmt: skip
            raise UserInputError(msg)
        if columns.count(column) > 1:
            msg = f"{name}, line 1: the column {column} appears twice"
            raise UserInputError(msg)
    if not set(NAMING) & set(columns):
        msg = f"{name}, line 1: no email, name or aliases column to say who each row is"
        raise UserInputError(msg)
    return columns


def _text(cells: Mapping[str, str], column: str) -> str | None:
    value = _CONTROL.sub(" ", cells.get(column) or "").strip()
    return _check(column, value) or None


def _check(column: str, value: str) -> str:
    if len(value) > LIMITS[column]:
        raise CellError(column, f"longer than {LIMITS[column]} characters")
    return value


def _day(cells: Mapping[str, str], column: str) -> date | None:
    value = (cells.get(column) or "").strip()
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        raise CellError(column, str(exc)) from None


def span_text(valid_from: date | None, valid_to: date | None) -> str:
    """A membership's span in words: ``from 2026-01-01 until 2026-03-01`` (``until``: the first
    day out, as ``valid_to`` is), ``from ...``, ``until ...``; nothing for no bounds at all (a
    team with no dates is the team on every day: "Mobile", never "Mobile since always")."""
    if valid_from is None:
        return "" if valid_to is None else f"until {valid_to}"
    return f"from {valid_from}" + ("" if valid_to is None else f" until {valid_to}")


def history(memberships: Iterable[Membership]) -> str:
    """A team history in words: ``Platform until 2026-03-01, then Data from 2026-03-01``;
    ``Mobile`` for a membership with neither a start nor an end."""
    spans = sorted(memberships, key=lambda m: m.valid_from or date.min)
    return ", then ".join(f"{m.team} {span_text(m.valid_from, m.valid_to)}".rstrip() for m in spans)
