"""Who a GitHub login is: the person key Copilot's rows carry, and the aliases that tie a login to
a person of the directory. Billing ``user=``, seats' ``assignee.login`` and the reports'
``user_login`` all name a login, case-insensitively (the reference's §5); no Copilot endpoint
gives a reliable work email.

The one rule, kept here so that the reports can resolve ``github:`` keys through the aliases
later: a login is stored as ``github:<login lower-cased>``. When a seat's public profile email
names a person the directory knows, that person gets the alias too; everyone else stays
unmapped (listed by the product, not guessed at).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from pumpview.people.aliases import alias
from pumpview.store import directory, tables

PREFIX = "github:"
ORIGIN = "copilot"
"""How the people directory says where an alias came from."""


def person_key(login: str) -> str:
    """The person key of a GitHub login in ``usage_daily`` and ``activity_daily``."""
    return PREFIX + login.strip().lower()


def link_logins(conn: Connection, seats: Iterable[tuple[str, str | None]]) -> int:
    """Give each (login, profile email) whose email names a known person the alias
    ``github:<login>``, in the caller's transaction; how many were linked. No one is created."""
    a = tables.person_aliases
    linked = 0
    for login, email in seats:
        if not email or "@" not in email:
            continue
        person_id = conn.execute(select(a.c.person_id).where(a.c.alias == alias(email))).scalar()
        if person_id is not None:
            directory.add_aliases(conn, int(person_id), [person_key(login)], ORIGIN)
            linked += 1
    return linked
