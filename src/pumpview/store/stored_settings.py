"""Settings an admin changed in the web app, kept as text by name (``tables.stored_settings``).

The faces read them over the ``PUMPVIEW_*`` defaults (``reports.billing.resolve``); clearing
one (``None``) returns to the default.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, delete, select

from pumpview.store import tables
from pumpview.store.write import upsert


def read(conn: Connection) -> dict[str, str]:
    """Every stored setting by name."""
    stored = tables.stored_settings
    return {
        str(row.name): str(row.value) for row in conn.execute(select(stored.c.name, stored.c.value))
    }


def write(conn: Connection, values: Mapping[str, str | None], now_ms: int) -> None:
    """Store ``values`` by name; a ``None`` forgets one (its default applies again)."""
    stored = tables.stored_settings
    gone = [name for name, value in values.items() if value is None]
    if gone:
        conn.execute(delete(stored).where(stored.c.name.in_(gone)))
    rows = [
        {"name": name, "value": value, "updated_at_ms": now_ms}
        for name, value in values.items()
        if value is not None
    ]
    upsert(conn, stored, rows, keys=("name",))
