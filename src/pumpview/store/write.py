"""Writing rows: one dialect-aware upsert, and a fast bulk insert for the event firehose."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; on a ``keys`` conflict overwrite ``update`` (default: all other columns)."""
    if not rows:
        return
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table)
    columns = update if update is not None else [c for c in rows[0] if c not in keys]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt, list(rows))


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` many rows of the same keys, with the columns' own type conversions.

    The same statement as ``conn.execute(insert(table), rows)``, minus SQLAlchemy's per-row
    parameter bookkeeping, which is most of the cost of storing a million events. Values still go
    through each column type's bind processor (exact ``Money`` included).
    """
    if not rows:
        return
    dialect = conn.dialect
    names = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    convert: list[tuple[str, Callable[[Any], Any] | None]] = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    if compiled.positional:
        order = [convert[names.index(n)] for n in compiled.positiontup or ()]
        params: list[Any] = [tuple(p(row[n]) if p else row[n] for n, p in order) for row in rows]
    else:
        params = [{n: p(row[n]) if p else row[n] for n, p in convert} for row in rows]
    conn.exec_driver_sql(compiled.string, params)
