"""People across sources, as stored: persons, the aliases that name them (emails, cloud owner
tag values) and their team memberships over time. Writes run in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select, update

from pumpview.people import plan
from pumpview.people.aliases import alias, label_form
from pumpview.people.mapping import MappingFile, Row
from pumpview.people.membership import Membership, carve
from pumpview.people.person import Person
from pumpview.store import tables
from pumpview.store.write import upsert


def load(conn: Connection) -> dict[int, Person]:
    """Everyone, with their aliases and memberships (in order of start)."""
    p, a, m = tables.persons, tables.person_aliases, tables.team_memberships
    people = {
        row.id: Person(row.id, row.email, row.name)
        for row in conn.execute(select(p.c.id, p.c.email, p.c.name).order_by(p.c.id))
    }
    for person_id, value in conn.execute(select(a.c.person_id, a.c.alias).order_by(a.c.alias)):
        people[person_id].aliases.append(value)
    for row in conn.execute(
        # "Since always" (NULL) first: PostgreSQL sorts NULL last, SQLite first.
        select(m.c.person_id, m.c.team, m.c.valid_from, m.c.valid_to, m.c.origin).order_by(
            m.c.person_id, m.c.valid_from.is_not(None), m.c.valid_from, m.c.id
        )
    ):
        people[row.person_id].memberships.append(
            Membership(row.team, row.valid_from, row.valid_to, row.origin)
        )
    return people


def add_person(
    conn: Connection, email: str | None, name: str | None, origin: str, now_ms: int
) -> int:
    """A new person; an email becomes their alias, in its Google-label spelling too."""
    email = alias(email) if email else None
    person_id = int(
        conn.execute(
            insert(tables.persons).values(email=email, name=name, created_at_ms=now_ms)
        ).inserted_primary_key[0]  # type: ignore[index]
    )
    if email:
        add_aliases(conn, person_id, [email, label_form(email)], origin)
    return person_id


def set_email(conn: Connection, person_id: int, email: str, origin: str) -> None:
    """An email for someone who had none (a cloud owner who turns out to be a Cursor member),
    as ``add_person`` gives one: an alias too, in its Google-label spelling as well."""
    email = alias(email)
    conn.execute(update(tables.persons).where(tables.persons.c.id == person_id).values(email=email))
    add_aliases(conn, person_id, [email, label_form(email)], origin)


def add_aliases(conn: Connection, person_id: int, values: Iterable[str], origin: str) -> None:
    """Aliases for ``person_id``; an alias another person had moves to this one."""
    rows = [
        {"alias": alias(value), "person_id": person_id, "origin": origin}
        for value in dict.fromkeys(values)
        if alias(value)
    ]
    upsert(conn, tables.person_aliases, rows, keys=("alias",))


def remove_alias(conn: Connection, value: str) -> None:
    conn.execute(delete(tables.person_aliases).where(tables.person_aliases.c.alias == alias(value)))


def rename(conn: Connection, person_id: int, name: str | None) -> None:
    conn.execute(update(tables.persons).where(tables.persons.c.id == person_id).values(name=name))


def set_memberships(conn: Connection, person_id: int, memberships: Iterable[Membership]) -> None:
    """A person's memberships, all of them at once."""
    m = tables.team_memberships
    conn.execute(delete(m).where(m.c.person_id == person_id))
    rows = [
        {"person_id": person_id, "team": x.team, "valid_from": x.valid_from,
         "valid_to": x.valid_to, "origin": x.origin}
        for x in memberships
    ]  # fmt: skip
    if rows:
        conn.execute(insert(m), rows)


def join_team(conn: Connection, person: Person, membership: Membership) -> None:
    """``person`` in ``membership``'s team over its span; their other spans keep the rest."""
    person.memberships = carve(person.memberships, membership)
    set_memberships(conn, person.id, person.memberships)


def apply(
    conn: Connection,
    what: MappingFile | Sequence[plan.Change],
    *,
    origin: str = "csv",
    now_ms: int,
    expect: str | None = None,
) -> list[plan.Change]:
    """Make ``what`` so in the caller's transaction: a plan, or a file planned here against the
    directory as it is now (``expect``: the preview's ``fingerprint``; another plan is
    ``Stale``, and changes nothing). The changes made."""
    if isinstance(what, MappingFile):
        changes = plan.plan(load(conn), what, origin)
        if expect is not None and plan.fingerprint(changes) != expect:
            msg = (f"the people changed since the preview of {what.name}: look at what it "
                   "would change now, then apply again")  # fmt: skip
            raise plan.Stale(msg)
    else:
        changes = list(what)
    ids: dict[int, int] = {}
    for change in changes:
        action = change.action
        key = ids.get(action.key, action.key)
        match action:
            case plan.NewPerson(email=email, name=name):
                ids[action.key] = add_person(conn, email, name, action.origin, now_ms)
            case plan.SetEmail(email=email):
                set_email(conn, key, email, action.origin)
            case plan.Rename(name=name):
                rename(conn, key, name)
            case plan.GiveAlias(alias=value):
                add_aliases(conn, key, [value], action.origin)
            case plan.DropAlias(alias=value):
                remove_alias(conn, value)
            case plan.SetTeams(memberships=memberships):
                set_memberships(conn, key, memberships)
    return changes


def meet(
    conn: Connection, members: Sequence[tuple[str, str | None]], *, origin: str, now_ms: int
) -> dict[int, Person]:
    """The people a source lists, by (email, name): found, or made, as a mapping's rows are
    (``people.plan``); named by the source only when no one has named them. In the caller's
    transaction; everyone after, as ``load`` gives them."""
    found = plan.plan(load(conn), [Row(None, email=email) for email, _name in members], origin)
    apply(conn, found, now_ms=now_ms)
    people = load(conn)
    names = {alias(email): name for email, name in members if name}
    for person in people.values():
        if person.name is None and person.email in names:
            person.name = names[person.email]
            rename(conn, person.id, person.name)
    return people
