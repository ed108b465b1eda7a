"""The ``integrations`` table: one row per connected source, its sealed key and its status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, select, update

from pumpview.errors import UserInputError
from pumpview.store import tables
from pumpview.store.write import upsert

DATA_TABLES = (
    tables.sync_leases,
    tables.sync_runs,
    tables.usage_events,
    tables.usage_daily,
    tables.person_blocks,
    tables.model_blocks,
    tables.integration_blocks,
    tables.sync_days,
    tables.fact_writes,
    tables.cursor_members,
    tables.spend_snapshots,
    tables.group_members,
    tables.billing_groups,
    tables.activity_daily,
    tables.provider_costs,
    tables.copilot_seats,
)


def find(conn: Connection, name: str) -> Row[Any] | None:
    return conn.execute(
        select(tables.integrations).where(tables.integrations.c.name == name)
    ).first()


def require(conn: Connection, name: str) -> Row[Any]:
    row = find(conn, name)
    if row is None:
        msg = f"no {name} integration is connected; run: pumpview integrations connect {name}"
        raise UserInputError(msg, web=f"No integration is named {name}.")
    return row


def save(conn: Connection, values: dict[str, Any]) -> int:
    """Create or update the integration named ``values['name']``; its data is kept."""
    upsert(conn, tables.integrations, [values], keys=("name",))
    row = find(conn, values["name"])
    assert row is not None  # noqa: S101 - just written in this transaction
    return int(row.id)


def forget_key(conn: Connection, name: str, *, purge: bool) -> int:
    """Drop the sealed key; with ``purge`` also every row synced from this integration (in
    ClickHouse, ``store.usage.drop_facts`` once this commits). Its id back."""
    row = require(conn, name)
    if purge:
        for table in DATA_TABLES:
            conn.execute(delete(table).where(table.c.integration_id == row.id))
        conn.execute(delete(tables.integrations).where(tables.integrations.c.id == row.id))
        return int(row.id)
    conn.execute(
        update(tables.integrations)
        .where(tables.integrations.c.id == row.id)
        .values(key_ciphertext=None, status="disconnected", message="key removed; data kept")
    )
    return int(row.id)


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every integration with what it holds: events stored and their date range, read from the
    per-day bookmarks (committed with the events they count) rather than counting the events."""
    days = tables.sync_days
    out = []
    for row in conn.execute(select(tables.integrations).order_by(tables.integrations.c.name)):
        events, first, last = conn.execute(
            select(
                func.coalesce(func.sum(days.c.events), 0),
                func.min(days.c.day),
                func.max(days.c.day),
            ).where(days.c.integration_id == row.id, days.c.events > 0)
        ).one()
        out.append({**row._asdict(), "events": events, "first_day": first, "last_day": last})
    return out


def names(conn: Connection) -> list[Row[Any]]:
    """Every integration's ``id``, ``name`` and ``team_name``, and whether it is ``connected``
    (holds a key), in the order of the names: the one query of the integrations' names, which
    ``display_names``, ``ids`` and ``connected`` read."""
    integrations = tables.integrations
    return list(
        conn.execute(
            select(
                integrations.c.id,
                integrations.c.name,
                integrations.c.team_name,
                integrations.c.key_ciphertext.is_not(None).label("connected"),
            ).order_by(integrations.c.name)
        )
    )


def display_names(conn: Connection) -> dict[str, str]:
    """Each integration's name and what a person calls it: the team name given at connect,
    else the name itself; in the order of the names."""
    return {row.name: row.team_name or row.name for row in names(conn)}


def ids(conn: Connection) -> dict[str, int]:
    """Each integration's id by its name, in the order of the names."""
    return {row.name: int(row.id) for row in names(conn)}


def connected(conn: Connection) -> list[str]:
    """The names of the integrations that hold a key (the ones a sync can run on)."""
    return [row.name for row in names(conn) if row.connected]


def roster(conn: Connection, integration_id: int) -> set[str]:
    """The emails ``/teams/members`` listed for the integration (not event-only principals)."""
    people = tables.cursor_members
    return set(
        conn.execute(
            select(people.c.email).where(
                people.c.integration_id == integration_id, people.c.listed_at_ms.is_not(None)
            )
        ).scalars()
    )


def accounts(conn: Connection) -> dict[str, tuple[str, str | None]]:
    """Each integration's provider and upstream account, by its name."""
    table = tables.integrations
    rows = conn.execute(select(table.c.name, table.c.provider, table.c.account))
    return {row.name: (row.provider, row.account) for row in rows}


def providers(conn: Connection) -> dict[int, str]:
    """Each integration's provider, by its id."""
    table = tables.integrations
    return {int(i): str(p) for i, p in conn.execute(select(table.c.id, table.c.provider))}


def set_state(engine: Engine, integration_id: int, **values: Any) -> None:
    """Set an integration's own columns (its status, message, last attempt...), committed."""
    with engine.begin() as conn:
        conn.execute(
            update(tables.integrations)
            .where(tables.integrations.c.id == integration_id)
            .values(**values)
        )
