"""Which stored person keys mean one person: the facts keep each provider's own key (Cursor's and
Claude Code's email, Copilot's ``github:<login>``), and the directory's aliases tie a GitHub login
to a person (``integrations/copilot/identity.py``: a seat's public email, or an admin's click on
Settings → People). The reports count such a login as its person: ``resolve`` merges the rows of
a login into its person's email, exactly; a login no alias names stays a row of its own."""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from pumpview.store import tables
from pumpview.store.measures import EXACT

GITHUB = "github:"
"""The prefix of a GitHub login's person key (as ``integrations.copilot.identity`` stores it)."""


def linked_logins(conn: Connection) -> dict[str, str]:
    """Each ``github:<login>`` key an alias ties to a person with an email -> that email."""
    a, p = tables.person_aliases, tables.persons
    query = (
        select(a.c.alias, p.c.email)
        .join(p, p.c.id == a.c.person_id)
        .where(a.c.alias.startswith(GITHUB, autoescape=True), p.c.email.is_not(None))
    )
    return {str(key): str(email) for key, email in conn.execute(query)}


def keys_of(conn: Connection, email: str) -> list[str]:
    """Every stored key of the person whose email is ``email``: the email, then the GitHub
    logins their aliases name (sorted); just ``[email]`` for anyone else."""
    linked = sorted(key for key, whose in linked_logins(conn).items() if whose == email)
    return [email, *linked]


def resolve(rows: Iterable[Sequence[Any]], linked: Mapping[str, str]) -> list[tuple[Any, ...]]:
    """``rows`` (a person key, then additive values) with each linked login's row added into its
    person's (``linked``: key -> email), exactly; the other rows as they are, in their order.
    Pure."""
    out: dict[Any, list[Any]] = {}
    with decimal.localcontext(EXACT):
        for key, *values in rows:
            whose = linked.get(key, key) if isinstance(key, str) else key
            had = out.get(whose)
            if had is None:
                out[whose] = list(values)
            else:
                out[whose] = [x + y for x, y in zip(had, values, strict=True)]
    return [(key, *values) for key, values in out.items()]


def label(key: str) -> str | None:
    """What a row whose key names no person is called: ``GitHub <login>``, ``API key <name>``
    (Claude Code names a key, not a person); ``None`` for an email."""
    kind, _, rest = key.partition(":")
    if not rest:
        return None
    return {"github": f"GitHub {rest}", "api-key": f"API key {rest}"}.get(kind)
