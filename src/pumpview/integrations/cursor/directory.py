"""Cursor's members and billing groups into the directory of people (``store.directory``).

Members are found, or made, as a mapping's rows are (``people.plan``): by email, else the
email-less person who holds its Google-label spelling gets it. Cursor names a person only when
no one has. Billing groups carry no history: a person seen in a new group moves from ``today``,
someone first seen in a group has been in it since always. Memberships an admin or a mapping set
are theirs: billing groups never change a person who has one.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from pumpview.people.membership import Membership, carve, leave, team_on
from pumpview.store import directory, tables


def refresh(conn: Connection, today: date, now_ms: int) -> None:
    """Everyone Cursor lists as a person, in the team of their billing group; in the caller's
    transaction, with the members and groups it reads."""
    members = conn.execute(
        select(tables.cursor_members.c.email, tables.cursor_members.c.name)
    ).all()
    people = directory.meet(conn, [tuple(m) for m in members], origin="cursor", now_ms=now_ms)
    g, gm = tables.billing_groups, tables.group_members
    groups = dict(
        conn.execute(
            select(gm.c.email, g.c.name).join(
                g, (g.c.integration_id == gm.c.integration_id) & (g.c.group_id == gm.c.group_id)
            )
        ).all()
    )
    for person in people.values():
        if any(m.origin != "cursor" for m in person.memberships):
            continue
        group = next((groups[a] for a in person.aliases if a in groups), None)
        if team_on(person.memberships, today) == group:
            continue
        if group is None:
            memberships = leave(person.memberships, today)
        else:
            start = today if person.memberships else None
            memberships = carve(person.memberships, Membership(group, start, None, "cursor"))
        directory.set_memberships(conn, person.id, memberships)
