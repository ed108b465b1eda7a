"""Cloud costs as stored: the imports of FOCUS files and their rows. Writes run in the caller's
transaction. A file is staged (its rows written batch by batch under a ``staging`` import that
nothing reads), then ``swap``-ped in, or ``discard``-ed: it is seen whole or not at all."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from pumpview.store import tables

LIVE, STAGING = "live", "staging"


def new_import(
    conn: Connection,
    source: str,
    file_name: str,
    version: str,
    now_ms: int,
    tag_keys: str,
    *,
    heartbeat_ms: int,
) -> int:
    """A staging import: its rows can be added in many transactions, seen by nothing."""
    result = conn.execute(
        insert(tables.cloud_imports).values(
            source=source, file_name=file_name, focus_version=version, imported_at_ms=now_ms,
            tag_keys=tag_keys, state=STAGING, heartbeat_ms=heartbeat_ms,
        )
    )  # fmt: skip
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """``cloud_costs`` rows, as one executemany."""
    if rows:
        conn.execute(insert(tables.cloud_costs), list(rows))


def add_daily(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """``cloud_daily`` rows, as one executemany."""
    if rows:
        conn.execute(insert(tables.cloud_daily), list(rows))


def heartbeat(conn: Connection, import_id: int, now_ms: int) -> None:
    """A staging import is still being written."""
    imports = tables.cloud_imports
    conn.execute(update(imports).where(imports.c.id == import_id).values(heartbeat_ms=now_ms))


def abandoned(conn: Connection, before_ms: int) -> list[int]:
    """Staging imports not written since ``before_ms``: their process died mid-file."""
    imports = tables.cloud_imports
    return list(
        conn.execute(
            select(imports.c.id).where(
                imports.c.state == STAGING, imports.c.heartbeat_ms < before_ms
            )
        ).scalars()
    )


def discard(conn: Connection, import_id: int) -> None:
    """A staging import and every row it wrote (``ON DELETE CASCADE``), gone; a live one
    stays whatever is asked: once swapped in, a file is kept."""
    imports = tables.cloud_imports
    conn.execute(delete(imports).where(imports.c.id == import_id, imports.c.state == STAGING))


def swap(conn: Connection, import_id: int, source: str, periods: Collection[date]) -> int:
    """Make the staging import ``import_id`` live, replacing ``source``'s earlier rows of the
    billing ``periods`` it brought, and dropping the imports left with no row; the number of
    rows it replaced. Other periods and other sources stay as they are."""
    costs, imports = tables.cloud_costs, tables.cloud_imports
    live = select(imports.c.id).where(imports.c.state == LIVE)
    replaced = 0
    for table in (tables.cloud_daily, costs):  # costs last: the rows replaced are its own
        replaced = conn.execute(
            delete(table).where(
                table.c.source == source,
                table.c.billing_period_start.in_(list(periods)),
                table.c.import_id.in_(live),
            )
        ).rowcount
    used = select(tables.cloud_daily.c.import_id).distinct()  # a live import's rows, summed
    conn.execute(
        delete(imports).where(
            imports.c.id.not_in(used), imports.c.id != import_id, imports.c.state == LIVE
        )
    )
    conn.execute(update(imports).where(imports.c.id == import_id).values(state=LIVE))
    return int(replaced)


def period_rows(conn: Connection, source: str) -> dict[date, int]:
    """How many rows each of ``source``'s billing periods holds (the live ones: ``cloud_daily``
    is written only as a file is swapped in)."""
    daily = tables.cloud_daily
    rows = conn.execute(
        select(daily.c.billing_period_start, func.sum(daily.c.rows))
        .where(daily.c.source == source)
        .group_by(daily.c.billing_period_start)
    )
    return {period: int(count) for period, count in rows}


def listing(conn: Connection) -> list[Any]:
    """Each import still holding rows, newest first: source, file, version, when, its rows and
    its billing periods."""
    daily, imports = tables.cloud_daily, tables.cloud_imports
    held = (  # from the daily sums: a few rows a day, not every cost row
        select(
            daily.c.import_id,
            func.sum(daily.c.rows).label("rows"),
            func.min(daily.c.billing_period_start).label("first_period"),
            func.max(daily.c.billing_period_start).label("last_period"),
        )
        .group_by(daily.c.import_id)
        .subquery()
    )
    return list(
        conn.execute(
            select(imports.c.source, imports.c.file_name, imports.c.focus_version,
                   imports.c.imported_at_ms, held.c.rows, held.c.first_period,
                   held.c.last_period)
            .join(held, held.c.import_id == imports.c.id)
            .order_by(imports.c.imported_at_ms.desc(), imports.c.id.desc())
        ).all()
    )  # fmt: skip
